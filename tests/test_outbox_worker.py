"""With a real worker on the configured broker: an invitation made while the broker was
down is mailed once the outbox's sweep publishes it."""

from __future__ import annotations

import datetime
import time

import pytest
from django.conf import settings
from django.core import mail

from organizations import services as organizations
from organizations.models import Invitation
from registry.celery import app as celery_app
from registry.outbox.models import OutboxMessage
from registry.outbox.services import outbox_publish_pending
from tests.factories import UserFactory
from tests.organizations.factories import organization_with_admin

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL, reason="needs CELERY_BROKER_URL (CI sets it)"
    ),
]

CLOSED_BROKER = "redis://127.0.0.1:9137/0"


def use_broker(url: str) -> None:
    celery_app.conf.broker_url = url
    # The publish uses the write URL, which (unlike broker_url) the environment's
    # CELERY_BROKER_URL does not override.
    celery_app.conf.broker_write_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_an_invitation_made_while_the_broker_was_down_is_mailed_later():
    from celery.contrib.testing.worker import start_worker

    celery_app.conf.task_always_eager = False
    admin = UserFactory(email="aila.admin@example.fi", preferred_language="en")
    organization = organization_with_admin(admin, name="Malmin Ilmailukerho ry")
    use_broker(CLOSED_BROKER)
    try:
        organizations.invitation_create(
            organization=organization, email="ville@example.fi", actor=admin
        )
    finally:
        use_broker(settings.CELERY_BROKER_URL)
    assert OutboxMessage.objects.filter(task="organizations.tasks.send_invitation").exists()
    invitation = Invitation.objects.get(membership__email="ville@example.fi")
    assert invitation.sent_at is None

    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        # What beat's publish-outbox does every minute.
        assert outbox_publish_pending(grace=datetime.timedelta(0)) == 1
        deadline = time.monotonic() + 30
        while not mail.outbox and time.monotonic() < deadline:
            time.sleep(0.1)
    assert not OutboxMessage.objects.exists()
    assert [m.to for m in mail.outbox] == [["ville@example.fi"]]
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
