"""Registering an organization, its own data, and what members see of it."""

from __future__ import annotations

import datetime
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import dateformat, timezone, translation

from accounts import my_data
from accounts.models import User
from organizations.leaving import member_record_until
from organizations.models import (
    AdminRightChange,
    BankAccount,
    ContactPerson,
    MemberDataView,
    Membership,
    Organization,
)
from organizations.permissions import is_organization_admin
from tests.accounts.test_my_data import PAGE_QUERIES
from tests.factories import UserFactory

from .factories import (
    BankAccountFactory,
    ContactPersonFactory,
    OrganizationFactory,
    add_member,
    organization_with_admin,
)

pytestmark = pytest.mark.django_db

MINE_URL = reverse("organizations:mine")
MY_DATA_URL = reverse("accounts:my_data")

CONFIRM = {"confirm": "yes"}


@pytest.fixture
def member_of_org(organization) -> User:
    user = UserFactory(
        email="aino.member@example.fi",
        first_name="Aino",
        last_name="Virtanen",
        street_address="Lentokentäntie 5",
        preferred_language="en",
    )
    add_member(organization, user, member_number="17")
    return user


def url(name: str, *args) -> str:
    return reverse(f"organizations:{name}", args=args)


# --- Registering -------------------------------------------------------------------------


def test_it_makes_the_registering_user_the_first_admin(client):
    user = UserFactory(first_name="Reijo", last_name="Rekisteröijä")
    client.force_login(user)
    response = client.post(
        url("create"),
        {
            "name": "Vaasan Lentokerho ry",
            "kind": Organization.Kind.FLYING_CLUB,
            "business_id": "2468823-3",
            "email": "info@vaasanlentokerho.fi",
            "phone": "06 123 4567",
            "postal_code": "65380",
            "city": "Vaasa",
        },
    )
    organization = Organization.objects.get(name="Vaasan Lentokerho ry")
    assert response.status_code == 302
    assert response["Location"] == url("detail", organization.pk)
    assert organization.created_by == user
    assert organization.phone.as_e164 == "+35861234567"

    membership = Membership.objects.get(organization=organization)
    assert membership.user == user
    assert membership.status == Membership.Status.ACTIVE
    assert membership.role == Membership.Role.ADMIN
    assert membership.joined_on == timezone.localdate()
    assert is_organization_admin(user, organization)
    change = AdminRightChange.objects.get(organization=organization)
    assert (change.membership, change.action, change.changed_by) == (
        membership,
        AdminRightChange.Action.GRANT,
        user,
    )
    # The admin's tools are on the page.
    content = client.get(response["Location"]).content.decode()
    assert url("members", organization.pk) in content
    assert url("edit", organization.pk) in content


