"""The bank giro form at the end of the printable invoice, and its Code 128 bank barcode."""

from __future__ import annotations

import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from billing import barcode, pdf, services
from billing.models import Invoice
from organizations.models import Membership, Organization
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .factories import invoice_for, line

pytestmark = pytest.mark.django_db

# The club's first invoice: 125,50 € to FI21 1234 5600 0007 85, reference 10016, due 16.3.2026.
VIRTUAL_BARCODE = "4" + "2112345600000785" + "00012550" + "000" + "10016".zfill(20) + "260316"

GIRO_LABELS = (
    "Saajan tilinumero",
    "Mottagarens kontonummer",
    "Saaja",
    "Mottagare",
    "Maksajan nimi ja osoite",
    "Betalarens namn och adress",
    "Allekirjoitus",
    "Underskrift",
    "Tililtä nro",
    "Från konto nr",
    "Viitenumero",
    "Ref.nr",
    "Eräpäivä",
    "Förfallodag",
    "Euro",
)


@pytest.fixture
def club(db) -> Organization:
    return organization_with_admin(
        UserFactory(preferred_language="en"),
        name="Malmin Ilmailukerho ry",
        street_address="Tattarikuja 2",
        postal_code="00700",
        city="Helsinki",
    )


@pytest.fixture
def membership(club) -> Membership:
    user = UserFactory(first_name="Alice", last_name="Aalto", preferred_language="en")
    return add_member(club, user)


