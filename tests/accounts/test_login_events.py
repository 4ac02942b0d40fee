from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import LoginEvent
from accounts.tasks import purge_login_events

pytestmark = pytest.mark.django_db


def test_it_records_a_successful_login_with_ip_and_browser(client, member, password):
    client.post(
        reverse("account_login"),
        {"login": member.email, "password": password},
        HTTP_USER_AGENT="Firefox/140",
        REMOTE_ADDR="192.0.2.10",
    )
    event = LoginEvent.objects.get(user=member)
    assert event.outcome == LoginEvent.Outcome.SUCCESS
    assert event.ip_address == "192.0.2.10"
    assert event.user_agent == "Firefox/140"


def test_it_records_a_failed_attempt_on_an_existing_account(client, member):
    client.post(reverse("account_login"), {"login": member.email, "password": "nope-nope"})
    assert LoginEvent.objects.get(user=member).outcome == LoginEvent.Outcome.FAILURE


def test_it_records_nothing_for_an_unknown_address(client, member):
    client.post(reverse("account_login"), {"login": "ghost@example.fi", "password": "x"})
    assert not LoginEvent.objects.exists()


def test_the_purge_task_deletes_only_old_events_and_is_safe_to_repeat(member, settings):
    settings.LOGIN_EVENT_RETENTION_DAYS = 90
    old = LoginEvent.objects.create(
        user=member, outcome="success", occurred_at=timezone.now() - datetime.timedelta(days=91)
    )
    recent = LoginEvent.objects.create(
        user=member, outcome="success", occurred_at=timezone.now() - datetime.timedelta(days=89)
    )
    assert purge_login_events.apply().get() == 1
    assert purge_login_events.apply().get() == 0
    assert not LoginEvent.objects.filter(pk=old.pk).exists()
    assert LoginEvent.objects.filter(pk=recent.pk).exists()
