"""Importing the bank's camt.054 file: matching by reference, once per payment, ever."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from billing import numbers, services
from billing.camt054 import Camt054Error
from billing.models import Invoice, Payment
from organizations.models import Membership, Organization
from organizations.services import RuleError
from tests.billing.camt054_builder import build_camt054
from tests.factories import UserFactory
from tests.organizations.factories import BankAccountFactory, add_member, organization_with_admin

from .factories import bank_account, invoice_for, line

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
ACCOUNT = "FI2112345600000785"
OTHER_ACCOUNT = "FI4950009420028730"
BOOKED = datetime.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def admin(db) -> User:
    return UserFactory(first_name="Aila", last_name="Admin", preferred_language="en")


@pytest.fixture
def organization(admin) -> Organization:
    organization = organization_with_admin(admin, name="Malmin Ilmailukerho ry")
    bank_account(organization, iban=ACCOUNT)
    return organization


@pytest.fixture
def membership(organization) -> Membership:
    return add_member(organization, member_number="17")


@pytest.fixture
def invoices(membership) -> list[Invoice]:
    """Three sent invoices of 125.50 €: numbers 1, 2 and 3."""
    return [invoice_for(membership, send=True) for _ in range(3)]


def _payment(reference: str, amount: str = "125.50", **fields) -> dict:
    return {
        "amount": Decimal(amount),
        "reference": reference,
        "payer_name": "Virtanen Aino",
        "booking_date": BOOKED,
        **fields,
    }


def _file(*payments: dict, account: str = ACCOUNT) -> bytes:
    return build_camt054(account_iban=account, payments=list(payments))


def _state() -> dict:
    """Everything an import could change."""
    return {
        "payments": sorted(
            Payment.objects.values_list("bank_entry_reference", "invoice_id", "amount")
        ),
        "invoices": sorted(Invoice.objects.values_list("pk", "status", "paid_amount")),
    }


def _import(organization: Organization, data: bytes, user: User | None = None):
    return services.payments_import(organization=organization, data=data, actor=user)


def test_it_matches_payments_by_national_and_rf_reference(organization, invoices, admin):
    first, second, third = invoices
    data = _file(
        _payment(first.reference),
        # As printed on the invoice: in groups, and an RF reference in lower case.
        _payment(numbers.rf_format(numbers.rf_from_reference(second.reference)).lower()),
        _payment("000" + numbers.reference_format(third.reference), amount="25.50"),
    )
    summary = _import(organization, data, admin)

    assert [p.invoice for p in summary.matched] == [first, second, third]
    assert (summary.unmatched, summary.already_imported) == ([], 0)
    for invoice in invoices:
        invoice.refresh_from_db()
    assert [i.status for i in invoices] == [
        Invoice.Status.PAID,
        Invoice.Status.PAID,
        Invoice.Status.PARTIALLY_PAID,
    ]
    assert third.paid_amount == Decimal("25.50")
    payment = Payment.objects.get(invoice=first)
    assert payment.source == Payment.Source.BANK_FILE
    assert (payment.paid_on, payment.payer_name, payment.recorded_by) == (
        BOOKED,
        "Virtanen Aino",
        admin,
    )
    assert payment.matched_at is not None
    assert payment.bank_entry_reference
    assert payment.retain_until == datetime.date(2032, 12, 31)


def test_it_changes_nothing_when_the_same_file_is_imported_again(organization, invoices):
    data = _file(_payment(invoices[0].reference), _payment("1234561", amount="9.00"))
    first = _import(organization, data)
    before = _state()

    again = _import(organization, data)

    assert (len(first.matched), len(first.unmatched)) == (1, 1)
    assert (again.matched, again.unmatched, again.already_imported) == ([], [], 2)
    assert _state() == before


def test_it_counts_a_payment_resent_in_another_file_once(organization, invoices):
    payment = _payment(invoices[0].reference, entry_reference="260310ABCDEF123456")
    _import(organization, _file(payment))
    later = _file(payment, _payment(invoices[1].reference))

    summary = _import(organization, later)

    assert (len(summary.matched), summary.already_imported) == (1, 1)
    invoices[0].refresh_from_db()
    assert invoices[0].paid_amount == Decimal("125.50")


def test_it_lists_payments_with_an_unknown_or_missing_reference_as_unmatched(
    organization, invoices
):
    summary = _import(
        organization,
        _file(
            _payment("1234561", amount="40.00"),
            _payment("", amount="12.00", payer_name="Nimetön"),
            _payment("RF18539007547034", amount="7.00"),
        ),
    )
    assert summary.matched == []
    assert [p.amount for p in summary.unmatched] == [
        Decimal("40.00"),
        Decimal("12.00"),
        Decimal("7.00"),
    ]
    assert all(p.invoice is None and p.matched_at is None for p in summary.unmatched)
    assert Payment.objects.filter(invoice__isnull=True).count() == 3
    assert not Invoice.objects.exclude(paid_amount=0).exists()


def test_it_leaves_a_payment_in_another_currency_for_a_person_to_check(organization, invoices):
    summary = _import(organization, _file(_payment(invoices[0].reference, currency="SEK")))
    assert summary.matched == []
    assert len(summary.unmatched) == 1
    invoices[0].refresh_from_db()
    assert invoices[0].paid_amount == 0


@pytest.mark.parametrize(
    "data",
    [
        (DATA / "camt054_malformed.xml").read_bytes(),
        b"<Document><Nothing/></Document>",
        b"\x89PNG\r\n",
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>",
    ],
    ids=["cut-short", "not-camt054", "not-xml", "entities"],
)
def test_it_refuses_a_malformed_file_and_writes_nothing(organization, invoices, data):
    before = _state()
    with pytest.raises(Camt054Error):
        _import(organization, data)
    assert _state() == before


def test_it_refuses_another_accounts_file_and_writes_nothing(organization, invoices, admin):
    """References are unique per organization: another one's file must not pay our invoices."""
    before = _state()
    with pytest.raises(RuleError, match=OTHER_ACCOUNT):
        _import(organization, _file(_payment(invoices[0].reference), account=OTHER_ACCOUNT))
    assert _state() == before


