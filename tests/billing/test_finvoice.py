"""Finvoice 3.0 messages: invoices with several VAT rates, credit notes and reminders, to
an operator's or a consumer's address; every one valid against the official schema."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schwifty import IBAN

from accounts.models import User
from billing import einvoice, finvoice, services
from billing.finvoice import ReminderAmounts
from billing.models import EInvoiceAddress, Invoice
from billing.money import VatRate
from organizations.models import Membership, Organization
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .factories import invoice_for, line
from .finvoice_schema import assert_valid_finvoice

pytestmark = pytest.mark.django_db

OPERATOR_ADDRESS = "003724688233"  # 0037 + Y-tunnus 2468823-3
APIX = "003723327487"


@pytest.fixture
def admin(db) -> User:
    return UserFactory(preferred_language="en")


@pytest.fixture
def organization(admin) -> Organization:
    return organization_with_admin(
        admin,
        name="Malmin Ilmailukerho ry",
        business_id="1572860-0",
        street_address="Malmin lentoasema",
        postal_code="00700",
        city="Helsinki",
    )


@pytest.fixture
def membership(organization) -> Membership:
    user = UserFactory(
        first_name="Aino",
        last_name="Virtanen",
        street_address="Lentäjäntie 3 B 12",
        postal_code="00560",
        city="Helsinki",
    )
    return add_member(organization, user, member_number="17")


@pytest.fixture
def operator_address(membership, admin) -> EInvoiceAddress:
    return einvoice.einvoice_address_save(
        membership=membership,
        kind=EInvoiceAddress.Kind.OPERATOR,
        address=OPERATOR_ADDRESS,
        intermediator=APIX,
        actor=admin,
    )


@pytest.fixture
def consumer_address(membership, admin) -> EInvoiceAddress:
    return einvoice.einvoice_address_save(
        membership=membership,
        kind=EInvoiceAddress.Kind.CONSUMER,
        address="FI4950009420028730",
        intermediator="okoyfihh",
        actor=admin,
    )


def _three_rates(membership: Membership) -> Invoice:
    return invoice_for(
        membership,
        [
            line("Jäsenmaksu 2026", 1, "100.00", VatRate.STANDARD),
            line("Kerhon lehti", 2, "12.50", VatRate.REDUCED_10),
            line("Lentokoulutus", "1.5", "80.00", VatRate.ZERO),
        ],
        send=True,
    )


def _texts(root, path: str) -> list[str]:
    return [element.text for element in root.iterfind(path)]


def test_it_builds_a_valid_invoice_with_three_vat_rates(membership, operator_address):
    invoice = _three_rates(membership)

    root = assert_valid_finvoice(
        finvoice.finvoice_invoice(invoice=invoice, address=operator_address)
    )

    assert root.get("Version") == "3.0"
    assert root.findtext("InvoiceDetails/InvoiceTypeCode") == "INV01"
    assert root.findtext("InvoiceDetails/InvoiceNumber") == str(invoice.number)
    assert root.findtext("InvoiceDetails/InvoiceDate") == "20260302"
    # 100 + 25.5 %, 25 + 10 %, 120 at 0 %: 245.00 + 25.50 + 2.50 = 273.00.
    assert root.findtext("InvoiceDetails/InvoiceTotalVatExcludedAmount") == "245,00"
    assert root.findtext("InvoiceDetails/InvoiceTotalVatAmount") == "28,00"
    assert root.findtext("InvoiceDetails/InvoiceTotalVatIncludedAmount") == "273,00"
    assert [
        (v.findtext("VatRatePercent"), v.findtext("VatBaseAmount"), v.findtext("VatRateAmount"))
        for v in root.iterfind("InvoiceDetails/VatSpecificationDetails")
    ] == [("25,5", "100,00", "25,50"), ("10", "25,00", "2,50"), ("0", "120,00", "0,00")]
    assert _texts(root, "InvoiceRow/ArticleName") == [
        "Jäsenmaksu 2026",
        "Kerhon lehti",
        "Lentokoulutus",
    ]
    assert _texts(root, "InvoiceRow/InvoicedQuantity") == ["1", "2", "1,5"]
    assert _texts(root, "InvoiceRow/RowAmount") == ["125,50", "27,50", "120,00"]
    assert root.findtext("InvoiceDetails/PaymentTermsDetails/InvoiceDueDate") == "20260316"


def test_it_carries_the_payment_in_the_epi_details(membership, operator_address):
    invoice = _three_rates(membership)

    root = assert_valid_finvoice(
        finvoice.finvoice_invoice(invoice=invoice, address=operator_address)
    )

    payment = root.find("EpiDetails/EpiPaymentInstructionDetails")
    assert payment.findtext("EpiRemittanceInfoIdentifier") == invoice.reference
    assert payment.find("EpiRemittanceInfoIdentifier").get("IdentificationSchemeName") == "SPY"
    assert payment.findtext("EpiInstructedAmount") == "273,00"
    assert payment.findtext("EpiDateOptionDate") == "20260316"
    beneficiary = root.find("EpiDetails/EpiPartyDetails/EpiBeneficiaryPartyDetails")
    assert beneficiary.findtext("EpiAccountID") == invoice.iban
    assert beneficiary.findtext("EpiBei") == "1572860-0"
    assert root.findtext("EpiDetails/EpiPartyDetails/EpiBfiPartyDetails/EpiBfiIdentifier")
    assert root.findtext("SellerPartyDetails/SellerPartyIdentifier") == "1572860-0"
    assert root.findtext("BuyerPartyDetails/BuyerOrganisationName") == "Aino Virtanen"
    buyer = root.find("BuyerPartyDetails/BuyerPostalAddressDetails")
    assert buyer.findtext("BuyerStreetName") == "Lentäjäntie 3 B 12"
    assert buyer.findtext("BuyerPostCodeIdentifier") == "00560"
    assert buyer.findtext("BuyerTownName") == "Helsinki"


def test_it_addresses_an_operator_in_the_transmission_details(membership, operator_address):
    invoice = _three_rates(membership)

    root = assert_valid_finvoice(
        finvoice.finvoice_invoice(invoice=invoice, address=operator_address)
    )

    details = root.find("MessageTransmissionDetails")
    assert details.findtext("MessageReceiverDetails/ToIdentifier") == OPERATOR_ADDRESS
    assert details.findtext("MessageReceiverDetails/ToIntermediator") == APIX
    # The club has no operator of its own: its OVT code, sent through its bank.
    assert details.findtext("MessageSenderDetails/FromIdentifier") == "003715728600"
    bank_bic = invoice.bic or str(IBAN(invoice.iban).bic)
    assert details.findtext("MessageSenderDetails/FromIntermediator") == bank_bic
    assert root.find("SellerInformationDetails/InvoiceRecipientDetails") is None


def test_it_uses_the_organizations_own_operator_when_it_has_one(
    organization, membership, operator_address
):
    organization.e_invoice_address = "003715728600"
    organization.e_invoice_operator = "BAWCFI22"
    organization.save()
    invoice = _three_rates(membership)

    root = assert_valid_finvoice(
        finvoice.finvoice_invoice(invoice=invoice, address=operator_address)
    )

    sender = root.find("MessageTransmissionDetails/MessageSenderDetails")
    assert sender.findtext("FromIntermediator") == "BAWCFI22"


def test_it_addresses_a_consumer_through_their_bank(membership, consumer_address):
    invoice = _three_rates(membership)

    root = assert_valid_finvoice(
        finvoice.finvoice_invoice(invoice=invoice, address=consumer_address)
    )

    assert root.find("MessageTransmissionDetails") is None
    recipient = root.find("SellerInformationDetails/InvoiceRecipientDetails")
    assert recipient.findtext("InvoiceRecipientAddress") == "FI4950009420028730"
    assert recipient.findtext("InvoiceRecipientIntermediatorAddress") == "OKOYFIHH"


def test_it_builds_a_message_without_an_address(membership):
    invoice = _three_rates(membership)

    root = assert_valid_finvoice(finvoice.finvoice_invoice(invoice=invoice, address=None))

    assert root.find("MessageTransmissionDetails") is None


def test_it_builds_a_credit_note_with_negative_amounts(membership, operator_address, admin):
    invoice = _three_rates(membership)
    credit_note = services.invoice_credit(invoice=invoice, actor=admin)

    root = assert_valid_finvoice(
        finvoice.finvoice_invoice(invoice=credit_note, address=operator_address)
    )

    assert root.findtext("InvoiceDetails/InvoiceTypeCode") == "INV02"
    assert root.findtext("InvoiceDetails/OriginalInvoiceNumber") == str(invoice.number)
    assert root.findtext("InvoiceDetails/InvoiceTotalVatIncludedAmount") == "-273,00"
    assert root.findtext("InvoiceDetails/InvoiceTotalVatAmount") == "-28,00"
    assert _texts(root, "InvoiceRow/RowAmount") == ["-125,50", "-27,50", "-120,00"]
    assert root.findtext("EpiDetails/EpiPaymentInstructionDetails/EpiInstructedAmount") == "-273,00"
    assert (
        root.findtext("EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier")
        == credit_note.reference
    )


def test_it_builds_a_reminder_with_the_amount_owed_and_fees(membership, operator_address, admin):
    invoice = _three_rates(membership)
    services.payment_record(
        organization=invoice.organization,
        amount=Decimal("73.00"),
        paid_on=datetime.date(2026, 3, 20),
        invoice=invoice,
        actor=admin,
    )
    services.reminder_record(
        invoice=invoice, sent_on=datetime.date(2026, 4, 1), fee=Decimal("5.00"), actor=admin
    )
    second = services.reminder_record(
        invoice=invoice, sent_on=datetime.date(2026, 4, 20), fee=Decimal("5.00"), actor=admin
    )
    invoice.refresh_from_db()
    amounts = ReminderAmounts.from_reminder(second)

    root = assert_valid_finvoice(
        finvoice.finvoice_reminder(invoice=invoice, amounts=amounts, address=operator_address)
    )

    assert amounts.capital == Decimal("200.00")
    assert amounts.total == Decimal("210.00")
    assert root.findtext("InvoiceDetails/InvoiceTypeCode") == "INV08"
    assert root.findtext("InvoiceDetails/InvoiceDate") == "20260420"
    assert root.findtext("InvoiceDetails/InvoiceTotalVatIncludedAmount") == "210,00"
    assert root.findtext("InvoiceDetails/PaymentTermsDetails/InvoiceDueDate") == "20260504"
    assert _texts(root, "InvoiceRow/RowAmount") == ["200,00", "10,00"]
    overdue = root.find("InvoiceRow/RowOverDuePaymentDetails")
    assert overdue.findtext("RowOriginalInvoiceIdentifier") == str(invoice.number)
    assert overdue.findtext("RowOriginalInvoiceTotalAmount") == "273,00"
    assert overdue.findtext("RowPaidVatIncludedAmount") == "73,00"
    payment = root.find("EpiDetails/EpiPaymentInstructionDetails")
    assert payment.findtext("EpiInstructedAmount") == "210,00"
    assert payment.findtext("EpiRemittanceInfoIdentifier") == invoice.reference


def test_it_shows_interest_as_a_row_of_its_own(membership, consumer_address):
    invoice = _three_rates(membership)
    amounts = ReminderAmounts(
        reminded_on=datetime.date(2026, 4, 20),
        due_date=datetime.date(2026, 5, 4),
        capital=Decimal("273.00"),
        interest=Decimal("3.41"),
        fees=Decimal("5.00"),
    )

    root = assert_valid_finvoice(
        finvoice.finvoice_reminder(invoice=invoice, amounts=amounts, address=consumer_address)
    )

    assert _texts(root, "InvoiceRow/ArticleName")[1:] == ["Viivästyskorko", "Muistutusmaksut"]
    assert _texts(root, "InvoiceRow/RowAmount") == ["273,00", "3,41", "5,00"]
    assert root.findtext("InvoiceDetails/InvoiceTotalVatIncludedAmount") == "281,41"


def test_it_refuses_a_draft(membership):
    draft = invoice_for(membership)

    with pytest.raises(ValueError, match="draft"):
        finvoice.finvoice_invoice(invoice=draft, address=None)


def test_the_schema_check_catches_a_broken_message(membership):
    from .finvoice_schema import finvoice_errors

    message = finvoice.finvoice_invoice(invoice=_three_rates(membership), address=None)

    assert finvoice_errors(message.replace(b"<InvoiceTypeCode>INV01", b"<InvoiceTypeCode>X1"))


def test_it_names_the_download_by_the_invoice_number(membership):
    invoice = _three_rates(membership)

    assert finvoice.filename(invoice) == f"finvoice-{invoice.number}.xml"


def test_it_stays_valid_with_odd_names_and_addresses(admin):
    organization = organization_with_admin(admin, name="Ö", business_id="", street_address="")
    user = UserFactory(first_name="", last_name="Å", street_address="", postal_code="", city="")
    membership = add_member(organization, user)
    invoice = invoice_for(
        membership, [line("x" * 300, "0.25", "0.01", VatRate.REDUCED_13_5)], send=True
    )
    invoice.recipient_address = "Postilokero\n1 X"
    invoice.notes = "Huom! " * 200

    root = assert_valid_finvoice(finvoice.finvoice_invoice(invoice=invoice, address=None))

    assert root.find("SellerPartyDetails/SellerPartyIdentifier") is None
    assert root.find("BuyerPartyDetails/BuyerPostalAddressDetails") is None
    assert len(root.findtext("InvoiceRow/ArticleName")) == 100


_rates = st.sampled_from([rate.value for rate in VatRate])
# What a form can store: any text but NUL, which Django's form fields refuse before it gets
# here (PostgreSQL cannot hold it either).
_stored_chars = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
_lines = st.lists(
    st.tuples(
        st.text(_stored_chars, min_size=1, max_size=300),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal(9999), places=2),
        st.decimals(min_value=Decimal(0), max_value=Decimal(99999), places=2),
        _rates,
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=_lines,
    name=st.text(_stored_chars, max_size=120),
    notes=st.text(_stored_chars, max_size=600),
)
def test_any_issued_invoice_makes_a_valid_message(membership, operator_address, rows, name, notes):
    with transaction.atomic():
        invoice = invoice_for(
            membership, [line(text, quantity, price, rate) for text, quantity, price, rate in rows]
        )
        invoice.recipient_name = name
        invoice.notes = notes
        invoice.save()
        invoice = services.invoice_send(invoice=invoice, actor=None)
        credit_note = services.invoice_credit(invoice=invoice, actor=None)

        for built in (invoice, credit_note):
            root = assert_valid_finvoice(
                finvoice.finvoice_invoice(invoice=built, address=operator_address)
            )
            assert root.findtext("InvoiceDetails/InvoiceTotalVatIncludedAmount") == (
                f"{built.total:.2f}".replace(".", ",")
            )
        transaction.set_rollback(True)
