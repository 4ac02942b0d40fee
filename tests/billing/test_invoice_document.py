"""The printable invoice: the numbers it shows, as a page and as a PDF."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from billing import pdf, services
from billing.templatetags.billing import eur, iban, quantity, vat_percent
from organizations.models import Membership, Organization
from registry.pdf import no_fetching
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .factories import DUE_DATE, invoice_for, line

pytestmark = pytest.mark.django_db

NBSP = "\N{NO-BREAK SPACE}"


@pytest.fixture
def alice(db) -> User:
    return UserFactory(
        email="alice@example.fi", first_name="Alice", last_name="Aalto", preferred_language="en"
    )


@pytest.fixture
def club(db) -> Organization:
    return organization_with_admin(
        UserFactory(preferred_language="en"),
        name="Malmin Ilmailukerho ry",
        business_id="2468823-3",
        street_address="Tattarikuja 2",
        postal_code="00700",
        city="Helsinki",
    )


@pytest.fixture
def alice_membership(club, alice) -> Membership:
    return add_member(club, alice, member_number="101")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def _document(client, invoice) -> str:
    response = client.get(reverse("billing:my_invoice", args=[invoice.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _text(html: str) -> str:
    """The page's text with tags and runs of white space collapsed."""
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html))


def test_it_shows_the_sender_recipient_and_dates(alice_client, alice_membership):
    invoice = invoice_for(alice_membership, send=True)
    text = _text(_document(alice_client, invoice))
    assert "Malmin Ilmailukerho ry" in text
    assert "Business ID 2468823-3" in text
    assert "Tattarikuja 2" in text
    assert "00700 Helsinki" in text
    assert "Alice Aalto" in text
    assert "Mannerheimintie 12" in text
    assert "00100 Helsinki" in text
    assert f"Invoice number {invoice.number}" in text
    assert "Invoice date 2.3.2026" in text
    assert "Due date 16.3.2026" in text
    assert "14 days net" in text
    assert "Member number 101" in text


def test_it_shows_the_payment_details_with_reference_rf_and_barcode(alice_client, alice_membership):
    # The club's first invoice: reference base "1" + "001", 7-3-1 check digit 6.
    invoice = invoice_for(alice_membership, send=True)
    assert invoice.number == 1
    assert invoice.reference == "10016"
    text = _text(_document(alice_client, invoice))
    assert "Reference number 10016" in text
    assert "RF reference RF08 1001 6" in text
    assert "Account (IBAN) FI21 1234 5600 0007 85" in text
    assert "BIC NDEAFIHH" in text
    assert f"Amount due 125,50{NBSP}€" in text
    # Version 4, the account without "FI", 125.50 € as 000125 50, "000" + the reference
    # zero-padded to 20 digits, and the due date as YYMMDD (Pankkiviivakoodi-opas 5.3).
    barcode = "4" + "2112345600000785" + "00012550" + "000" + "10016".zfill(20) + "260316"
    assert len(barcode) == 54
    assert barcode in text


def test_it_groups_a_long_reference_in_fives(alice_client, alice_membership):
    invoice = invoice_for(alice_membership, send=True)
    # As a club's 12 345th invoice would have it.
    type(invoice).objects.filter(pk=invoice.pk).update(reference="1123452")
    text = _text(_document(alice_client, invoice))
    assert "Reference number 11 23452" in text
    assert "RF reference RF" in text


def test_it_shows_lines_with_quantities_prices_and_vat(alice_client, alice_membership):
    invoice = invoice_for(
        alice_membership,
        [line("Lentotunnit C-172", quantity="2.5", unit_price="180.00", vat_rate="25.5")],
        send=True,
    )
    html = _document(alice_client, invoice)
    row = _text(re.search(r"<td>Lentotunnit C-172</td>.*?</tr>", html, re.S).group(0)).strip()
    # 2.5 * 180 = 450.00; VAT 25.5 % = 114.75; 564.75 in all.
    assert row.split(" ") == [
        "Lentotunnit",
        "C-172",
        "2,5",
        f"180,00{NBSP}€",
        f"25,5{NBSP}%",
        f"450,00{NBSP}€",
        f"114,75{NBSP}€",
        f"564,75{NBSP}€",
    ]


def test_it_breaks_down_vat_per_rate_on_a_mixed_rate_invoice(alice_client, alice_membership):
    invoice = invoice_for(
        alice_membership,
        [
            line("Jäsenmaksu", 1, "100.00", "25.5"),
            line("Kirja", 2, "10.00", "13.5"),
            line("Lehti", 1, "15.00", "10"),
            line("Kurssi", 1, "50.00", "0"),
            line("Polttoaine", 1, "40.00", "25.5"),
        ],
        send=True,
    )
    html = _document(alice_client, invoice)
    rows = [
        _text(row).strip().split(" ")
        for row in re.findall(r'<tr class="vat-row">.*?</tr>', html, re.S)
    ]
    # Highest rate first; VAT rounded once per rate from the summed nets.
    assert rows == [
        ["VAT", f"25,5{NBSP}%", f"140,00{NBSP}€", f"35,70{NBSP}€", f"175,70{NBSP}€"],
        ["VAT", f"13,5{NBSP}%", f"20,00{NBSP}€", f"2,70{NBSP}€", f"22,70{NBSP}€"],
        ["VAT", f"10{NBSP}%", f"15,00{NBSP}€", f"1,50{NBSP}€", f"16,50{NBSP}€"],
        ["VAT", f"0{NBSP}%", f"50,00{NBSP}€", f"0,00{NBSP}€", f"50,00{NBSP}€"],
    ]
    text = _text(html)
    assert f"Total excluding VAT 225,00{NBSP}€" in text
    assert f"VAT total 39,90{NBSP}€" in text
    assert f"Total 264,90{NBSP}€" in text
    assert invoice.total == Decimal("264.90")