@pytest.mark.parametrize(
    ("payment", "message"),
    [
        (
            {"amount": "10000000000.00", "entry_reference": "ARCHIVE1"},
            "The amount 10000000000.00 of payment ARCHIVE1 in the file is more than the "
            "register can hold. Nothing was imported.",
        ),
        (
            {"booking_date": datetime.date(9999, 12, 31), "entry_reference": "ARCHIVE1"},
            "The payment ARCHIVE1 in the file was booked on 9999-12-31, outside the years 2000 "
            "to 2099. Nothing was imported.",
        ),
    ],
    ids=["amount-over-the-column", "booking-date-9999"],
)
def test_it_refuses_a_payment_the_database_cannot_hold_and_writes_nothing(
    organization, invoices, payment, message
):
    before = _state()
    data = _file(_payment(invoices[0].reference), _payment("1234561", **payment))
    with pytest.raises(RuleError) as excinfo:
        _import(organization, data)
    assert excinfo.value.messages == [message]
    assert _state() == before


def test_it_imports_the_largest_amount_the_register_holds(organization, invoices):
    _import(organization, _file(_payment("1234561", amount="9999999999.99")))
    assert Payment.objects.get().amount == Decimal("9999999999.99")


def test_it_matches_only_the_importing_organizations_invoices(organization, invoices):
    other = organization_with_admin(UserFactory(), name="Vaasan Lentokerho ry")
    BankAccountFactory(organization=other, iban=OTHER_ACCOUNT)
    theirs = invoice_for(add_member(other), [line()], send=True)
    assert theirs.reference == invoices[0].reference  # the same number in both

    _import(other, _file(_payment(theirs.reference), account=OTHER_ACCOUNT))

    theirs.refresh_from_db()
    invoices[0].refresh_from_db()
    assert (theirs.status, invoices[0].status) == (Invoice.Status.PAID, Invoice.Status.SENT)


# --- The import page -----------------------------------------------------------------------


@pytest.fixture
def admin_client(client, admin, organization):
    client.force_login(admin)
    return client


def _upload(client, organization: Organization, data: bytes, name: str = "camt054.xml"):
    return client.post(
        reverse("billing:payment_import", args=[organization.pk]),
        {"file": SimpleUploadedFile(name, data, content_type="application/xml")},
    )


def test_it_shows_what_the_import_matched_and_what_it_did_not(admin_client, organization, invoices):
    data = _file(_payment(invoices[0].reference), _payment("1234561", amount="40.00"))
    response = _upload(admin_client, organization, data)

    assert response.status_code == 200
    summary = response.context["summary"]
    assert (len(summary.matched), len(summary.unmatched), summary.already_imported) == (1, 1, 0)
    content = response.content.decode()
    assert "The file was imported" in content
    unmatched = Payment.objects.get(invoice__isnull=True)
    assert reverse("billing:payment_match", args=[organization.pk, unmatched.pk]) in content

    again = _upload(admin_client, organization, data).context["summary"]
    assert (again.matched, again.unmatched, again.already_imported) == ([], [], 2)


def test_it_shows_a_clear_error_for_a_malformed_file(admin_client, organization, invoices):
    before = _state()
    response = _upload(admin_client, organization, (DATA / "camt054_malformed.xml").read_bytes())

    assert response.status_code == 200
    assert response.context["summary"] is None
    errors = response.context["form"].errors["file"]
    assert errors == [
        "The file could not be read, so nothing was imported: The file is not a valid XML document."
    ]
    assert _state() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"   \n", "The file is empty."),
    ],
)
def test_it_explains_an_empty_upload(admin_client, organization, data, message):
    response = _upload(admin_client, organization, data)
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [message]
    assert not Payment.objects.exists()


def test_it_explains_a_file_of_another_account(admin_client, organization, invoices):
    response = _upload(
        admin_client, organization, _file(_payment(invoices[0].reference), account=OTHER_ACCOUNT)
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["file"]
    assert OTHER_ACCOUNT in error
    assert "Nothing was imported" in error
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("payment", "message"),
    [
        ({"amount": "12345678901.00"}, "more than the register can hold"),
        ({"booking_date": datetime.date(9999, 12, 31)}, "outside the years 2000 to 2099"),
        ({"reference": "1" * 36}, "has a reference longer than 35 characters"),
    ],
    ids=["amount", "booking-date", "reference"],
)
def test_it_explains_a_payment_the_register_cannot_hold(
    admin_client, organization, invoices, payment, message
):
    before = _state()
    response = _upload(
        admin_client, organization, _file(_payment(**{"reference": "1234561", **payment}))
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["file"]
    assert message in error
    assert "nothing was imported" in error.lower()
    assert _state() == before
