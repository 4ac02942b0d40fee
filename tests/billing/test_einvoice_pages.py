"""E-invoice pages: the admin keeps a member's e-invoice address, downloads the Finvoice
messages of invoices and reminders, and lists what to hand to the operator; the member
sees their address in "My data". Each page within a query budget that rows don't grow."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from billing import einvoice, services
from billing.models import EInvoiceAddress, Invoice
from organizations.models import Membership, Organization
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .factories import bank_account, invoice_for
from .finvoice_schema import assert_valid_finvoice

pytestmark = pytest.mark.django_db

APIX = "003723327487"
# Session, user, allauth's session activity, the admin check, the organization, the count,
# the page (with the addresses) and its reminders: whatever the number of rows.
LIST_BUDGET = 12


@pytest.fixture
def admin(db) -> User:
    return UserFactory(preferred_language="en")


@pytest.fixture
def organization(admin) -> Organization:
    organization = organization_with_admin(
        admin, name="Malmin Ilmailukerho ry", business_id="1572860-0"
    )
    bank_account(organization)
    return organization


@pytest.fixture
def membership(organization) -> Membership:
    user = UserFactory(first_name="Aino", last_name="Virtanen")
    return add_member(organization, user, member_number="17")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def _address_url(organization: Organization, membership: Membership) -> str:
    return reverse("billing:einvoice_address", args=[organization.pk, membership.pk])


def _with_address(membership: Membership, admin: User, **fields) -> EInvoiceAddress:
    data = {
        "kind": EInvoiceAddress.Kind.OPERATOR,
        "address": "003724688233",
        "intermediator": APIX,
        **fields,
    }
    return einvoice.einvoice_address_save(membership=membership, actor=admin, **data)


def test_it_saves_an_operator_address_typed_with_spaces_and_a_dash(
    admin_client, organization, membership
):
    response = admin_client.post(
        _address_url(organization, membership),
        {"kind": "operator", "address": "0037 2468823-3", "intermediator": " 003723327487 "},
    )

    assert response.status_code == 302
    saved = EInvoiceAddress.objects.get(membership=membership)
    assert (saved.kind, saved.address, saved.intermediator) == ("operator", "003724688233", APIX)


def test_it_keeps_an_ovt_suffix_and_a_bic_like_operator_code(
    admin_client, organization, membership
):
    admin_client.post(
        _address_url(organization, membership),
        {"kind": "operator", "address": "003724688233100", "intermediator": "bawcfi22"},
    )

    saved = EInvoiceAddress.objects.get(membership=membership)
    assert (saved.address, saved.intermediator) == ("003724688233100", "BAWCFI22")


def test_it_saves_a_consumers_online_bank_address(admin_client, organization, membership):
    admin_client.post(
        _address_url(organization, membership),
        {"kind": "consumer", "address": "FI4950009420028730", "intermediator": "NDEAFIHH"},
    )

    saved = EInvoiceAddress.objects.get(membership=membership)
    assert (saved.kind, saved.intermediator) == ("consumer", "NDEAFIHH")


@pytest.mark.parametrize(
    ("kind", "address", "intermediator", "field"),
    [
        ("operator", "003724688234", APIX, "address"),  # wrong check digit
        ("operator", "12345", APIX, "address"),
        ("operator", "003724688233", "0037", "intermediator"),
        ("consumer", "FI4950009420028730", APIX, "intermediator"),  # a bank's BIC, not an OVT
        ("consumer", "a b", "NDEAFIHH", "address"),
        ("nonsense", "003724688233", APIX, "kind"),
    ],
)
def test_it_explains_a_bad_address_and_keeps_the_input(
    admin_client, organization, membership, kind, address, intermediator, field
):
    response = admin_client.post(
        _address_url(organization, membership),
        {"kind": kind, "address": address, "intermediator": intermediator},
    )

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert address in response.content.decode()
    assert not EInvoiceAddress.objects.exists()


def test_it_offers_the_operators_and_banks_to_choose_from(admin_client, organization, membership):
    content = admin_client.get(_address_url(organization, membership)).content.decode()

    assert '<datalist id="intermediators">' in content
    for code in (APIX, "BAWCFI22", "003721291126", "OKOYFIHH", "NDEAFIHH"):
        assert f'<option value="{code}">' in content


def test_it_changes_and_removes_the_address(admin_client, organization, membership, admin):
    _with_address(membership, admin)
    url = _address_url(organization, membership)

    admin_client.post(
        url, {"kind": "operator", "address": "003724688233", "intermediator": "BAWCFI22"}
    )
    assert EInvoiceAddress.objects.get(membership=membership).intermediator == "BAWCFI22"

    assert "BAWCFI22 (Basware)" in admin_client.get(url).content.decode()

    admin_client.post(url, {"remove": "1"})
    assert not EInvoiceAddress.objects.filter(membership=membership).exists()


def test_the_member_page_links_to_the_address(admin_client, organization, membership):
    content = admin_client.get(
        reverse("organizations:member", args=[organization.pk, membership.pk])
    ).content.decode()

    assert _address_url(organization, membership) in content


def test_it_downloads_an_invoices_finvoice(admin_client, organization, membership, admin):
    _with_address(membership, admin)
    invoice = invoice_for(membership, send=True)

    response = admin_client.get(
        reverse("billing:invoice_finvoice", args=[organization.pk, invoice.pk])
    )

    assert response["Content-Type"].startswith("application/xml")
    assert (
        response["Content-Disposition"] == f'attachment; filename="finvoice-{invoice.number}.xml"'
    )
    root = assert_valid_finvoice(response.content)
    assert root.findtext("MessageTransmissionDetails/MessageReceiverDetails/ToIdentifier") == (
        "003724688233"
    )
    assert root.findtext("InvoiceDetails/InvoiceTotalVatIncludedAmount") == "125,50"


def test_the_invoice_page_links_to_its_finvoice(admin_client, organization, membership):
    invoice = invoice_for(membership, send=True)

    content = admin_client.get(
        reverse("billing:invoice", args=[organization.pk, invoice.pk])
    ).content.decode()

    assert reverse("billing:invoice_finvoice", args=[organization.pk, invoice.pk]) in content


def test_a_draft_has_no_finvoice(admin_client, organization, membership):
    draft = invoice_for(membership)

    response = admin_client.get(
        reverse("billing:invoice_finvoice", args=[organization.pk, draft.pk])
    )

    assert response.status_code == 404


def test_it_downloads_a_reminders_finvoice(admin_client, organization, membership, admin):
    invoice = invoice_for(membership, send=True)
    reminder = services.reminder_record(
        invoice=invoice, sent_on=datetime.date(2026, 4, 1), fee=Decimal("5.00"), actor=admin
    )
    url = reverse("billing:reminder_finvoice", args=[organization.pk, invoice.pk, reminder.pk])

    response = admin_client.get(url)

    root = assert_valid_finvoice(response.content)
    assert root.findtext("InvoiceDetails/InvoiceTypeCode") == "INV08"
    assert root.findtext("EpiDetails/EpiPaymentInstructionDetails/EpiInstructedAmount") == "130,50"
    page = admin_client.get(reverse("billing:invoice", args=[organization.pk, invoice.pk]))
    assert url in page.content.decode()


def test_another_invoices_reminder_is_not_found(admin_client, organization, membership, admin):
    invoice = invoice_for(membership, send=True)
    other = invoice_for(membership, send=True)
    reminder = services.reminder_record(
        invoice=other, sent_on=datetime.date(2026, 4, 1), fee=Decimal(0), actor=admin
    )

    response = admin_client.get(
        reverse("billing:reminder_finvoice", args=[organization.pk, invoice.pk, reminder.pk])
    )

    assert response.status_code == 404


def test_it_lists_only_invoices_to_members_with_an_address(
    admin_client, organization, membership, admin
):
    _with_address(membership, admin)
    listed = invoice_for(membership, send=True)
    invoice_for(membership)  # a draft: nothing to send yet
    invoice_for(add_member(organization), send=True)  # no e-invoice address

    response = admin_client.get(reverse("billing:einvoices", args=[organization.pk]))

    assert [invoice.pk for invoice in response.context["page"]] == [listed.pk]
    assert reverse("billing:invoice_finvoice", args=[organization.pk, listed.pk]) in (
        response.content.decode()
    )


def test_the_list_links_each_reminders_finvoice(admin_client, organization, membership, admin):
    _with_address(membership, admin)
    invoice = invoice_for(membership, send=True)
    reminder = services.reminder_record(
        invoice=invoice, sent_on=datetime.date(2026, 4, 1), fee=Decimal(5), actor=admin
    )

    content = admin_client.get(reverse("billing:einvoices", args=[organization.pk])).content

    url = reverse("billing:reminder_finvoice", args=[organization.pk, invoice.pk, reminder.pk])
    assert url in content.decode()


def test_the_list_keeps_its_query_budget_however_many_rows(
    admin_client, organization, admin, django_assert_max_num_queries
):
    for _ in range(12):
        member = add_member(organization)
        _with_address(member, admin)
        invoice = invoice_for(member, send=True)
        for day in (1, 15):
            services.reminder_record(
                invoice=invoice, sent_on=datetime.date(2026, 4, day), fee=Decimal(5), actor=admin
            )
    url = reverse("billing:einvoices", args=[organization.pk])

    with django_assert_max_num_queries(LIST_BUDGET):
        response = admin_client.get(url, {"per_page": 50})

    assert len(response.context["page"]) == 12


def test_the_pages_keep_their_query_budgets(
    admin_client, organization, membership, admin, django_assert_max_num_queries
):
    _with_address(membership, admin)
    invoice = invoice_for(
        membership, [services.LineInput("Rivi", Decimal(1), Decimal(10), Decimal(0))] * 20
    )
    invoice = services.invoice_send(invoice=invoice, actor=admin)
    reminder = services.reminder_record(
        invoice=invoice, sent_on=datetime.date(2026, 4, 1), fee=Decimal(5), actor=admin
    )
    urls = [
        _address_url(organization, membership),
        reverse("billing:invoice_finvoice", args=[organization.pk, invoice.pk]),
        reverse("billing:reminder_finvoice", args=[organization.pk, invoice.pk, reminder.pk]),
    ]
    for url in urls:
        with django_assert_max_num_queries(12):
            assert admin_client.get(url).status_code == 200


def test_the_member_sees_their_address_in_my_data(client, organization, membership, admin):
    _with_address(membership, admin)
    client.force_login(membership.user)

    with translation.override("en"):
        content = client.get(reverse("accounts:my_data")).content.decode()

    assert "003724688233" in content
    assert APIX in content


def test_a_credit_notes_finvoice_downloads_from_its_page(
    admin_client, organization, membership, admin
):
    invoice = invoice_for(membership, send=True)
    credit_note = services.invoice_credit(invoice=invoice, actor=admin)

    response = admin_client.get(
        reverse("billing:invoice_finvoice", args=[organization.pk, credit_note.pk])
    )

    root = assert_valid_finvoice(response.content)
    assert root.findtext("InvoiceDetails/InvoiceTypeCode") == "INV02"
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.CREDITED
