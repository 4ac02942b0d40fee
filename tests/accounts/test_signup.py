from __future__ import annotations

import re
from unittest import mock

import pytest
from django.contrib.auth.hashers import get_hasher
from django.core import mail
from django.urls import reverse

from accounts.models import User
from gdpr.notice.shown import notice_shown_token

pytestmark = pytest.mark.django_db


def signup(client, email="new.member@example.fi", language="fi"):
    client.cookies["django_language"] = language
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "password1": "pitkä-salasana-77",
            "password2": "pitkä-salasana-77",
            "notice_version": notice_shown_token(),
        },
    )


def test_a_new_member_must_verify_the_email_before_signing_in(client):
    response = signup(client)
    assert response.status_code == 302
    user = User.objects.get(email="new.member@example.fi")
    assert len(mail.outbox) == 1
    assert "_auth_user_id" not in client.session

    login = client.post(
        reverse("account_login"), {"login": user.email, "password": "pitkä-salasana-77"}
    )
    assert login["Location"] == reverse("account_email_verification_sent")

    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body)
    assert link is not None
    client.post(link.group(1))
    assert user.emailaddress_set.get().verified

    login = client.post(
        reverse("account_login"), {"login": user.email, "password": "pitkä-salasana-77"}
    )
    assert login["Location"] == reverse("accounts:my_data")


def test_the_new_member_keeps_the_language_they_signed_up_in(client):
    signup(client, language="sv")
    assert User.objects.get(email="new.member@example.fi").preferred_language == "sv"


def test_signing_up_with_a_taken_address_reveals_nothing(client, member):
    response = signup(client, email=member.email)
    # Same answer as for a new address (enumeration prevention); the owner gets a mail.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email=member.email).count() == 1
    assert mail.outbox[0].to == [member.email]


def test_a_password_reset_mail_is_sent_only_to_known_addresses_but_the_page_is_the_same(client):
    a = client.post(reverse("account_reset_password"), {"email": "nobody@example.fi"})
    assert a.status_code == 302
    assert a["Location"] == reverse("account_reset_password_done")


def test_signing_up_with_a_taken_address_hashes_the_password_like_a_new_one(client, member):
    """Equal work either way, so the answer's timing does not tell who has an account."""
    hasher = type(get_hasher())
    with mock.patch.object(hasher, "encode", autospec=True, side_effect=hasher.encode) as encode:
        new = signup(client, email="new.member@example.fi")
        for_new = encode.call_count
        encode.reset_mock()
        taken = signup(client, email=member.email)
        for_taken = encode.call_count

    assert new["Location"] == taken["Location"] == reverse("account_email_verification_sent")
    assert for_new == for_taken == 1
