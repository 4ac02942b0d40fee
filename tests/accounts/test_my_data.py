from __future__ import annotations

import datetime

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.urls import reverse
from django.utils import timezone

from accounts import my_data
from accounts.models import LoginEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MY_DATA_URL = reverse("accounts:my_data")


def test_it_requires_login(client):
    response = client.get(MY_DATA_URL)
    assert response.status_code == 302


def test_it_shows_the_profile_with_the_age(member_client, member):
    member.date_of_birth = timezone.localdate().replace(year=timezone.localdate().year - 40)
    member.save()
    content = member_client.get(MY_DATA_URL).content.decode()
    assert member.email in content
    assert "Mannerheimintie 12" in content
    assert "+358 40 1234567" in content
    assert "40 vuotta" in content


def test_it_lists_email_addresses_with_their_verification_state(member_client, member):
    EmailAddress.objects.create(user=member, email="second@example.fi", verified=False)
    content = member_client.get(MY_DATA_URL).content.decode()
    assert "second@example.fi" in content
    assert "Ei vahvistettu" in content


def test_it_lists_authenticators_without_their_secrets(member_client, member):
    Authenticator.objects.create(
        user=member, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXPSECRET"}
    )
    content = member_client.get(MY_DATA_URL).content.decode()
    assert "TOTP" in content
    assert "JBSWY3DPEHPK3PXPSECRET" not in content


def test_it_lists_sessions_and_recent_logins(client, member, password):
    client.post(reverse("account_login"), {"login": member.email, "password": "wrong-one"})
    client.post(reverse("account_login"), {"login": member.email, "password": password})
    content = client.get(MY_DATA_URL, HTTP_USER_AGENT="TestBrowser/1.0").content.decode()
    assert UserSession.objects.filter(user=member).count() == 1
    assert "Kirjautuminen onnistui" in content
    assert "Epäonnistunut yritys" in content
    assert "tämä istunto" in content


def test_it_never_shows_another_users_data(member_client, other_member):
    LoginEvent.objects.create(user=other_member, outcome="success", ip_address="203.0.113.77")
    content = member_client.get(MY_DATA_URL).content.decode()
    assert other_member.email not in content
    assert "203.0.113.77" not in content
    assert "Olli" not in content


def test_it_includes_sections_registered_by_other_apps(member_client):
    section = my_data.Section(
        key="test-extra",
        title="Extra section",
        template="accounts/my_data/profile.html",
        build=lambda user: {"profile_user": user},
        order=999,
    )
    my_data.register(section)
    try:
        content = member_client.get(MY_DATA_URL).content.decode()
    finally:
        my_data.unregister("test-extra")
    assert 'id="section-test-extra"' in content
    assert "Extra section" in content


# Session, user, allauth's session record (read and touched), messages and the page's own
# lookups: what the page costs before any section.
PAGE_QUERIES = 7


def _user_with_lots_of_data():
    many = UserFactory()
    for i in range(40):
        LoginEvent.objects.create(user=many, outcome="success")
        if i < 4:
            EmailAddress.objects.create(user=many, email=f"extra{i}@example.fi")
            Authenticator.objects.create(
                user=many, type=Authenticator.Type.WEBAUTHN, data={"name": f"Key {i}"}
            )
    return many


def test_no_section_runs_more_queries_than_it_declares(django_assert_max_num_queries):
    user = _user_with_lots_of_data()
    for section in my_data.registered_sections():
        with django_assert_max_num_queries(section.queries):
            section.build(user)


def test_it_stays_within_its_query_budget_however_much_data_there_is(
    client, django_assert_max_num_queries
):
    for user in (UserFactory(), _user_with_lots_of_data()):
        client.force_login(user)
        client.get(MY_DATA_URL)  # the first request after signing in records the session
        # Fixed per registered section, never per row.
        with django_assert_max_num_queries(PAGE_QUERIES + my_data.query_budget()):
            assert client.get(MY_DATA_URL).status_code == 200


def test_it_shows_at_most_the_twenty_latest_logins(member_client, member):
    base = timezone.now() - datetime.timedelta(days=1)
    for i in range(25):
        LoginEvent.objects.create(
            user=member,
            outcome="success",
            occurred_at=base + datetime.timedelta(minutes=i),
            ip_address=f"198.51.100.{i}",
        )
    content = member_client.get(MY_DATA_URL).content.decode()
    assert "198.51.100.24" in content
    assert "198.51.100.4<" not in content
