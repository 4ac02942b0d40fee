"""Signing up from an invitation link: the invited address and name come along."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import ProfileFieldSource, User
from accounts.sources import DataSource
from gdpr.notice.shown import notice_shown_token
from organizations import services
from organizations.models import Membership
from organizations.services.invitations import split_full_name
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pitkä-salasana-77"


def invitation_path(token: str) -> str:
    return reverse("organizations:invitation", args=[token])


def signup_link(content: str) -> str:
    match = re.search(r'href="(/accounts/signup/\?[^"]+)"', content)
    assert match, content
    return match.group(1).replace("&amp;", "&")


def sign_up_from_invitation(client, token: str) -> tuple[str, User]:
    """Follow the invitation's sign-up link, sign up with what the form holds, verify."""
    content = client.get(invitation_path(token)).content.decode()
    page = client.get(signup_link(content))
    assert page.status_code == 200
    email = page.context["form"]["email"].value()
    response = client.post(
        signup_link(content),
        {
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "notice_version": notice_shown_token(),
        },
    )
    assert response.status_code == 302
    confirm = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body)
    assert confirm, mail.outbox[-1].body
    client.post(confirm.group(1))
    return email, User.objects.get(email=email)


def test_it_fills_the_invited_address_into_the_signup_form(client, admin, organization):
    new = services.invitation_create(
        organization=organization, email="ville.invitee@example.fi", actor=admin
    )
    content = client.get(invitation_path(new.token)).content.decode()
    page = client.get(signup_link(content))
    assert page.status_code == 200
    assert page.context["form"]["email"].value() == "ville.invitee@example.fi"
    assert 'value="ville.invitee@example.fi"' in page.content.decode()


def test_it_gives_the_new_member_the_name_typed_in_the_invitation(
    client, admin, organization, django_capture_on_commit_callbacks
):
    new = services.invitation_create(
        organization=organization,
        email="ville.invitee@example.fi",
        name="Ville Kalevi Kutsuttu",
        actor=admin,
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        email, user = sign_up_from_invitation(client, new.token)
    assert email == "ville.invitee@example.fi"
    assert user.emailaddress_set.get().verified
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(invitation_path(new.token)).status_code == 302

    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Ville Kalevi", "Kutsuttu")
    # Recorded as the organization's admin's words, not the person's own.
    sources = dict(ProfileFieldSource.objects.filter(user=user).values_list("field", "source"))
    assert sources == {
        "first_name": DataSource.ORGANIZATION_ADMIN,
        "last_name": DataSource.ORGANIZATION_ADMIN,
    }
    membership = Membership.objects.get(pk=new.invitation.membership_id)
    assert membership.user == user
    assert membership.status == Membership.Status.ACTIVE
    assert membership.name == "Ville Kalevi Kutsuttu"

    # The member corrects it on their profile; the register follows.
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert 'value="Ville Kalevi"' in profile
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:profile"),
            {
                "first_name": "Ville",
                "last_name": "Kutsuttu",
                "country": "FI",
                "preferred_language": "fi",
            },
        )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Ville", "Kutsuttu")
    assert ProfileFieldSource.objects.get(user=user, field="first_name").source == (
        DataSource.SUBJECT
    )
    membership.refresh_from_db()
    assert membership.name == "Ville Kutsuttu"


def test_it_keeps_the_name_the_person_already_gave(client, admin, organization):
    person = UserFactory(
        email="ville.invitee@example.fi",
        first_name="Ville",
        last_name="Oma",
        preferred_language="en",
    )
    new = services.invitation_create(
        organization=organization, email=person.email, name="V. Kutsuttu", actor=admin
    )
    services.invitation_accept(token=new.token, user=person)
    person.refresh_from_db()
    assert (person.first_name, person.last_name) == ("Ville", "Oma")
    assert not ProfileFieldSource.objects.filter(user=person).exists()


def test_it_gives_no_name_to_someone_who_cannot_accept(client, admin, organization):
    """A forwarded link changes nothing on the holder's account."""
    outsider = UserFactory(
        email="someone.else@example.fi", first_name="", last_name="", preferred_language="en"
    )
    new = services.invitation_create(
        organization=organization,
        email="ville.invitee@example.fi",
        name="Ville Kutsuttu",
        actor=admin,
    )
    client.force_login(outsider)
    assert client.post(invitation_path(new.token)).status_code == 403
    outsider.refresh_from_db()
    assert (outsider.first_name, outsider.last_name) == ("", "")
    assert Membership.objects.get(pk=new.invitation.membership_id).user is None


@pytest.mark.parametrize(
    ("typed", "names"),
    [
        ("Matti Meikäläinen", ("Matti", "Meikäläinen")),
        ("  Anna-Liisa   Maria Virtanen ", ("Anna-Liisa Maria", "Virtanen")),
        ("Meikäläinen, Matti", ("Matti", "Meikäläinen")),
        ("Matti", ("Matti", "")),
    ],
)
def test_it_splits_a_typed_name_into_first_and_last(typed, names):
    assert split_full_name(typed) == names
