"""The cache (Redis) is down: sign-ins and the other rate-limited steps are refused with a
page that says why (503), never a 500 and never let through uncounted; the rest answers."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

# Nothing listens here: a Redis that is down.
CLOSED_CACHE = "redis://127.0.0.1:9138/0"
REFUSAL = (
    "Signing in and other account steps are unavailable for a moment: the service that "
    "counts failed attempts is not answering. Nothing was done. Try again in a few minutes."
)


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_CACHE,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def refused(response) -> bool:
    return response.status_code == 503 and escape(gettext(REFUSAL)) in response.content.decode()


def test_a_sign_in_is_refused_with_a_message_not_a_500(client, cache_down):
    user = UserFactory(email="aino.member@example.fi")
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}
    )
    assert refused(response)
    assert response["Retry-After"] == "60"
    # Not let through uncounted: the right password does not sign in either.
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_is_refused_too(client, cache_down):
    UserFactory(email="aino.member@example.fi")
    response = client.post(
        reverse("account_login"), {"login": "aino.member@example.fi", "password": "wrong"}
    )
    assert refused(response)


def test_signing_up_is_refused(client, cache_down):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.fi", "password1": "a long passphrase 42", "password2": "x"},
    )
    assert refused(response)
    assert not User.objects.filter(email="new@example.fi").exists()


def test_a_password_reset_is_refused(client, cache_down, mailoutbox):
    UserFactory(email="aino.member@example.fi")
    response = client.post(reverse("account_reset_password"), {"email": "aino.member@example.fi"})
    assert refused(response)
    assert mailoutbox == []


def test_the_rest_of_the_site_answers(client, cache_down):
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("account_login")).status_code == 200


def test_someone_signed_in_stays_signed_in(client, cache_down):
    user = UserFactory(email="aino.member@example.fi")
    client.force_login(user)
    response = client.get(reverse("accounts:my_data"))
    assert response.status_code == 200


def test_sessions_do_not_live_in_the_cache():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_the_second_factor_step_is_refused(client, settings):
    from tests.factories import StaffFactory

    staff = StaffFactory(email="laura.staff@example.fi")
    response = client.post(
        reverse("account_login"), {"login": staff.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    # The cache goes down between the password and the code.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_CACHE,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert refused(response)
    assert "_auth_user_id" not in client.session
