"""A signup or a consent records only the privacy-notice version its page showed: the page
signs the version into its form, and a post without a valid signature records nothing."""

from __future__ import annotations

import re

import pytest
from django.core import signing
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from gdpr.marketing import consents
from gdpr.models import Consent, NoticeAcknowledgement, NoticeVersion
from gdpr.notice.document import notice_publish
from gdpr.notice.shown import SALT, notice_shown_token, notice_shown_version

pytestmark = pytest.mark.django_db

SIGNUP_URL = reverse("account_signup")
MARKETING_URL = reverse("gdpr:marketing")
PASSWORD = "pitkä-salasana-77"
STALE = "The page was out of date. Reload it and try again."


def says_stale(response) -> bool:
    """The page tells the person to reload, in the language it was rendered in."""
    with translation.override(response.headers.get("Content-Language", "fi")):
        return translation.gettext(STALE) in response.content.decode()


def _token_on(page: str) -> str:
    return re.search(r'name="notice_version" value="([^"]+)"', page)[1]


def _newer_than(version: NoticeVersion) -> NoticeVersion:
    """A version published after the page was loaded (same content, new number)."""
    return NoticeVersion.objects.create(
        number=version.number + 1, content_hash="e" * 64, content=version.content
    )


def _signup(client, notice_version: str | None, email: str = "uusi@example.fi"):
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    if notice_version is not None:
        data["notice_version"] = notice_version
    with translation.override("en"):
        client.cookies["django_language"] = "en"
        return client.post(SIGNUP_URL, data)


def _consent(client, notice_version: str | None):
    purpose = consents.consent_purpose(consents.EMAIL_OFFERS)
    data = {"action": "consent", "purpose": purpose.key, "version": purpose.text_version}
    if notice_version is not None:
        data["notice_version"] = notice_version
    client.cookies["django_language"] = "en"
    return client.post(MARKETING_URL, data, follow=True)


def _forgeries(shown: NoticeVersion) -> dict[str, str | None]:
    newer = _newer_than(shown)
    genuine = notice_shown_token(shown)
    value, _sep, signature = genuine.rpartition(":")
    return {
        "missing": None,
        "empty": "",
        "a plain number of the newer version": str(newer.number),
        "a plain number of the shown version": str(shown.number),
        "the shown version with a forged signature": f"{value}:{'A' * len(signature)}",
        "the newer version with the shown version's signature": (
            signing.dumps(newer.number, salt=SALT).rpartition(":")[0] + ":" + signature
        ),
        "the newer version signed for something else": signing.dumps(newer.number),
        "a signed number of no version": signing.dumps(newer.number + 50, salt=SALT),
        "a signed text": signing.dumps("2", salt=SALT),
    }


# --- The signed value -------------------------------------------------------------------


def test_it_reads_back_the_version_it_signed():
    shown = notice_publish()
    newer = _newer_than(shown)
    assert notice_shown_version(notice_shown_token(shown)) == shown
    assert notice_shown_version(notice_shown_token(newer)) == newer


def test_it_reads_nothing_from_a_forged_or_missing_value():
    shown = notice_publish()
    for name, forged in _forgeries(shown).items():
        assert notice_shown_version(forged) is None, name


# --- Signup -------------------------------------------------------------------------------


def test_signup_records_the_version_its_page_signed_though_a_newer_one_came_since(client):
    page = client.get(SIGNUP_URL).content.decode()
    shown = notice_publish()
    token = _token_on(page)
    assert token != str(shown.number)
    _newer_than(shown)
    response = _signup(client, token)
    assert response.status_code == 302
    acknowledgement = NoticeAcknowledgement.objects.get(user__email="uusi@example.fi")
    assert acknowledgement.version == shown
    assert acknowledgement.context == NoticeAcknowledgement.Context.SIGNUP


@pytest.mark.parametrize(
    "name",
    [
        "missing",
        "empty",
        "a plain number of the newer version",
        "a plain number of the shown version",
        "the shown version with a forged signature",
        "the newer version with the shown version's signature",
        "the newer version signed for something else",
        "a signed number of no version",
        "a signed text",
    ],
)
def test_signup_with_a_forged_or_missing_version_is_a_form_error(client, name):
    forged = _forgeries(notice_publish())[name]
    response = _signup(client, forged)
    assert response.status_code == 200
    assert says_stale(response)
    assert not User.objects.filter(email="uusi@example.fi").exists()
    assert not NoticeAcknowledgement.objects.exists()
    # The page offers a fresh signed value to try again with.
    assert notice_shown_version(_token_on(response.content.decode())) == notice_publish()


# --- Consent ------------------------------------------------------------------------------


def test_a_consent_records_the_version_its_page_signed(member_client, member):
    page = member_client.get(MARKETING_URL).content.decode()
    shown = notice_publish()
    token = _token_on(page)
    _newer_than(shown)
    _consent(member_client, token)
    consent = Consent.objects.get(user=member)
    assert consent.notice_version == shown
    acknowledgement = NoticeAcknowledgement.objects.get(user=member)
    assert (acknowledgement.version, acknowledgement.context) == (shown, "consent")


@pytest.mark.parametrize(
    "name",
    [
        "missing",
        "a plain number of the newer version",
        "the newer version with the shown version's signature",
        "the newer version signed for something else",
        "a signed number of no version",
    ],
)
def test_a_consent_with_a_forged_or_missing_version_is_refused(member_client, member, name):
    forged = _forgeries(notice_publish())[name]
    response = _consent(member_client, forged)
    assert response.status_code == 200
    assert says_stale(response)
    assert not Consent.objects.exists()
    assert not NoticeAcknowledgement.objects.exists()


# --- Any value --------------------------------------------------------------------------


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(value=st.text(max_size=300) | st.from_regex(r"\A[0-9A-Za-z:_-]{1,80}\Z"))
def test_any_hand_made_value_is_refused_without_an_error_page(client, value):
    cache.clear()  # the signup's rate limit counts every example
    with translation.override("en"):
        response = client.post(
            SIGNUP_URL,
            {
                "email": "fuzz@example.fi",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "notice_version": value,
            },
        )
    assert response.status_code == 200
    assert not User.objects.filter(email="fuzz@example.fi").exists()
    assert notice_shown_version(value) is None
