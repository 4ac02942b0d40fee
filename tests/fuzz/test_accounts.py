"""Fuzzing the member's own forms: the profile, and signing up."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import User
from gdpr.notice.shown import notice_shown_token, notice_shown_version

from . import strategies as fz
from .support import assert_refused_cleanly, example, fuzz_settings, has_errors, row_counts

pytestmark = pytest.mark.django_db

PROFILE_FIELDS = [
    "first_name",
    "last_name",
    "street_address",
    "postal_code",
    "city",
    "country",
    "phone",
    "date_of_birth",
    "preferred_language",
]


def _profile(user: User) -> dict:
    user = User.objects.get(pk=user.pk)
    return {name: getattr(user, name) for name in PROFILE_FIELDS}


profile_posts = fz.post_data(
    first_name=fz.optional(fz.field(st.sampled_from(["Aino", " Åsa ", "Jean-Luc"]))),
    last_name=fz.optional(fz.field(st.sampled_from(["Virtanen", "O'Brien"]))),
    street_address=fz.optional(fz.field(st.sampled_from(["Mannerheimintie 12 A 3", ""]))),
    postal_code=fz.optional(fz.field(st.sampled_from(["00100", " 00 100 ", "SE-123 45", "1"]))),
    city=fz.optional(fz.field(st.sampled_from(["Helsinki", "Åbo"]))),
    country=fz.optional(fz.choice(["FI", "SE", "", "XX", "fi"])),
    phone=fz.optional(fz.field(st.sampled_from(["040 123 4567", "+46 70 123 4567", "+358 9"]))),
    date_of_birth=fz.optional(fz.field(fz.date())),
    preferred_language=fz.optional(fz.choice(["fi", "sv", "en", "de"])),
)


@fuzz_settings(550)
@given(data=profile_posts)
def test_it_saves_or_refuses_any_profile(admin_client, admin, data):
    url = reverse("accounts:profile")
    with example("accounts: profile"):
        before_rows, before = row_counts(), _profile(admin)
        response = admin_client.post(url, data)
        if response.status_code == 302:
            after = _profile(admin)
            for name in ("first_name", "last_name", "street_address", "city"):
                assert after[name] == data.get(name, "").strip(), name
            assert after["preferred_language"] == data["preferred_language"]
            assert str(after["country"]) == data.get("country", "")
        else:
            assert has_errors(response), response.status_code
            assert_refused_cleanly(response, before_rows, data)
            assert _profile(admin) == before


SIGNED = "<signed>"
signup_posts = fz.post_data(
    email=fz.optional(
        fz.field(st.emails().map(str.lower) | st.just("aila.admin@example.fi"), max_size=300)
    ),
    password1=fz.optional(fz.field(st.just("pitkä-salasana-77"), max_size=300)),
    password2=fz.optional(fz.field(st.just("pitkä-salasana-77"), max_size=300)),
    # SIGNED stands for the value the page signed; the rest are hand-made.
    notice_version=fz.optional(fz.field(st.sampled_from([SIGNED, "1", "2", ""]))),
)


@fuzz_settings(500)
@given(data=signup_posts)
def test_it_signs_up_or_refuses_any_input(client, admin, data):
    url = reverse("account_signup")
    if data.get("notice_version", "").strip() == SIGNED:
        data["notice_version"] = notice_shown_token()
    with example("accounts: signup"):
        before = row_counts()
        response = client.post(url, data)
        if response.status_code == 302:
            email = data["email"].strip()
            assert User.objects.filter(email__iexact=email).count() == 1
            # Only the version a page signed opens an account.
            assert notice_shown_version(data["notice_version"]) is not None
        else:
            assert_refused_cleanly(response, before, data)


language_posts = fz.post_data(
    language=fz.optional(fz.choice(["fi", "sv", "en"])),
    next=fz.optional(
        fz.field(st.sampled_from(["/me/my-data/", "//evil.example/", "https://evil.example/x"]))
    ),
)


@fuzz_settings(300)
@given(data=language_posts)
def test_it_switches_the_language_or_ignores_any_input(admin_client, admin, data):
    url = reverse("accounts:set_language")
    with example("accounts: language"):
        before = User.objects.get(pk=admin.pk).preferred_language
        response = admin_client.post(url, data)
        assert response.status_code == 302
        # Never off the site, whatever ``next`` says.
        assert url_has_allowed_host_and_scheme(response["Location"], {"testserver"})
        after = User.objects.get(pk=admin.pk).preferred_language
        assert after == (data["language"] if data.get("language") in ("fi", "sv", "en") else before)
