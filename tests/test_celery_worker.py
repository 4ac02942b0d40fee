"""A real Celery worker on the configured broker runs a task against the database."""

from __future__ import annotations

import datetime
import time

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import LoginEvent
from accounts.tasks import purge_login_events
from registry.celery import app as celery_app

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL, reason="needs CELERY_BROKER_URL (CI sets it)"
    ),
]


@pytest.fixture
def celery_worker():
    from celery.contrib.testing.worker import start_worker

    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def test_a_real_worker_runs_the_login_purge(member, celery_worker):
    LoginEvent.objects.create(
        user=member, outcome="success", occurred_at=timezone.now() - datetime.timedelta(days=400)
    )
    purge_login_events.delay()
    # No result backend: the database is the proof that the worker ran the task.
    deadline = time.monotonic() + 30
    while LoginEvent.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not LoginEvent.objects.exists()
