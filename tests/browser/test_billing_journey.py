"""An admin creates a product, a contract and an invoice and sends it; the member sees it
and opens the printable invoice.

Some billing strings may still be untranslated: elements are found by field names, URLs
and ``main`` scopes, and the test asserts data values and database state, not wording.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import BrowserContext, ConsoleMessage, Locator, Page, expect

from billing import numbers
from billing.models import Contract, Invoice, Product
from billing.money import VatRate, format_eur
from organizations.models import Membership
from tests.billing.factories import bank_account
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .conftest import CSP_VIOLATION_REPORTER, submit

ADMIN_EMAIL = "aino.admin@example.fi"
MEMBER_EMAIL = "mikko.jasen@example.fi"
ORGANIZATION_NAME = "Lentokerho Pohjantähti ry"
MEMBER_NUMBER = "207"
IBAN = "FI2112345600000785"  # bank_account()'s default, a valid Finnish IBAN
PRODUCT_NAME = "Lentotunti OH-CPL"
UNIT_PRICE = Decimal("120.00")
QUANTITY = Decimal("2")
# 2 x 120,00 € = 240,00 € + VAT 25,5 % 61,20 € = 301,20 €
TOTAL = Decimal("301.20")


def watch_console(context: BrowserContext, errors: list[str]) -> None:
    """The ``console_errors`` fixture's listeners, for a context made with ``new_context``."""

    def on_console(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        errors.append(f"{url}: {message.text}" if url else message.text)

    context.add_init_script(CSP_VIOLATION_REPORTER)
    context.on("console", on_console)
    context.on("weberror", lambda web_error: errors.append(f"uncaught: {web_error.error}"))


def sign_in(page: Page, email: str, password: str = DEFAULT_PASSWORD) -> None:
    """allauth's login form on ``page`` (the conftest ``log_in`` drives ``page`` only)."""
    if page.locator("input[name=login]").count() == 0:
        page.goto(reverse("account_login"))
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    submit(page, "main form:has(input[name=password])")


def press(page: Page, button: Locator) -> None:
    """Click a submit button and wait for the answer to load."""
    with page.expect_navigation():
        button.click()


def path_is(path: str) -> re.Pattern[str]:
    return re.compile(re.escape(path) + r"(\?.*)?$")


def goto_ok(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_admin_invoices_a_member_who_opens_the_printable_invoice(
    page: Page, new_context, live_server, settings, mailoutbox, log_in, console_errors
):
    settings.SITE_URL = live_server.url
    admin = UserFactory(email=ADMIN_EMAIL, first_name="Aino", last_name="Virtanen")
    member_user = UserFactory(email=MEMBER_EMAIL, first_name="Mikko", last_name="Korhonen")
    organization = organization_with_admin(
        admin, name=ORGANIZATION_NAME, email="kerho@pohjantahti.example.fi"
    )
    membership = add_member(organization, member_user, member_number=MEMBER_NUMBER)
    account = bank_account(organization)
    assert account.is_primary and account.iban == IBAN
    today = timezone.localdate()

    # The admin signs in and opens the organization's products through its menu.
    log_in(ADMIN_EMAIL)
    goto_ok(page, reverse("organizations:detail", args=[organization.pk]))
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    products_url = reverse("billing:products", args=[organization.pk])
    with page.expect_navigation():
        page.locator(f"main .org-nav a[href='{products_url}']").click()
    expect(page).to_have_url(path_is(products_url))

    # A new product: a flight hour at 120,00 € + VAT 25,5 %.
    product_add_url = reverse("billing:product_add", args=[organization.pk])
    with page.expect_navigation():
        page.locator(f"main a[href='{product_add_url}']").click()
    expect(page).to_have_url(path_is(product_add_url))
    product_form = "main form[method=post]:has(input[name=name])"
    page.fill(f"{product_form} input[name=name]", PRODUCT_NAME)
    page.select_option(f"{product_form} select[name=unit]", Product.Unit.FLIGHT_HOUR)
    page.fill(f"{product_form} input[name=unit_price]", "120,00")
    page.select_option(f"{product_form} select[name=vat_rate]", "25.5")
    submit(page, product_form)
    expect(page).to_have_url(path_is(products_url))
    expect(page.locator("main .message-success")).to_have_count(1)

    product = Product.objects.get(organization=organization)
    assert product.name == PRODUCT_NAME
    assert product.unit == Product.Unit.FLIGHT_HOUR
    assert product.unit_price == UNIT_PRICE
    assert product.vat_rate == Decimal(VatRate.STANDARD)
    assert product.is_active
    product_url = reverse("billing:product_edit", args=[organization.pk, product.pk])
    product_row = page.locator("main table tbody tr", has=page.locator(f"a[href='{product_url}']"))
    expect(product_row).to_have_count(1)
    expect(product_row).to_contain_text(PRODUCT_NAME)
    expect(product_row).to_contain_text(format_eur(UNIT_PRICE))

    # A contract for the member on that product.
    contracts_url = reverse("billing:contracts", args=[organization.pk])
    with page.expect_navigation():
        page.locator(f"main .org-nav a[href='{contracts_url}']").click()
    contract_open_url = reverse("billing:contract_open", args=[organization.pk])
    with page.expect_navigation():
        page.locator(f"main a[href='{contract_open_url}']").click()
    expect(page).to_have_url(path_is(contract_open_url))
    contract_form = "main form[method=post]:has(select[name=membership])"
    page.select_option(f"{contract_form} select[name=membership]", str(membership.pk))
    page.select_option(f"{contract_form} select[name=product]", str(product.pk))
    page.fill(f"{contract_form} input[name=quantity]", "1")
    page.fill(f"{contract_form} input[name=opened_on]", today.isoformat())
    submit(page, contract_form)

    contract = Contract.objects.get(organization=organization)
    assert contract.membership == membership
    assert contract.product == product
    assert contract.quantity == 1
    assert contract.opened_on == today
    assert contract.terminated_on is None
    contract_url = reverse("billing:contract", args=[organization.pk, contract.pk])
    expect(page).to_have_url(path_is(contract_url))
    expect(page.locator("main .message-success")).to_have_count(1)
    expect(page.locator("main")).to_contain_text(PRODUCT_NAME)

    # An invoice for the member: one line of two flight hours, the rest from the product.
    invoices_url = reverse("billing:invoices", args=[organization.pk])
    with page.expect_navigation():
        page.locator(f"main .org-nav a[href='{invoices_url}']").click()
    invoice_create_url = reverse("billing:invoice_create", args=[organization.pk])
    with page.expect_navigation():
        page.locator(f"main a[href='{invoice_create_url}']").click()
    expect(page).to_have_url(path_is(invoice_create_url))
    invoice_form = "main form[method=post]:has(select[name=membership])"
    expect(page.locator("main [role=alert]")).to_have_count(0)  # it has a bank account
    page.select_option(f"{invoice_form} select[name=membership]", str(membership.pk))
    expect(page.locator(f"{invoice_form} input[name=issue_date]")).to_have_value(today.isoformat())
    due_date = today + datetime.timedelta(days=14)
    page.fill(f"{invoice_form} input[name=due_date]", due_date.isoformat())
    page.select_option(f"{invoice_form} select[name='lines-0-product']", str(product.pk))
    page.fill(f"{invoice_form} input[name='lines-0-quantity']", "2")
    # The form's last submit button creates the invoice; the first one only adds rows.
    press(page, page.locator(f"{invoice_form} button[type=submit]:not([name=add_lines])"))

    invoice = Invoice.objects.get(organization=organization)
    assert invoice.status == Invoice.Status.DRAFT
    assert invoice.membership == membership
    assert invoice.recipient_email == MEMBER_EMAIL
    assert invoice.issue_date == today
    assert invoice.due_date == due_date
    assert invoice.iban == IBAN
    assert invoice.total == TOTAL
    assert invoice.amount_due == TOTAL
    assert invoice.sent_at is None
    (line,) = invoice.lines.all()
    assert line.product == product
    assert line.description == PRODUCT_NAME
    assert line.quantity == QUANTITY
    assert line.unit_price == UNIT_PRICE
    assert line.vat_rate == Decimal(VatRate.STANDARD)
    assert line.gross == TOTAL
    assert mailoutbox == []  # a draft is not mailed

    invoice_url = reverse("billing:invoice", args=[organization.pk, invoice.pk])
    expect(page).to_have_url(path_is(invoice_url))
    expect(page.locator("main h1")).to_have_text("Laskuluonnos")  # no number before it is sent
    expect(page.locator("main .message-success")).to_have_count(1)
    expect(page.locator("main")).to_contain_text(format_eur(TOTAL))

    # Send it: the mail with the PDF goes to the member once the send is committed.
    send_url = reverse("billing:invoice_send", args=[organization.pk, invoice.pk])
    send_form = f"main form[action='{send_url}']"
    expect(page.locator(send_form)).to_have_count(1)
    submit(page, send_form)
    expect(page).to_have_url(path_is(invoice_url))
    expect(page.locator("main .message-success")).to_contain_text(MEMBER_EMAIL)
    expect(page.locator(send_form)).to_have_count(0)  # a sent invoice is not sent again

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SENT
    assert invoice.number is not None and invoice.reference  # given when it was sent
    expect(page.locator("main h1")).to_contain_text(f"Lasku {invoice.number}")
    assert invoice.sent_at is not None  # the task ran on commit, in-process
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [MEMBER_EMAIL]
    assert str(invoice.number) in message.subject
    assert ORGANIZATION_NAME in message.subject
    (attachment,) = message.attachments
    assert attachment.filename.endswith(f"-{invoice.number}.pdf")
    assert attachment.mimetype == "application/pdf"
    assert attachment.content.startswith(b"%PDF")
    member_invoice_url = reverse("billing:my_invoice", args=[invoice.pk])
    assert f"{live_server.url}{member_invoice_url}" in message.body
    assert numbers.reference_format(invoice.reference) in message.body

    # The member, in a browser of their own, signs in and opens their invoices.
    member_errors: list[str] = []
    member_context = new_context()
    member_context.set_default_timeout(5_000)
    watch_console(member_context, member_errors)
    member_page = member_context.new_page()
    sign_in(member_page, MEMBER_EMAIL)
    my_invoices_url = reverse("billing:my_invoices")
    with member_page.expect_navigation():
        member_page.locator(f".site-header a[href='{my_invoices_url}']").click()
    expect(member_page).to_have_url(path_is(my_invoices_url))
    expect(member_page.locator("html")).to_have_attribute("lang", "fi")
    rows = member_page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    row = rows.first
    invoice_link = row.locator(f"a[href='{member_invoice_url}']")
    expect(invoice_link).to_contain_text(str(invoice.number))
    expect(row).to_contain_text(ORGANIZATION_NAME)
    expect(row).to_contain_text(f"{due_date.day}.{due_date.month}.{due_date.year}")
    expect(row.locator("td.num")).to_have_text([format_eur(TOTAL), format_eur(TOTAL)])
    my_pdf_url = reverse("billing:my_invoice_pdf", args=[invoice.pk])
    expect(row.locator(f"a[href='{my_pdf_url}']")).to_have_count(1)

    # The printable invoice shows the number, the reference and the virtual barcode.
    with member_page.expect_navigation():
        invoice_link.click()
    expect(member_page).to_have_url(path_is(member_invoice_url))
    expect(member_page.locator("html")).to_have_attribute("lang", "fi")
    sheet = member_page.locator("article.sheet")
    expect(sheet.locator(".invoice-number")).to_have_text(str(invoice.number))
    references = sheet.locator("dd.reference")
    expect(references).to_have_count(2)  # the heading's and the payment details'
    for shown in references.all_inner_texts():
        assert shown.replace(" ", "") == invoice.reference, shown
    expect(references.first).to_have_text(numbers.reference_format(invoice.reference))
    expect(sheet.locator(".iban")).to_have_text("FI21 1234 5600 0007 85")
    expect(sheet.locator(".amount-due").first).to_have_text(format_eur(TOTAL))

    barcode = sheet.locator(".barcode code").inner_text().strip()
    assert re.fullmatch(r"\d{54}", barcode), barcode
    # Version 4 (a national reference), the account without "FI", the amount in euros and
    # cents, "000" and the reference padded to 20 digits, the due date as YYMMDD.
    assert barcode == (
        "4"
        + IBAN[2:]
        + f"{int(TOTAL * 100):08d}"
        + "000"
        + invoice.reference.zfill(20)
        + due_date.strftime("%y%m%d")
    )
    assert barcode == numbers.virtual_barcode(
        iban=invoice.iban,
        amount=invoice.amount_due,
        reference=invoice.reference,
        due_date=invoice.due_date,
    )

    # Its PDF link answers with the PDF, in the member's session.
    pdf_link = member_page.locator(f"a[href='{my_pdf_url}']")
    expect(pdf_link).to_have_count(1)
    pdf_url = f"{live_server.url}{pdf_link.get_attribute('href')}"
    assert urlsplit(pdf_url).path == my_pdf_url
    response = member_context.request.get(pdf_url)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    # Nothing here changed the invoice or the membership.
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SENT
    assert Membership.objects.get(pk=membership.pk).status == Membership.Status.ACTIVE
    assert len(mailoutbox) == 1

    assert console_errors == []
    assert member_errors == []
