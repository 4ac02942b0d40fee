"""Actions that cannot be undone ask first: a GET or a POST without the confirmation shows
what will happen and changes nothing; only the confirmation page's own POST does it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from organizations import services
from organizations.models import BankAccount, ContactPerson, Membership
from organizations.permissions import is_organization_admin
from tests.factories import StaffFactory, UserFactory

from .factories import BankAccountFactory, ContactPersonFactory, add_member, organization_with_admin

pytestmark = pytest.mark.django_db

CONFIRM = {"confirm": "yes"}


@pytest.fixture
def mikko(organization) -> Membership:
    user = UserFactory(
        email="mikko@example.fi", first_name="Mikko", last_name="Korhonen", preferred_language="en"
    )
    return add_member(organization, user, member_number="A-103")


def _url(name: str, *args) -> str:
    return reverse(f"organizations:{name}", args=args)


def _text(response) -> str:
    return " ".join(response.content.decode().split())


# --- Ending a membership ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_shows_what_ending_a_membership_does_and_ends_nothing(
    admin_client, organization, mikko, method
):
    response = getattr(admin_client, method)(_url("member_end", organization.pk, mikko.pk))

    assert response.status_code == 200
    text = _text(response)
    assert "Mikko Korhonen&#x27;s membership in Malmin Ilmailukerho ry ends today." in text
    assert "This cannot be undone" in text
    assert 'name="confirm" value="yes"' in text
    mikko.refresh_from_db()
    assert mikko.status == Membership.Status.ACTIVE


def test_it_ends_the_membership_once_confirmed(admin_client, organization, mikko):
    response = admin_client.post(_url("member_end", organization.pk, mikko.pk), CONFIRM)

    assert response.status_code == 302
    mikko.refresh_from_db()
    assert mikko.status == Membership.Status.ENDED


def test_it_offers_no_button_to_end_the_last_admin(admin_client, admin, organization):
    own = organization.memberships.get(user=admin)
    response = admin_client.get(_url("member_end", organization.pk, own.pk))
    text = _text(response)
    assert "The last admin cannot leave." in text
    assert 'name="confirm"' not in text


def test_the_member_page_links_to_the_confirmation(admin_client, organization, mikko):
    page = admin_client.get(_url("member", organization.pk, mikko.pk)).content.decode()
    assert f'href="{_url("member_end", organization.pk, mikko.pk)}"' in page


# --- Leaving ---------------------------------------------------------------------------------


def test_a_post_without_the_confirmation_does_not_leave(client, organization, mikko):
    client.force_login(mikko.user)
    response = client.post(_url("leave", organization.pk))

    assert response.status_code == 200
    assert "Leaving cannot be undone" in _text(response)
    mikko.refresh_from_db()
    assert mikko.status == Membership.Status.ACTIVE

    client.post(_url("leave", organization.pk), CONFIRM)
    mikko.refresh_from_db()
    assert mikko.status == Membership.Status.ENDED


# --- Revoking admin rights -------------------------------------------------------------------


def test_revoking_admin_rights_asks_first(admin_client, admin, organization, mikko):
    services.membership_admin_grant(membership=mikko, actor=admin)
    url = _url("member_admin_rights", organization.pk, mikko.pk)

    response = admin_client.post(url, {"action": "revoke", "back": "member"})

    assert response.status_code == 200
    text = _text(response)
    assert "Mikko Korhonen is no longer an admin of Malmin Ilmailukerho ry." in text
    assert "only an admin can make them an admin again" in text
    assert 'name="action" value="revoke"' in text
    assert 'name="back" value="member"' in text
    assert is_organization_admin(mikko.user, organization)

    response = admin_client.post(url, {"action": "revoke", "back": "member", **CONFIRM})
    assert response["Location"] == _url("member", organization.pk, mikko.pk)
    assert not is_organization_admin(mikko.user, organization)


def test_revoking_ones_own_rights_says_so(admin_client, admin, organization, mikko):
    services.membership_admin_grant(membership=mikko, actor=admin)
    own = organization.memberships.get(user=admin)
    response = admin_client.post(
        _url("member_admin_rights", organization.pk, own.pk), {"action": "revoke"}
    )
    assert "You cannot undo this yourself" in _text(response)
    assert is_organization_admin(admin, organization)


def test_granting_admin_rights_needs_no_confirmation(admin_client, organization, mikko):
    admin_client.post(_url("member_admin_rights", organization.pk, mikko.pk), {"action": "grant"})
    assert is_organization_admin(mikko.user, organization)


# --- Bank accounts, contact persons, invitations ---------------------------------------------


def test_removing_a_bank_account_asks_first(admin_client, organization):
    account = BankAccountFactory(
        organization=organization, iban="FI2112345600000785", is_primary=True
    )
    url = _url("bank_account_delete", organization.pk, account.pk)

    for response in (admin_client.get(url), admin_client.post(url)):
        text = _text(response)
        assert "The bank account FI21 1234 5600 0007 85 is removed" in text
        assert "no new invoices can be made until an account is added" in text
    assert BankAccount.objects.filter(pk=account.pk).exists()

    assert admin_client.post(url, CONFIRM).status_code == 302
    assert not BankAccount.objects.filter(pk=account.pk).exists()


def test_removing_a_contact_person_asks_first(admin_client, organization):
    contact = ContactPersonFactory(organization=organization, name="Pekka Puheenjohtaja")
    url = _url("contact_delete", organization.pk, contact.pk)

    response = admin_client.post(url)
    assert "Pekka Puheenjohtaja is no longer a contact person" in _text(response)
    assert ContactPerson.objects.filter(pk=contact.pk).exists()

    admin_client.post(url, CONFIRM)
    assert not ContactPerson.objects.filter(pk=contact.pk).exists()


def test_withdrawing_an_invitation_asks_first(admin_client, admin, organization):
    new = services.invitation_create(
        organization=organization, email="ville@example.fi", member_number="42", actor=admin
    )
    url = _url("invitation_revoke", organization.pk, new.invitation.pk)

    text = _text(admin_client.post(url))
    assert "The invitation sent to ville@example.fi is withdrawn" in text
    assert "The member number 42 it reserved is freed" in text
    new.invitation.refresh_from_db()
    assert new.invitation.revoked_at is None

    admin_client.post(url, CONFIRM)
    new.invitation.refresh_from_db()
    assert new.invitation.revoked_at is not None


# --- Who may ---------------------------------------------------------------------------------


@pytest.fixture
def urls(admin, organization, mikko) -> dict[str, tuple[str, dict]]:
    new = services.invitation_create(
        organization=organization, email="ville@example.fi", actor=admin
    )
    return {
        "member_end": (_url("member_end", organization.pk, mikko.pk), CONFIRM),
        "bank_account_delete": (
            _url(
                "bank_account_delete",
                organization.pk,
                BankAccountFactory(organization=organization).pk,
            ),
            CONFIRM,
        ),
        "contact_delete": (
            _url(
                "contact_delete",
                organization.pk,
                ContactPersonFactory(organization=organization).pk,
            ),
            CONFIRM,
        ),
        "invitation_revoke": (
            _url("invitation_revoke", organization.pk, new.invitation.pk),
            CONFIRM,
        ),
        "member_admin_rights": (
            _url("member_admin_rights", organization.pk, mikko.pk),
            {"action": "revoke", **CONFIRM},
        ),
    }


def _state(organization) -> tuple:
    return (
        list(organization.memberships.values_list("pk", "status", "role").order_by("pk")),
        organization.bank_accounts.count(),
        organization.contact_persons.count(),
        list(
            organization.memberships.filter(invitation__isnull=False).values_list(
                "invitation__revoked_at", flat=True
            )
        ),
    )


@pytest.mark.parametrize("role", ["anonymous", "member", "other_admin", "staff"])
def test_only_the_organizations_admin_may_confirm(client, organization, mikko, urls, role):
    if role == "member":
        client.force_login(mikko.user)
    elif role == "other_admin":
        other = UserFactory()
        organization_with_admin(other, name="Vaasan Lentokerho ry")
        client.force_login(other)
    elif role == "staff":
        client.force_login(StaffFactory())
    before = _state(organization)
    for url, data in urls.values():
        for response in (client.get(url), client.post(url, data)):
            if role == "anonymous":
                assert response.status_code == 302
                assert response["Location"].startswith(reverse("account_login"))
            elif "admin/" in url and response.request["REQUEST_METHOD"] == "GET":
                assert response.status_code == 405
            else:
                assert response.status_code == 404, (role, url)
    assert _state(organization) == before


def test_the_confirmation_pages_keep_to_a_query_budget(
    admin_client, organization, urls, django_assert_max_num_queries
):
    for name, (url, _data) in urls.items():
        if name == "member_admin_rights":
            continue
        with django_assert_max_num_queries(30):
            assert admin_client.get(url).status_code == 200, name
