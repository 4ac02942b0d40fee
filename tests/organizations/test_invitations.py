"""Inviting people: one by one, from a list or a CSV file, and the invitee's side of it."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from communications.models import CommunicationRecord
from organizations import services
from organizations.models import Invitation, Membership, Organization
from organizations.tasks import send_invitation
from tests.factories import UserFactory

from .factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitee(db) -> User:
    return UserFactory(
        email="ville.invitee@example.fi",
        first_name="Ville",
        last_name="Kutsuttu",
        preferred_language="en",
    )


def invite(
    organization: Organization, admin: User, email: str = "ville.invitee@example.fi", **fields
) -> services.NewInvitation:
    return services.invitation_create(organization=organization, email=email, actor=admin, **fields)


def invitation_url(token: str) -> str:
    return reverse("organizations:invitation", args=[token])


def link_in(message) -> str:
    """The invitation link in a mail, as a path on this site."""
    match = re.search(r"https?://\S+/organizations/invitation/\S+/", message.body)
    assert match, message.body
    url = match.group(0)
    assert url.startswith(settings.SITE_URL.rstrip("/"))
    return url.removeprefix(settings.SITE_URL.rstrip("/"))


def memberships_of(user: User) -> list[tuple[int, str]]:
    return list(Membership.objects.filter(user=user).values_list("organization_id", "status"))


# --- Inviting one person -----------------------------------------------------------------


def test_it_mails_the_invitation_once_the_transaction_commits(
    admin_client, organization, django_capture_on_commit_callbacks
):
    url = reverse("organizations:invitations", args=[organization.pk])
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            url,
            {"name": "Ville Kutsuttu", "email": "Ville.Invitee@example.fi", "member_number": "42"},
        )
        # Nothing is mailed while the invitation could still be rolled back.
        assert mail.outbox == []
    assert response.status_code == 302
    assert len(callbacks) == 1
    callbacks[0]()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ville.invitee@example.fi"]
    assert "Malmin Ilmailukerho ry" in message.subject
    membership = Membership.objects.get(organization=organization, email="ville.invitee@example.fi")
    assert membership.status == Membership.Status.INVITED
    assert membership.member_number == "42"
    assert membership.user is None
    assert membership.invitation.sent_at is not None

    # The link works.
    page = admin_client.get(link_in(message))
    assert page.status_code == 200
    assert "Malmin Ilmailukerho ry" in page.content.decode()


def test_it_lists_the_open_invitation(
    admin_client, organization, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("organizations:invitations", args=[organization.pk]),
            {"name": "Ville Kutsuttu", "email": "ville.invitee@example.fi", "member_number": "42"},
        )
    content = admin_client.get(
        reverse("organizations:invitations", args=[organization.pk])
    ).content.decode()
    assert "ville.invitee@example.fi" in content
    assert "Ville Kutsuttu" in content
    assert "No open invitations." not in content


def test_it_refuses_to_invite_someone_twice(admin_client, admin, organization):
    invite(organization, admin)
    response = admin_client.post(
        reverse("organizations:invitations", args=[organization.pk]),
        {"email": "VILLE.invitee@example.fi"},
    )
    assert response.status_code == 200
    assert "ville.invitee@example.fi is already a member or invited." in response.content.decode()
    assert Membership.objects.filter(email="ville.invitee@example.fi").count() == 1


# --- Accepting -----------------------------------------------------------------------------


def test_it_makes_the_signed_in_invitee_an_active_member(client, admin, organization, invitee):
    new = invite(organization, admin, name="V. Kutsuttu", member_number="42")
    client.force_login(invitee)
    response = client.post(invitation_url(new.token))
    assert response.status_code == 302
    assert response["Location"] == reverse("organizations:detail", args=[organization.pk])

    membership = Membership.objects.get(pk=new.invitation.membership_id)
    assert membership.user == invitee
    assert membership.status == Membership.Status.ACTIVE
    assert membership.joined_on == timezone.localdate()
    assert membership.member_number == "42"
    # The register now carries the name from the profile.
    assert membership.name == "Ville Kutsuttu"
    new.invitation.refresh_from_db()
    assert new.invitation.accepted_at is not None
    assert new.invitation.accepted_email == "ville.invitee@example.fi"

    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert "Malmin Ilmailukerho ry" in detail.content.decode()
    mine = client.get(reverse("organizations:mine")).content.decode()
    assert "Malmin Ilmailukerho ry" in mine
    assert "Aila Admin" in mine


def test_it_shows_the_invitee_what_the_organization_will_see(client, admin, organization):
    new = invite(organization, admin)
    content = client.get(invitation_url(new.token)).content.decode()
    assert "Malmin Ilmailukerho ry" in content
    # Labels of the profile fields the admins see (Finnish by default).
    for label in (
        "Etunimi",
        "Sukunimi",
        "Katuosoite",
        "Postinumero",
        "Puhelinnumero",
        "Syntymäaika",
    ):
        assert f"<li>{label}</li>" in content


def test_it_offers_sign_in_and_sign_up_to_an_anonymous_visitor(client, admin, organization):
    new = invite(organization, admin)
    path = invitation_url(new.token)
    response = client.get(path)
    assert response.status_code == 200
    content = response.content.decode()
    assert f'href="{reverse("account_login")}?next={path}"' in content
    assert f'href="{reverse("account_signup")}?next={path}&amp;email=' in content
    assert "Accept the invitation" not in content


def test_it_brings_the_invitee_back_after_signing_in(
    client, admin, organization, invitee, password
):
    new = invite(organization, admin)
    path = invitation_url(new.token)
    # Posting the accept form without an account leads to the sign-in page and back.
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={path}"
    assert memberships_of(invitee) == []

    response = client.post(response["Location"], {"login": invitee.email, "password": password})
    assert response.status_code == 302
    assert response["Location"] == path
    client.post(path)
    assert memberships_of(invitee) == [(organization.pk, Membership.Status.ACTIVE)]


def test_it_refuses_an_active_member_a_second_membership(client, admin, organization, invitee):
    own = add_member(organization, invitee, member_number="7")
    # Invited under another address of theirs, e.g. a work email.
    EmailAddress.objects.create(user=invitee, email="ville@work.example", verified=True)
    new = invite(organization, admin, email="ville@work.example")
    client.force_login(invitee)
    response = client.post(invitation_url(new.token))
    assert response.status_code == 409
    assert "You are already a member of this organization." in response.content.decode()
    own.refresh_from_db()
    assert own.status == Membership.Status.ACTIVE
    assert own.member_number == "7"
    assert memberships_of(invitee) == [(organization.pk, Membership.Status.ACTIVE)]
    new.invitation.refresh_from_db()
    assert new.invitation.accepted_at is None
    assert new.invitation.membership.status == Membership.Status.INVITED


def test_it_lets_a_former_member_rejoin(client, admin, organization, invitee):
    former = add_member(organization, invitee, status=Membership.Status.ENDED)
    new = invite(organization, admin)
    client.force_login(invitee)
    assert client.post(invitation_url(new.token)).status_code == 302
    assert Membership.objects.get(user=invitee).pk == new.invitation.membership_id
    former.refresh_from_db()
    assert former.status == Membership.Status.ENDED


# --- Only the invited address --------------------------------------------------------------


@pytest.fixture
def outsider(db) -> User:
    """Someone the invitation mail was forwarded to."""
    return UserFactory(email="olli.outsider@example.fi", preferred_language="en")


def sent(organization: Organization, admin: User, **fields) -> services.NewInvitation:
    """An invitation whose mail went out and was logged, unattached, about it."""
    new = invite(organization, admin, **fields)
    services.invitation_send(invitation_id=new.invitation.pk, token=new.token, language="en")
    assert CommunicationRecord.objects.filter(subject__isnull=True).count() == 1
    return new


def assert_still_open(new: services.NewInvitation, member_number: str = "") -> None:
    invitation = Invitation.objects.select_related("membership").get(pk=new.invitation.pk)
    assert invitation.accepted_at is None
    assert invitation.accepted_email == ""
    assert invitation.is_open
    membership = invitation.membership
    assert membership.status == Membership.Status.INVITED
    assert membership.user is None
    assert membership.email == "ville.invitee@example.fi"
    assert membership.member_number == member_number
    # The mail about the invitation is attached to nobody yet.
    assert CommunicationRecord.objects.filter(subject__isnull=False).count() == 0


def test_it_refuses_an_outsider_with_a_forwarded_link_and_changes_nothing(
    client, admin, organization, invitee, outsider
):
    new = sent(organization, admin, member_number="42")
    client.force_login(outsider)
    response = client.post(invitation_url(new.token))

    assert response.status_code == 403
    content = response.content.decode()
    assert "this invitation was sent to another email" in content
    # The invited address is not revealed to whoever holds the link.
    assert "ville.invitee@example.fi" not in content
    assert memberships_of(outsider) == []
    assert_still_open(new, member_number="42")
    with pytest.raises(services.RuleError) as refused:
        services.invitation_accept(token=new.token, user=outsider)
    assert refused.value.code == services.INVITATION_FOR_ANOTHER_ADDRESS
    assert refused.value.messages == [
        "This invitation was sent to another email address. Only an account on which that"
        " address is verified can accept it."
    ]
    assert_still_open(new, member_number="42")

    # The invitee can still take it.
    client.force_login(invitee)
    assert client.post(invitation_url(new.token)).status_code == 302
    membership = Membership.objects.get(pk=new.invitation.membership_id)
    assert membership.user == invitee
    assert membership.member_number == "42"
    assert CommunicationRecord.objects.get().subject == invitee


def test_it_refuses_an_admin_of_another_organization(client, admin, organization):
    other_admin = UserFactory(email="toinen.admin@example.fi", preferred_language="en")
    other = organization_with_admin(other_admin, name="Toinen Kerho ry")
    new = sent(organization, admin)
    client.force_login(other_admin)
    assert client.post(invitation_url(new.token)).status_code == 403
    assert memberships_of(other_admin) == [(other.pk, Membership.Status.ACTIVE)]
    assert_still_open(new)
    assert client.get(reverse("organizations:detail", args=[organization.pk])).status_code == 404


def test_it_offers_the_ways_on_to_an_account_with_another_address(
    client, admin, organization, outsider
):
    new = invite(organization, admin)
    path = invitation_url(new.token)
    client.force_login(outsider)
    response = client.get(path)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Malmin Ilmailukerho ry" in content
    assert "You are signed in as olli.outsider@example.fi, but this invitation" in content
    assert "Accept the invitation" not in content
    assert "ville.invitee@example.fi" not in content
    # (a) Sign out and come back here to sign in or sign up with the invited address.
    assert f'action="{reverse("account_logout")}"' in content
    assert f'name="next" value="{path}"' in content
    # (b) Add the invited address to this account and verify it.
    assert f'href="{reverse("account_email")}"' in content

    signed_out = client.post(reverse("account_logout"), {"next": path})
    assert signed_out.status_code == 302
    assert signed_out["Location"] == path
    content = client.get(path).content.decode()
    assert f'href="{reverse("account_login")}?next={path}"' in content
    assert f'href="{reverse("account_signup")}?next={path}&amp;email=' in content


def test_it_refuses_the_invited_address_until_it_is_verified(
    client, admin, organization, django_capture_on_commit_callbacks
):
    person = UserFactory(email="ville@home.example", preferred_language="en")
    added = EmailAddress.objects.create(
        user=person, email="ville.invitee@example.fi", verified=False
    )
    new = sent(organization, admin)
    path = invitation_url(new.token)
    client.force_login(person)

    page = client.get(path)
    assert page.status_code == 200
    content = " ".join(page.content.decode().split())
    # Their own address, so it may be named.
    assert "The invitation was sent to ville.invitee@example.fi." in content
    assert "on your account but not verified yet" in content
    assert "Accept the invitation" not in content
    assert f'<form method="post" action="{reverse("account_email")}"' in content
    assert 'name="email" value="ville.invitee@example.fi"' in content
    assert 'name="action_send"' in content

    response = client.post(path)
    assert response.status_code == 403
    assert "not verified yet" in " ".join(response.content.decode().split())
    assert_still_open(new)
    with pytest.raises(services.RuleError) as refused:
        services.invitation_accept(token=new.token, user=person)
    assert refused.value.code == services.INVITATION_ADDRESS_UNVERIFIED

    # The page's resend button asks allauth for a new verification mail.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_email"), {"email": "ville.invitee@example.fi", "action_send": ""}
        )
    assert [message.to for message in mail.outbox] == [["ville.invitee@example.fi"]]

    # Once verified, the same link is accepted.
    added.verified = True
    added.save()
    assert client.post(path).status_code == 302
    invitation = Invitation.objects.get(pk=new.invitation.pk)
    assert invitation.accepted_email == "ville.invitee@example.fi"
    assert invitation.membership.user == person


def test_it_accepts_with_a_verified_secondary_address_in_any_case(client, admin, organization):
    person = UserFactory(email="ville@home.example", preferred_language="en")
    EmailAddress.objects.create(user=person, email="Ville.Invitee@Example.FI", verified=True)
    new = sent(organization, admin, member_number="42")
    client.force_login(person)
    assert client.post(invitation_url(new.token)).status_code == 302

    invitation = Invitation.objects.select_related("membership").get(pk=new.invitation.pk)
    assert invitation.accepted_email == "ville.invitee@example.fi"
    assert invitation.membership.user == person
    assert invitation.membership.member_number == "42"
    # The register follows the account's primary address from now on.
    assert invitation.membership.email == "ville@home.example"
    assert CommunicationRecord.objects.get().subject == person


def test_it_shows_the_admin_which_address_accepted(admin_client, admin, organization):
    person = UserFactory(
        email="ville@home.example", first_name="Ville", last_name="K", preferred_language="en"
    )
    EmailAddress.objects.create(user=person, email="ville.invitee@example.fi", verified=True)
    new = invite(organization, admin)
    services.invitation_accept(token=new.token, user=person)

    member_page = admin_client.get(
        reverse("organizations:member", args=[organization.pk, new.invitation.membership_id])
    )
    content = " ".join(member_page.content.decode().split())
    assert "Invitation accepted" in content
    assert "by the account with the verified address ville.invitee@example.fi" in content

    listing = admin_client.get(reverse("organizations:invitations", args=[organization.pk]))
    content = " ".join(listing.content.decode().split())
    assert "Recently accepted invitations" in content
    assert "<td>ville.invitee@example.fi</td>" in content
    assert "No open invitations." in content


# --- Links that cannot be used -------------------------------------------------------------


def assert_refused(client, token: str, status: int, message: str, invitee: User) -> None:
    for method in (client.get, client.post):
        response = method(invitation_url(token))
        assert response.status_code == status
        content = response.content.decode()
        assert message in content
        assert "Accept the invitation" not in content
    assert memberships_of(invitee) == []


def test_it_refuses_an_expired_link(client, admin, organization, invitee):
    new = invite(organization, admin)
    later = timezone.now() + datetime.timedelta(days=settings.INVITATION_VALID_DAYS, minutes=1)
    with time_machine.travel(later, tick=False):
        # Signed in then: a session from two weeks ago would have expired by itself.
        client.force_login(invitee)
        assert_refused(
            client,
            new.token,
            410,
            "This invitation has expired. Ask the organization for a new one.",
            invitee,
        )
    assert Invitation.objects.get(pk=new.invitation.pk).accepted_at is None


def test_it_refuses_a_revoked_link(client, admin, organization, invitee):
    new = invite(organization, admin)
    services.invitation_revoke(invitation=new.invitation, actor=admin)
    client.force_login(invitee)
    assert_refused(client, new.token, 410, "This invitation has been withdrawn.", invitee)


def test_it_refuses_a_used_link(client, admin, organization, invitee):
    new = invite(organization, admin)
    client.force_login(invitee)
    assert client.post(invitation_url(new.token)).status_code == 302
    later = UserFactory(preferred_language="en")
    client.force_login(later)
    assert_refused(client, new.token, 410, "This invitation has already been used.", later)
    assert Membership.objects.get(pk=new.invitation.membership_id).user == invitee


@pytest.mark.parametrize("token", ["garbage", "a" * 43, "x" * 500, "Ä-ö"])
def test_it_refuses_a_garbage_link(client, admin, organization, invitee, token):
    invite(organization, admin)
    client.force_login(invitee)
    assert_refused(
        client,
        token,
        404,
        "This invitation link is not valid. Check that you copied the whole link.",
        invitee,
    )


# --- Revoking and re-sending -----------------------------------------------------------------


def test_it_revokes_an_invitation_and_frees_its_member_number(admin_client, admin, organization):
    new = invite(organization, admin, member_number="42")
    response = admin_client.post(
        reverse("organizations:invitation_revoke", args=[organization.pk, new.invitation.pk]),
        {"confirm": "yes"},
    )
    assert response.status_code == 302
    new.invitation.refresh_from_db()
    assert new.invitation.revoked_at is not None
    assert new.invitation.membership.status == Membership.Status.ENDED
    assert new.invitation.membership.member_number == ""
    listing = admin_client.get(reverse("organizations:invitations", args=[organization.pk]))
    assert "ville.invitee@example.fi" not in listing.content.decode()

    again = invite(organization, admin, email="someone.else@example.fi", member_number="42")
    assert again.invitation.membership.member_number == "42"


def test_it_tells_the_admin_when_an_invitation_is_no_longer_open(admin_client, admin, organization):
    new = invite(organization, admin)
    services.invitation_revoke(invitation=new.invitation, actor=admin)
    response = admin_client.post(
        reverse("organizations:invitation_revoke", args=[organization.pk, new.invitation.pk]),
        follow=True,
    )
    assert response.status_code == 200
    assert "The invitation is no longer open." in response.content.decode()


def test_it_mails_an_invitation_once_however_often_the_task_runs(admin, organization):
    new = invite(organization, admin)
    send_invitation.delay(new.invitation.pk, new.token, "en")
    send_invitation.delay(new.invitation.pk, new.token, "en")
    assert len(mail.outbox) == 1


def test_it_sends_nothing_the_second_time(admin, organization):
    new = invite(organization, admin)
    pk = new.invitation.pk
    assert services.invitation_send(invitation_id=pk, token=new.token, language="en") is True
    sent_at = Invitation.objects.get(pk=pk).sent_at
    assert services.invitation_send(invitation_id=pk, token=new.token, language="en") is False
    assert len(mail.outbox) == 1
    assert Invitation.objects.get(pk=pk).sent_at == sent_at


def test_it_sends_nothing_for_a_revoked_invitation(admin, organization):
    new = invite(organization, admin)
    services.invitation_revoke(invitation=new.invitation, actor=admin)
    assert not services.invitation_send(
        invitation_id=new.invitation.pk, token=new.token, language="en"
    )
    assert mail.outbox == []


# --- Many at once --------------------------------------------------------------------------


@pytest.fixture
def taken(organization) -> None:
    """A member with number 100 and the address olli.member@example.fi."""
    add_member(organization, UserFactory(email="olli.member@example.fi"), member_number="100")


EXPECTED_ERRORS = [
    "Line 3: Not a valid email address: not-an-email",
    "Line 5: The same email address appears twice in the list.",
    "Line 6: Member number 100 is already in use.",
    "Line 7: olli.member@example.fi is already a member or invited.",
]


def import_url(organization: Organization) -> str:
    return reverse("organizations:invitations_import", args=[organization.pk])


def assert_imported(response, organization: Organization) -> None:
    assert response.status_code == 200
    content = response.content.decode()
    for error in EXPECTED_ERRORS:
        assert error in content
    assert "4 rows were not imported" in content
    assert "2 invitations were sent." in content
    result = response.context["result"]
    assert [line for line, _reason in result.errors] == [3, 5, 6, 7]
    invited = Membership.objects.filter(organization=organization, status=Membership.Status.INVITED)
    assert sorted(invited.values_list("email", "member_number")) == [
        ("aino@example.fi", "101"),
        ("elina@example.fi", "103"),
    ]
    assert invited.get(email="aino@example.fi").name == "Aino Mäkinen"


def rows(separator: str) -> str:
    lines = [
        ["Name", "Email address", "Member number"],
        ["Aino Mäkinen", "aino@example.fi", "101"],
        ["Mikko", "not-an-email", "102"],
        ["Elina", "elina@example.fi", "103"],
        ["Elina again", "ELINA@example.fi", "104"],
        ["Pekka", "pekka@example.fi", "100"],
        ["Olli", "olli.member@example.fi", "105"],
    ]
    return "\r\n".join(separator.join(cells) for cells in lines) + "\r\n"


def test_it_imports_a_csv_file_and_reports_the_bad_rows(
    admin_client, organization, taken, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("members.csv", rows(",").encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(import_url(organization), {"rows": "", "file": upload})
    assert_imported(response, organization)
    assert sorted(m.to[0] for m in mail.outbox) == ["aino@example.fi", "elina@example.fi"]


@pytest.mark.parametrize("separator", [";", "\t"], ids=["semicolon", "tab"])
def test_it_imports_a_pasted_list_and_reports_the_bad_rows(
    admin_client, organization, taken, separator
):
    response = admin_client.post(import_url(organization), {"rows": rows(separator)})
    assert_imported(response, organization)


def test_it_reads_a_windows_1252_csv(admin_client, organization):
    text = "Nimi;Sähköposti;Jäsennumero\r\nÄijälä Sören;soren@example.fi;7\r\n"
    upload = SimpleUploadedFile("jasenet.csv", text.encode("cp1252"), content_type="text/csv")
    response = admin_client.post(import_url(organization), {"file": upload})
    assert response.status_code == 302
    membership = Membership.objects.get(organization=organization, email="soren@example.fi")
    assert membership.name == "Äijälä Sören"
    assert membership.member_number == "7"


def test_it_reads_a_utf8_csv_with_a_byte_order_mark(admin_client, organization):
    text = "Nimi;Sähköposti;Jäsennumero\r\nÄijälä Sören;soren@example.fi;7\r\n"
    upload = SimpleUploadedFile("jasenet.csv", text.encode("utf-8-sig"), content_type="text/csv")
    response = admin_client.post(import_url(organization), {"file": upload})
    assert response.status_code == 302
    assert Membership.objects.get(email="soren@example.fi").name == "Äijälä Sören"


def test_it_reads_a_utf16_file_as_excel_saves_unicode_text(admin_client, organization):
    text = "Nimi\tSähköposti\tJäsennumero\r\nÄijälä Sören\tsoren@example.fi\t7\r\n"
    upload = SimpleUploadedFile("jasenet.txt", text.encode("utf-16"), content_type="text/plain")
    response = admin_client.post(import_url(organization), {"file": upload})
    assert response.status_code == 302
    membership = Membership.objects.get(organization=organization, email="soren@example.fi")
    assert membership.name == "Äijälä Sören"
    assert membership.member_number == "7"


def test_it_says_so_when_the_file_is_not_text(admin_client, organization):
    # Bytes no text encoding the form tries can read (0x81 is unassigned in Windows-1252).
    upload = SimpleUploadedFile(
        "jasenet.xlsx", b"PK\x03\x04\x81\x8d\x90" * 50, content_type="application/zip"
    )
    response = admin_client.post(import_url(organization), {"rows": "", "file": upload})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The file could not be read as text. Save it as CSV (separated by commas or"
        " semicolons) and upload it again."
    ]
    assert not Invitation.objects.exists()


def test_it_imports_a_plain_list_of_addresses(admin_client, organization):
    response = admin_client.post(
        import_url(organization), {"rows": "aino@example.fi\nelina@example.fi\n"}
    )
    assert response.status_code == 302
    assert set(
        Membership.objects.filter(status=Membership.Status.INVITED).values_list("email", flat=True)
    ) == {"aino@example.fi", "elina@example.fi"}


def test_it_asks_for_a_list_when_nothing_was_given(admin_client, organization):
    response = admin_client.post(import_url(organization), {"rows": "  \n"})
    assert response.status_code == 200
    assert "Paste a list or choose a file." in response.content.decode()
    assert not Invitation.objects.exists()


# --- Lists the database would refuse ---------------------------------------------------------

# Valid in form (Django accepts addresses up to 320 characters) but longer than the column.
LONG_EMAIL = "a" * 60 + "@" + ".".join(["b" * 60] * 4) + ".fi"


def test_it_reads_lines_ending_in_a_lone_carriage_return(admin_client, organization):
    text = "Name;Email;Number\rAino;aino@example.fi;1\rElina;elina@example.fi;2\r"
    upload = SimpleUploadedFile("mac.csv", text.encode(), content_type="text/csv")
    response = admin_client.post(import_url(organization), {"file": upload})
    assert response.status_code == 302
    invited = Membership.objects.filter(organization=organization, status="invited")
    assert sorted(invited.values_list("email", "member_number")) == [
        ("aino@example.fi", "1"),
        ("elina@example.fi", "2"),
    ]


def test_it_reads_a_pasted_list_with_lone_carriage_returns(admin_client, organization):
    response = admin_client.post(
        import_url(organization), {"rows": "aino@example.fi\relina@example.fi\r"}
    )
    assert response.status_code == 302
    assert Invitation.objects.count() == 2


@pytest.mark.parametrize("how", ["file", "rows"])
def test_it_refuses_a_list_with_a_cell_over_the_csv_limit(admin_client, organization, how):
    text = "Aino;aino@example.fi;1\n" + '"' + "x" * 140_000 + ";elina@example.fi;2\n"
    if how == "file":
        data = {"file": SimpleUploadedFile("big.csv", text.encode(), content_type="text/csv")}
    else:
        data = {"rows": text}
    response = admin_client.post(import_url(organization), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Line 2 could not be read: a cell is too long, or a quotation mark is not closed."
    ]
    assert not Invitation.objects.exists()
    assert not Membership.objects.filter(status=Membership.Status.INVITED).exists()


def test_it_refuses_a_file_with_a_nul_character_like_a_pasted_list(admin_client, organization):
    text = "Aino\x00;aino@example.fi;1\nElina;elina@example.fi;2\n"
    upload = SimpleUploadedFile("nul.csv", text.encode(), content_type="text/csv")
    from_file = admin_client.post(import_url(organization), {"file": upload})
    pasted = admin_client.post(import_url(organization), {"rows": text})
    assert from_file.status_code == pasted.status_code == 200
    assert "Null characters are not allowed." in from_file.context["form"].non_field_errors()
    assert "Null characters are not allowed." in pasted.context["form"].errors["rows"]
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        # In Finnish, the language a service call without a request speaks.
        (("Aino\x00", "aino@example.fi", "1"), "Tyhjiä merkkejä (null) ei sallita."),
        (("Aino", "aino@example.fi", "1\x00"), "Tyhjiä merkkejä (null) ei sallita."),
        (("Aino", LONG_EMAIL, "1"), "Sähköpostiosoite on liian pitkä (enintään 254 merkkiä)."),
        (("Aino", "aino@example.fi", "1" * 21), "Jäsennumero on liian pitkä (enintään 20 "),
    ],
    ids=["nul-in-name", "nul-in-number", "long-email", "long-number"],
)
def test_it_reports_a_row_the_database_would_refuse_and_imports_the_rest(
    admin, organization, row, message
):
    name, email, number = row
    result = services.invitations_import(
        organization=organization,
        rows=[
            services.ImportRow(line=2, name=name, email=email, member_number=number),
            services.ImportRow(line=3, name="Elina", email="elina@example.fi", member_number="2"),
        ],
        actor=admin,
    )
    [(line, reason)] = result.errors
    assert line == 2
    assert message in reason
    assert list(
        Membership.objects.filter(organization=organization, status="invited").values_list(
            "email", flat=True
        )
    ) == ["elina@example.fi"]


def test_it_refuses_an_invitation_to_an_address_longer_than_the_column(admin_client, organization):
    response = admin_client.post(
        reverse("organizations:invitations", args=[organization.pk]),
        {"name": "Aino", "email": LONG_EMAIL},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The email address is too long (at most 254 characters)."
    ]
    assert not Invitation.objects.exists()


def test_it_refuses_to_create_an_invitation_with_a_nul_character(admin, organization):
    with pytest.raises(services.RuleError, match=r"Tyhjiä merkkejä \(null\) ei sallita"):
        invite(organization, admin, name="Ai\x00no")
    assert not Invitation.objects.exists()
