from __future__ import annotations

import datetime

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def signed_in_client(user, password: str) -> Client:
    client = Client(HTTP_USER_AGENT="Browser")
    response = client.post(reverse("account_login"), {"login": user.email, "password": password})
    assert response.status_code == 302
    return client


def test_a_user_can_end_their_other_sessions(member, password):
    first = signed_in_client(member, password)
    second = signed_in_client(member, password)
    assert UserSession.objects.filter(user=member).count() == 2

    response = first.post(reverse("usersessions_list"), {"action": "logout"})
    assert response.status_code == 302
    assert UserSession.objects.filter(user=member).count() == 1
    assert second.get(reverse("accounts:my_data")).status_code == 302
    assert first.get(reverse("accounts:my_data")).status_code == 200


def test_a_user_cannot_end_another_users_session(member, other_member, password):
    mine = signed_in_client(member, password)
    theirs = signed_in_client(other_member, password)
    their_session = UserSession.objects.get(user=other_member)

    mine.post(
        reverse("usersessions_list"), {"action": "logout", "sessions": [str(their_session.pk)]}
    )
    assert UserSession.objects.filter(pk=their_session.pk).exists()
    assert theirs.get(reverse("accounts:my_data")).status_code == 200


def _session_writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if "usersessions_usersession" in q["sql"] and not q["sql"].startswith("SELECT")
    ]


def test_it_records_session_activity_once_within_the_interval(member, password):
    client = signed_in_client(member, password)
    session = UserSession.objects.get(user=member)
    UserSession.objects.filter(pk=session.pk).update(last_seen_at=session.created_at)
    url = reverse("accounts:my_data")

    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=1)):
        with CaptureQueriesContext(connection) as first:
            assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as later:
            for _ in range(3):
                assert client.get(url).status_code == 200

    assert len(_session_writes(first.captured_queries)) == 1
    # No write, and not even the lookup of the session row, while the interval lasts (the
    # page itself lists the member's sessions: that read stays).
    assert not [
        q
        for q in later.captured_queries
        if '"usersessions_usersession"."session_key" =' in q["sql"]
    ]
    assert not _session_writes(later.captured_queries)
    seen = UserSession.objects.get(pk=session.pk).last_seen_at
    assert seen > session.created_at

    with (
        time_machine.travel(timezone.now() + datetime.timedelta(minutes=6)),
        CaptureQueriesContext(connection) as after,
    ):
        assert client.get(url).status_code == 200
    assert len(_session_writes(after.captured_queries)) == 1
    assert UserSession.objects.get(pk=session.pk).last_seen_at > seen


def test_it_records_a_new_browser_at_once(member, password):
    client = signed_in_client(member, password)
    url = reverse("accounts:my_data")
    client.get(url)

    client.get(url, HTTP_USER_AGENT="Another browser")

    assert UserSession.objects.get(user=member).user_agent == "Another browser"
