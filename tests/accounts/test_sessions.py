from __future__ import annotations

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

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