def test_it_lists_reminders_and_payments_so_far(alice_client, alice_membership):
    invoice = invoice_for(alice_membership, send=True)
    # Due 16.3.2026: a fee may be charged from 30.3. (Receivables Collection Act 10 b §).
    services.reminder_record(
        invoice=invoice, sent_on=datetime.date(2026, 3, 31), fee=Decimal("5.00"), actor=None
    )
    services.payment_record(
        organization=alice_membership.organization,
        invoice=invoice,
        amount=Decimal("100.00"),
        paid_on=datetime.date(2026, 4, 2),
        actor=None,
    )
    text = _text(_document(alice_client, invoice))
    assert f"31.3.2026 Payment reminder fee 5,00{NBSP}€" in text
    assert f"2.4.2026 Payment received 100,00{NBSP}€" in text
    assert f"Reminder fees 5,00{NBSP}€" in text
    assert f"Paid 100,00{NBSP}€" in text
    # 125,50 + the fee 5,00 - 100,00: the fee is in the amount due.
    assert f"Amount due 30,50{NBSP}€" in text
    # The barcode carries what is still due, the fee included.
    assert "00003050" + "000" + invoice.reference.zfill(20) in text


def test_it_shows_a_credit_note_and_the_invoice_it_cancels(alice_client, alice_membership):
    invoice = invoice_for(alice_membership, send=True)
    credit_note = services.invoice_credit(invoice=invoice, actor=None)

    text = _text(_document(alice_client, credit_note))
    assert "Credit note" in text
    assert f"Credit note for invoice {invoice.number} of" in text
    assert f"-125,50{NBSP}€" in text
    assert "Amount due" not in text  # nothing to pay, no barcode
    assert "Virtual barcode" not in text

    text = _text(_document(alice_client, invoice))
    assert f"This invoice was cancelled with credit note {credit_note.number}" in text
    assert "Amount due" not in text
    assert "Virtual barcode" not in text
    assert "Account (IBAN)" not in text


def test_it_prints_no_barcode_once_the_invoice_is_paid(alice_client, alice_membership):
    invoice = invoice_for(alice_membership, send=True)
    services.payment_record(
        organization=alice_membership.organization,
        invoice=invoice,
        amount=invoice.total,
        paid_on=DUE_DATE,
        actor=None,
    )
    text = _text(_document(alice_client, invoice))
    assert "This invoice has been paid." in text
    assert f"Amount due 0,00{NBSP}€" in text
    assert "Virtual barcode" not in text


def test_the_page_and_the_pdf_render_the_same_document(alice_membership):
    invoice = invoice_for(alice_membership, send=True)
    with translation.override("en"):
        document = pdf.invoice_document_context(invoice=invoice)
        page = render_to_string("billing/invoice_document.html", document)
        printed = render_to_string("billing/invoice_document.html", {**document, "pdf": True})
    assert "css/invoice.css" in page
    # The PDF gets its stylesheet from disk and loads nothing over a URL.
    assert "<link" not in printed
    assert _text(printed).strip() == _text(page).strip()


def test_it_renders_a_pdf(alice_membership):
    invoice = invoice_for(alice_membership, send=True)
    with translation.override("en"):
        data = pdf.invoice_pdf(invoice=invoice)
        filename = pdf.invoice_pdf_filename(invoice)
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert filename == "malmin-ilmailukerho-ry-invoice-1.pdf"


def test_the_pdf_fetches_nothing_a_line_points_to(alice_membership, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    # Escaped by the template anyway; the fetcher is the second line of defence.
    invoice = invoice_for(alice_membership, [line(f'<img src="file://{secret}">')], send=True)
    assert pdf.invoice_pdf(invoice=invoice).startswith(b"%PDF-")
    with pytest.raises(ValueError, match="no external resources"):
        no_fetching()(f"file://{secret}")


@pytest.mark.parametrize(
    ("value", "filter_", "expected"),
    [
        (Decimal("1234.5"), eur, f"1{NBSP}234,50{NBSP}€"),
        (Decimal("-125.50"), eur, f"-125,50{NBSP}€"),
        (None, eur, ""),
        (Decimal("1.00"), quantity, "1"),
        (Decimal("2.50"), quantity, "2,5"),
        (Decimal("100.00"), quantity, "100"),
        (Decimal("25.5"), vat_percent, f"25,5{NBSP}%"),
        (Decimal("14.0"), vat_percent, f"14{NBSP}%"),
        ("FI2112345600000785", iban, "FI21 1234 5600 0007 85"),
    ],
)
def test_the_filters_print_numbers_the_finnish_way(value, filter_, expected):
    assert filter_(value) == expected