def test_it_requires_sign_in_to_register(client):
    response = client.post(url("create"), {"name": "Kerho", "kind": "flying_club"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Organization.objects.exists()


def test_it_saves_the_edited_organization_data(admin_client, organization):
    response = admin_client.post(
        url("edit", organization.pk),
        {
            "name": "Malmin Ilmailukerho ry",
            "kind": Organization.Kind.FLIGHT_SCHOOL,
            "business_id": "24688233",
            "email": "toimisto@malmi.example",
            "street_address": "Malmin lentoasema",
            "postal_code": "00700",
            "city": "Helsinki",
            "website": "https://malmi.example/",
            "e_invoice_address": "003724688233",
            "e_invoice_operator": "OKOYFIHH",
        },
    )
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.kind == Organization.Kind.FLIGHT_SCHOOL
    assert organization.business_id == "2468823-3"
    assert organization.email == "toimisto@malmi.example"
    assert organization.postal_code == "00700"
    assert organization.website == "https://malmi.example/"
    assert organization.e_invoice_address == "003724688233"
    detail = admin_client.get(url("detail", organization.pk)).content.decode()
    assert "2468823-3" in detail
    assert "Malmin lentoasema, 00700 Helsinki" in detail


# --- Bank accounts ---------------------------------------------------------------------------


def test_it_adds_edits_and_removes_bank_accounts(admin_client, organization):
    add = url("bank_account_add", organization.pk)
    admin_client.post(add, {"iban": "FI21 1234 5600 0007 85", "description": "Käyttötili"})
    admin_client.post(add, {"iban": "DE89 3704 0044 0532 0130 00", "is_primary": "on"})
    first = BankAccount.objects.get(iban="FI2112345600000785")
    second = BankAccount.objects.get(iban="DE89370400440532013000")
    first.refresh_from_db()
    # The first account was the primary one until the second took over.
    assert (first.is_primary, second.is_primary) == (False, True)

    response = admin_client.post(
        url("bank_account_edit", organization.pk, first.pk),
        {"iban": "FI2112345600000785", "description": "Jäsenmaksut", "is_primary": "on"},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.description == "Jäsenmaksut"
    assert (first.is_primary, second.is_primary) == (True, False)

    # Deleting the primary account promotes the remaining one.
    response = admin_client.post(url("bank_account_delete", organization.pk, first.pk), CONFIRM)
    assert response.status_code == 302
    assert list(organization.bank_accounts.values_list("iban", "is_primary")) == [
        ("DE89370400440532013000", True)
    ]


def test_it_keeps_at_most_one_primary_account(admin_client, organization):
    for iban in ("FI2112345600000785", "DE89370400440532013000", "GB33BUKB20201555555555"):
        admin_client.post(
            url("bank_account_add", organization.pk), {"iban": iban, "is_primary": "on"}
        )
    assert organization.bank_accounts.count() == 3
    assert list(
        organization.bank_accounts.filter(is_primary=True).values_list("iban", flat=True)
    ) == ["GB33BUKB20201555555555"]


def test_it_keeps_the_only_account_primary(admin_client, organization):
    account = BankAccountFactory(organization=organization, is_primary=True)
    admin_client.post(url("bank_account_edit", organization.pk, account.pk), {"iban": account.iban})
    account.refresh_from_db()
    assert account.is_primary


def test_it_removes_a_non_primary_account_without_touching_the_primary(admin_client, organization):
    primary = BankAccountFactory(organization=organization, is_primary=True)
    other = BankAccountFactory(
        organization=organization, iban="DE89370400440532013000", is_primary=False
    )
    admin_client.post(url("bank_account_delete", organization.pk, other.pk), CONFIRM)
    assert list(organization.bank_accounts.values_list("pk", "is_primary")) == [(primary.pk, True)]


# --- Contact persons -------------------------------------------------------------------------


def test_it_adds_edits_and_removes_contact_persons(admin_client, organization):
    response = admin_client.post(
        url("contact_add", organization.pk),
        {
            "name": "Pekka Puheenjohtaja",
            "role": "Puheenjohtaja",
            "phone": "040 123 4567",
            "email": "pj@malmi.example",
        },
    )
    assert response.status_code == 302
    contact = ContactPerson.objects.get(organization=organization)
    assert contact.phone.as_e164 == "+358401234567"

    response = admin_client.post(
        url("contact_edit", organization.pk, contact.pk),
        {
            "name": "Pekka Puheenjohtaja",
            "role": "Varapuheenjohtaja",
            "phone": "",
            "email": "pekka@malmi.example",
        },
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.role, contact.email, str(contact.phone)) == (
        "Varapuheenjohtaja",
        "pekka@malmi.example",
        "",
    )
    assert "Varapuheenjohtaja" in admin_client.get(url("detail", organization.pk)).content.decode()

    response = admin_client.post(url("contact_delete", organization.pk, contact.pk), CONFIRM)
    assert response.status_code == 302
    assert not ContactPerson.objects.exists()


def test_it_refuses_a_contact_with_a_bad_phone_number(admin_client, organization):
    response = admin_client.post(
        url("contact_add", organization.pk), {"name": "Pekka", "phone": "123"}
    )
    assert response.status_code == 200
    assert "Enter a valid phone number" in response.content.decode()
    assert not ContactPerson.objects.exists()


# --- What a member sees --------------------------------------------------------------------


def test_it_shows_members_their_organizations_and_admins(client, organization, member_of_org):
    other = organization_with_admin(
        UserFactory(first_name="Bertta", last_name="Bossi"), name="Vaasan Lentokerho ry"
    )
    add_member(other, member_of_org)
    # An organization the person is only invited to is not theirs yet.
    invited_to = organization_with_admin(name="Kutsuva kerho ry")
    add_member(invited_to, member_of_org, status=Membership.Status.INVITED)
    OrganizationFactory(name="Vieras kerho ry")
    client.force_login(member_of_org)

    for page_url in (MINE_URL, MY_DATA_URL):
        content = client.get(page_url).content.decode()
        assert "Malmin Ilmailukerho ry" in content
        assert "Vaasan Lentokerho ry" in content
        assert "Aila Admin" in content
        assert "Bertta Bossi" in content
        assert "Kutsuva kerho ry" not in content
        assert "Vieras kerho ry" not in content
        assert url("detail", organization.pk) in content

    detail = client.get(url("detail", organization.pk))
    assert detail.status_code == 200
    content = detail.content.decode()
    assert "Aila Admin" in content
    # A member gets no admin tools.
    assert url("members", organization.pk) not in content
    assert url("edit", organization.pk) not in content


def test_it_lets_a_member_leave(client, admin, organization, member_of_org):
    membership = Membership.objects.get(user=member_of_org)
    client.force_login(member_of_org)
    response = client.post(url("leave", organization.pk), CONFIRM)
    assert response.status_code == 302
    assert response["Location"] == MINE_URL
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ENDED
    assert membership.ended_on == timezone.localdate()
    # The member's own pages say so; the organization's page is closed to them.
    with translation.override("en"):
        mine = html.unescape(client.get(MINE_URL).content.decode())
    # What the admins still see of them, and until when: the entry in the member list.
    until = member_record_until(membership.ended_on)
    assert "Seen by the organization's admins until " + dateformat.format(until, "j.n.Y") in mine
    assert "Nobody" not in mine
    assert client.get(url("detail", organization.pk)).status_code == 404

    client.force_login(admin)
    response = client.get(url("member", organization.pk, membership.pk))
    assert response.status_code == 200
    content = response.content.decode()
    assert (
        "The membership has ended: the member's profile is no longer shown to the "
        "organization." in content
    )
    assert "Lentokentäntie 5" not in content
    assert "1985" not in content  # date of birth
    assert not MemberDataView.objects.filter(subject=member_of_org).exists()


def test_it_shows_an_active_members_profile_to_the_admin(admin_client, organization, member_of_org):
    # The counterpart of the test above: the address is there while the membership lasts.
    membership = Membership.objects.get(user=member_of_org)
    content = admin_client.get(url("member", organization.pk, membership.pk)).content.decode()
    assert "Lentokentäntie 5" in content
    assert MemberDataView.objects.filter(subject=member_of_org).count() == 1


def test_it_keeps_the_last_admin_from_leaving(admin_client, admin, organization):
    response = admin_client.post(url("leave", organization.pk), CONFIRM, follow=True)
    assert response.redirect_chain[-1][0] == url("detail", organization.pk)
    assert (
        "The last admin cannot leave. Make another member an admin first."
        in response.content.decode()
    )
    membership = Membership.objects.get(user=admin)
    assert (membership.status, membership.role) == (Membership.Status.ACTIVE, Membership.Role.ADMIN)
    assert is_organization_admin(admin, organization)


def test_it_lets_an_admin_leave_when_another_admin_remains(
    admin_client, admin, organization, member_of_org
):
    from organizations import services

    services.membership_admin_grant(
        membership=Membership.objects.get(user=member_of_org), actor=admin
    )
    response = admin_client.post(url("leave", organization.pk), CONFIRM)
    assert response.status_code == 302
    membership = Membership.objects.get(user=admin)
    assert (membership.status, membership.role) == (Membership.Status.ENDED, Membership.Role.MEMBER)
    assert not is_organization_admin(admin, organization)
    assert admin_client.get(url("members", organization.pk)).status_code == 404


# --- Query budgets -------------------------------------------------------------------------


def queries_for(client, page_url: str) -> int:
    # The first request after signing in also records the session; measure the second.
    client.get(page_url)
    with CaptureQueriesContext(connection) as context:
        response = client.get(page_url)
        assert response.status_code == 200
    return len(context.captured_queries)


def member_in(count: int) -> User:
    """A user who is a member of ``count`` organizations, each with two admins."""
    user = UserFactory()
    for _ in range(count):
        organization = organization_with_admin()
        second = add_member(organization)
        second.role = Membership.Role.ADMIN
        second.save()
        add_member(organization, user)
    return user


@pytest.mark.parametrize("page_url", [MINE_URL, MY_DATA_URL], ids=["organizations", "my-data"])
def test_it_lists_memberships_within_a_fixed_query_budget(client, page_url):
    counts = []
    for memberships in (1, 15):
        client.force_login(member_in(memberships))
        counts.append(queries_for(client, page_url))
    assert counts[0] == counts[1]
    # Session and user lookups included; the memberships take two queries on either page,
    # and "My organizations" reads the person's claims to organizations in one more.
    if page_url == MINE_URL:
        assert counts[1] <= 10
    else:
        assert counts[1] <= PAGE_QUERIES + my_data.query_budget()


@pytest.mark.parametrize("as_admin", [False, True], ids=["member", "admin"])
def test_it_shows_an_organization_within_a_fixed_query_budget(client, as_admin):
    counts = []
    for size in (1, 15):
        user = UserFactory()
        organization = organization_with_admin(user if as_admin else None)
        if not as_admin:
            add_member(organization, user)
        for i in range(size):
            admin_membership = add_member(organization)
            admin_membership.role = Membership.Role.ADMIN
            admin_membership.save()
            AdminRightChange.objects.create(
                organization=organization,
                membership=admin_membership,
                action=AdminRightChange.Action.GRANT,
                changed_by=user,
            )
            ContactPersonFactory(organization=organization, name=f"Yhteyshenkilö {i}")
            BankAccountFactory(organization=organization, is_primary=i == 0)
        client.force_login(user)
        counts.append(queries_for(client, url("detail", organization.pk)))
    assert counts[0] == counts[1]
    # An admin's page adds the admin-right check and the latest admin-right changes.
    assert counts[1] <= (14 if as_admin else 12)


@pytest.mark.parametrize(
    ("end_month", "voucher_date", "keep_until"),
    [
        # Calendar-year period 2024 → kept until the end of 2030.
        (12, datetime.date(2024, 3, 5), datetime.date(2030, 12, 31)),
        # Period 1.4.2023-31.3.2024 ends in 2024 → kept until 31.12.2030 (GDPR-NOTES example).
        (3, datetime.date(2023, 4, 1), datetime.date(2030, 12, 31)),
        (3, datetime.date(2024, 3, 31), datetime.date(2030, 12, 31)),
        (3, datetime.date(2024, 4, 1), datetime.date(2031, 12, 31)),
    ],
)
def test_it_computes_the_accounting_retention_from_the_financial_period(
    end_month, voucher_date, keep_until
):
    organization = Organization(name="Kerho", financial_period_end_month=end_month)
    assert organization.voucher_retention_until(voucher_date) == keep_until
