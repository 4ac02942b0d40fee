"""The member's printable invoice ends with the bank giro form and barcode, under the CSP."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from billing import numbers
from tests.billing.factories import invoice_for
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

EMAIL = "gabriel.giro@example.fi"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_shows_the_giro_form_and_barcode_without_console_errors(
    page: Page, live_server, log_in, console_errors
):
    member = UserFactory(email=EMAIL, first_name="Gabriel", last_name="Giro")
    club = organization_with_admin(UserFactory(), name="Malmin Ilmailukerho ry")
    invoice = invoice_for(add_member(club, member), send=True)
    log_in(EMAIL)

    page.goto(reverse("billing:my_invoice", args=[invoice.pk]))
    giro = page.locator("article.sheet section.giro")
    expect(giro).to_be_visible()
    for label in ("Saajan tilinumero", "Mottagare", "Maksajan nimi ja osoite", "Viitenumero"):
        expect(giro).to_contain_text(label)
    expect(giro.locator(".giro-reference")).to_have_text(
        numbers.reference_format(invoice.reference)
    )
    svg = giro.locator("svg.bank-barcode")
    expect(svg).to_be_visible()
    expect(svg).to_have_attribute(
        "data-digits",
        numbers.virtual_barcode(
            iban=invoice.iban,
            amount=invoice.amount_due,
            reference=invoice.reference,
            due_date=invoice.due_date,
        ),
    )
    # The bars are drawn: the symbol is wider than the guide's 6.4 mm quiet zones (in CSS px).
    assert svg.bounding_box()["width"] > 2 * 6.4 * 96 / 25.4
    # The form is at the foot of the sheet.
    sheet_box = page.locator("article.sheet").bounding_box()
    giro_box = giro.bounding_box()
    assert giro_box["y"] + giro_box["height"] == pytest.approx(
        sheet_box["y"] + sheet_box["height"], abs=2
    )

    assert console_errors == []
