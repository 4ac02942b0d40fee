"""The admin gives a member an e-invoice address (picking the operator from the list) and
downloads the invoice's Finvoice message from the e-invoice list, under the CSP, with no
serious accessibility problem on either page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from billing.models import EInvoiceAddress
from tests.billing.factories import bank_account, invoice_for
from tests.billing.finvoice_schema import assert_valid_finvoice
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .a11y import serious_violations

EMAIL = "eija.einvoice@example.fi"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_saves_an_address_and_downloads_the_finvoice(
    page: Page, live_server, log_in, console_errors
):
    admin = UserFactory(email=EMAIL, first_name="Eija", last_name="Admin")
    club = organization_with_admin(admin, name="Malmin Ilmailukerho ry", business_id="1572860-0")
    bank_account(club)
    membership = add_member(club, UserFactory(first_name="Aino", last_name="Virtanen"))
    invoice = invoice_for(membership, send=True)
    log_in(EMAIL)

    page.goto(reverse("billing:einvoice_address", args=[club.pk, membership.pk]))
    page.locator("input[name=kind][value=operator]").check()
    page.locator("input[name=address]").fill("0037 2468823-3")
    page.locator("input[name=intermediator]").fill("003723327487")
    assert serious_violations(page) == []
    page.locator("form.form button[type=submit]").click()

    expect(page.locator("dl.facts")).to_contain_text("003724688233")
    assert EInvoiceAddress.objects.get(membership=membership).intermediator == "003723327487"

    page.goto(reverse("billing:einvoices", args=[club.pk]))
    link = page.locator(
        f"a[href='{reverse('billing:invoice_finvoice', args=[club.pk, invoice.pk])}']"
    )
    expect(link).to_be_visible()
    assert serious_violations(page) == []
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"finvoice-{invoice.number}.xml"
    root = assert_valid_finvoice(Path(download.value.path()).read_bytes())
    assert root.findtext("MessageTransmissionDetails/MessageReceiverDetails/ToIdentifier") == (
        "003724688233"
    )
    assert console_errors == []
