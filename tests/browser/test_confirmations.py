"""An admin ends a membership and credits an invoice in a real browser: each button leads to
a page saying what will happen, nothing happens until it is confirmed there, and the pages
keep to the strict CSP."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from billing.models import Invoice
from organizations.models import Membership
from tests.billing.factories import bank_account, invoice_for
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .conftest import submit

ADMIN = "aila.admin@example.fi"


@pytest.fixture
def club(db):
    admin = UserFactory(email=ADMIN, preferred_language="en")
    club = organization_with_admin(admin, name="Kotkan Lentokerho ry")
    bank_account(club)
    return club


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_admin_ends_a_membership_after_reading_what_ends(
    page: Page, live_server, log_in, console_errors, club
):
    user = UserFactory(first_name="Mikko", last_name="Korhonen")
    membership = add_member(club, user, member_number="321")
    log_in(ADMIN)

    page.goto(reverse("organizations:member", args=[club.pk, membership.pk]))
    with page.expect_navigation():
        page.get_by_role("link", name="End membership").click()
    expect(page.locator("main h1")).to_contain_text("Mikko Korhonen")
    expect(page.locator("main")).to_contain_text("ends today")
    expect(page.locator("main")).to_contain_text("This cannot be undone")
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE  # reading it ended nothing

    submit(page, "main form.confirm-form")
    expect(page.locator(".messages")).to_contain_text("The membership was ended.")
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ENDED
    assert console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_admin_credits_an_invoice_after_reading_what_it_does(
    page: Page, live_server, log_in, console_errors, club
):
    membership = add_member(
        club, UserFactory(first_name="Aino", last_name="Virtanen"), member_number="17"
    )
    invoice = invoice_for(membership, send=True)
    log_in(ADMIN)

    page.goto(reverse("billing:invoice", args=[club.pk, invoice.pk]))
    page.locator("details.action-form summary", has_text="Credit").click()
    page.fill("textarea[name=reason]", "Tuplalaskutus")
    with page.expect_navigation():
        page.get_by_role("button", name="Credit the invoice").click()
    expect(page.locator("main")).to_contain_text(f"Invoice {invoice.number} to Aino Virtanen")
    expect(page.locator("main")).to_contain_text("This cannot be undone")
    expect(page.locator("textarea[name=reason]")).to_have_value("Tuplalaskutus")
    assert not Invoice.objects.filter(credit_note_for=invoice).exists()

    submit(page, "main form.confirm-form")
    expect(page.locator(".messages")).to_contain_text("The invoice was credited")
    credit_note = Invoice.objects.get(credit_note_for=invoice)
    assert credit_note.notes == "Tuplalaskutus"
    assert console_errors == []