def _page(client, invoice: Invoice) -> str:
    client.force_login(invoice.membership.user)
    response = client.get(reverse("billing:my_invoice", args=[invoice.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _decode_pdf_barcodes(data: bytes, tmp_path: Path) -> list[tuple[str, str]]:
    """Rasterise every page of a PDF at 300 dpi and read the barcodes on them."""
    import zxingcpp
    from PIL import Image

    source = tmp_path / "invoice.pdf"
    source.write_bytes(data)
    subprocess.run(  # noqa: S603 - a fixed program on a file the test wrote
        [
            shutil.which("pdftoppm") or "pdftoppm",
            "-r",
            "300",
            "-gray",
            "-png",
            source,
            tmp_path / "page",
        ],
        check=True,
    )
    found = []
    for image in sorted(tmp_path.glob("page*.png")):
        for result in zxingcpp.read_barcodes(Image.open(image)):
            found.append((result.format.name, result.text))
    return found


# --- The barcode itself ---------------------------------------------------------------------


def test_it_encodes_the_virtual_barcode_in_code_set_c_only():
    symbols = barcode.bank_barcode_symbols(VIRTUAL_BARCODE)
    assert symbols[0] == barcode.START_C
    # Two digits a symbol: 27 symbols, each the value of its pair of digits.
    assert symbols[1:] == [int(VIRTUAL_BARCODE[i : i + 2]) for i in range(0, 54, 2)]


def test_it_draws_the_bars_at_the_guides_sizes():
    svg = barcode.bank_barcode_svg(VIRTUAL_BARCODE)
    modules = barcode.bank_barcode_modules(VIRTUAL_BARCODE)
    # Start, 27 data characters and the check character of 11 modules each, stop of 13.
    assert len(modules) == 11 + 27 * 11 + 11 + 13
    assert 0.25 <= barcode.MODULE_MM <= 0.5
    assert barcode.HEIGHT_MM >= 10
    assert barcode.QUIET_ZONE_MM >= 6.4
    width = float(re.search(r'width="([0-9.]+)mm"', svg).group(1))
    assert width == pytest.approx((len(modules) + 2 * 20) * barcode.MODULE_MM, abs=0.01)
    assert 'height="13mm"' in svg
    # No style attribute: the pages' CSP would refuse it.
    assert "style=" not in svg


@pytest.mark.parametrize(
    "digits",
    ["", "4" * 53, "4" * 55, "6" + "0" * 53, "4" + "0" * 52 + "x"],
)
def test_it_refuses_what_is_not_a_virtual_barcode(digits):
    with pytest.raises(ValueError):
        barcode.bank_barcode_svg(digits)


# --- The form on the page -------------------------------------------------------------------


def test_it_ends_the_invoice_with_the_giro_form(client, membership):
    invoice = invoice_for(membership, send=True)
    html = _page(client, invoice)
    giro = html[html.index('class="giro"') :]
    for label in GIRO_LABELS:
        assert label in giro, label
    assert "FI21 1234 5600 0007 85" in giro
    assert "NDEAFIHH" in giro
    assert "Malmin Ilmailukerho ry" in giro
    assert "Alice Aalto" in giro
    assert "10016" in giro
    assert "16.3.2026" in giro
    assert "125,50" in giro
    assert f'data-digits="{VIRTUAL_BARCODE}"' in giro
    # The form is the last thing on the sheet.
    assert giro.index("</section>") < giro.index("</article>")
    assert "<section" not in giro[giro.index("</section>") :]


def test_it_prints_no_giro_form_on_a_draft(client, membership):
    draft = invoice_for(membership)
    club_admin = membership.organization.memberships.exclude(pk=membership.pk).get().user
    client.force_login(club_admin)
    response = client.get(reverse("billing:invoice", args=[membership.organization.pk, draft.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Viitenumero" not in html
    assert "bank-barcode" not in html
    assert pdf.invoice_document_context(invoice=draft)["giro"] is False


def test_it_prints_no_giro_form_without_a_reference(membership):
    invoice = invoice_for(membership, send=True)
    assert pdf.invoice_has_giro_form(invoice)
    invoice.reference = ""
    assert not pdf.invoice_has_giro_form(invoice)


def test_it_prints_no_giro_form_once_paid(membership):
    invoice = invoice_for(membership, send=True)
    invoice.paid_amount = invoice.total
    assert not pdf.invoice_has_giro_form(invoice)


def test_it_prints_no_giro_form_on_a_credit_note_nor_the_invoice_it_cancels(client, membership):
    invoice = invoice_for(membership, send=True)
    credit_note = services.invoice_credit(invoice=invoice, actor=None)
    for document in (credit_note, Invoice.objects.get(pk=invoice.pk)):
        context = pdf.invoice_document_context(invoice=document)
        assert context["giro"] is False
        assert context["barcode_svg"] == ""
    assert "bank-barcode" not in _page(client, credit_note)


def test_it_prints_the_form_but_no_barcode_for_a_foreign_account(client, membership):
    invoice = invoice_for(membership, send=True)
    Invoice.objects.filter(pk=invoice.pk).update(iban="DE89370400440532013000", bic="")
    html = _page(client, Invoice.objects.get(pk=invoice.pk))
    assert "Saajan tilinumero" in html
    assert "bank-barcode" not in html


# --- The PDF ---------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is not installed")
def test_the_pdfs_barcode_reads_as_the_virtual_barcode(membership, tmp_path):
    invoice = invoice_for(membership, send=True)
    with translation.override("fi"):
        data = pdf.invoice_pdf(invoice=invoice)
    assert _decode_pdf_barcodes(data, tmp_path) == [("Code128", VIRTUAL_BARCODE)]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is not installed")
def test_the_pdf_puts_the_form_on_the_page_the_invoice_ends_on(membership, tmp_path):
    # Enough lines to fill the first page: the form goes with the invoice's end.
    many = [line(description=f"Flight {n}", unit_price=Decimal("10.00")) for n in range(45)]
    invoice = invoice_for(membership, many, send=True)
    with translation.override("fi"):
        data = pdf.invoice_pdf(invoice=invoice)
    source = tmp_path / "long.pdf"
    source.write_bytes(data)
    pages = subprocess.run(  # noqa: S603
        [shutil.which("pdftotext") or "pdftotext", "-layout", source, "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\f")
    with_form = [n for n, text in enumerate(pages) if "Viitenumero" in text]
    with_last_line = [n for n, text in enumerate(pages) if "Flight 44" in text]
    assert with_form and with_form[-1] >= with_last_line[0]
    assert len(_decode_pdf_barcodes(data, tmp_path)) == 1
