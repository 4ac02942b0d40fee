"""Payments matched by hand and undone (logged), references read from the payer's message,
and each payment's state: matched, unmatched, partial, overpaid."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from billing import matching, numbers, selectors, services
from billing.camt054 import parse_camt054
from billing.models import Invoice, Payment, PaymentEvent
from organizations.models import Membership, Organization
from organizations.services import RuleError
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .camt054_builder import build_camt054
from .factories import bank_account, invoice_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def admin(db) -> User:
    return UserFactory(first_name="Aila", last_name="Admin", preferred_language="en")


@pytest.fixture
def organization(admin) -> Organization:
    organization = organization_with_admin(admin, name="Malmin Ilmailukerho ry")
    bank_account(organization)
    return organization


@pytest.fixture
def membership(organization) -> Membership:
    return add_member(organization, UserFactory(first_name="Aino", last_name="Virtanen"))


def _unmatched(organization: Organization, amount: str = "50.00") -> Payment:
    return services.payment_record(
        organization=organization, amount=Decimal(amount), paid_on=TODAY, actor=None
    )


def _import(organization: Organization, payments: list[dict]) -> services.ImportSummary:
    data = build_camt054(account_iban=organization.bank_accounts.get().iban, payments=payments)
    return services.payments_import(organization=organization, data=data, actor=None)


# --- Matching by hand and undoing it ----------------------------------------------------------


def test_a_match_and_its_undoing_are_logged_and_the_amounts_reversed(
    organization, membership, admin
):
    invoice = invoice_for(membership, send=True)  # 125.50
    payment = _unmatched(organization, "125.50")

    matching.payment_match(payment=payment, invoice=invoice, actor=admin)
    invoice.refresh_from_db()
    assert (invoice.paid_amount, invoice.status) == (Decimal("125.50"), Invoice.Status.PAID)

    matching.payment_unmatch(payment=payment, actor=admin)
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.paid_amount == Decimal("0.00")
    assert invoice.status in {Invoice.Status.SENT, Invoice.Status.OVERDUE}
    assert (payment.invoice_id, payment.matched_at) == (None, None)

    events = list(PaymentEvent.objects.filter(payment=payment).order_by("id"))
    assert [(e.kind, e.invoice_id, e.amount, e.actor) for e in events] == [
        (PaymentEvent.Kind.MATCHED, invoice.pk, Decimal("125.50"), admin),
        (PaymentEvent.Kind.UNMATCHED, invoice.pk, Decimal("125.50"), admin),
    ]
    with pytest.raises(RuleError):
        matching.payment_unmatch(payment=payment, actor=admin)


def test_undoing_a_match_leaves_the_other_payments_of_the_invoice(organization, membership):
    invoice = invoice_for(membership, send=True)
    services.payment_record(
        organization=organization,
        invoice=invoice,
        amount=Decimal("25.50"),
        paid_on=TODAY,
        actor=None,
    )
    wrong = _unmatched(organization, "100.00")
    matching.payment_match(payment=wrong, invoice=invoice, actor=None)
    matching.payment_unmatch(payment=wrong, actor=None)
    invoice.refresh_from_db()
    assert (invoice.paid_amount, invoice.status) == (
        Decimal("25.50"),
        Invoice.Status.PARTIALLY_PAID,
    )


def test_undoing_a_match_keeps_an_invoice_in_collection_there(organization, membership):
    past = TODAY - datetime.timedelta(days=30)
    invoice = invoice_for(membership, send=True, issue_date=past, due_date=past)
    services.invoice_hand_over_to_collection(
        invoice=invoice, handed_over_on=TODAY, agency="Perintä Oy", actor=None
    )
    payment = _unmatched(organization, "125.50")
    matching.payment_match(payment=payment, invoice=invoice, actor=None)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    matching.payment_unmatch(payment=payment, actor=None)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.IN_COLLECTION


def test_the_admin_undoes_a_match_after_a_confirmation_page(
    client, admin, organization, membership
):
    invoice = invoice_for(membership, send=True)
    payment = _unmatched(organization, "125.50")
    matching.payment_match(payment=payment, invoice=invoice, actor=admin)
    client.force_login(admin)
    url = reverse("billing:payment_unmatch", args=[organization.pk, payment.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert f"invoice {invoice.number}" in page.content.decode()
    client.post(url, {})  # not confirmed: nothing happens
    payment.refresh_from_db()
    assert payment.invoice_id == invoice.pk

    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.invoice_id is None
    history = client.get(response["Location"]).content.decode()
    assert "Match undone" in history and "Aila Admin" in history


# --- References in the payer's message --------------------------------------------------------


def test_it_finds_references_written_in_a_message():
    assert numbers.references_in_text("Viite: 10074, kiitos") == ["10074"]
    assert "10074" in numbers.references_in_text("Viitenumero 1 0074 jäsenmaksu")
    rf = numbers.rf_from_reference("10074")
    assert numbers.references_in_text(f"ref {rf[:4]} {rf[4:]} / Aino")[0] == rf
    assert numbers.references_in_text("Jäsenmaksu Aino Virtanen") == []


def test_a_reference_in_the_message_matches_the_invoice_on_import(organization, membership):
    invoice = invoice_for(membership, send=True)
    rf_invoice = invoice_for(membership, send=True)
    rf = numbers.rf_format(numbers.rf_from_reference(rf_invoice.reference))
    payments = [
        {
            "amount": Decimal("125.50"),
            "message": f"Jäsenmaksu, viite {numbers.reference_format(invoice.reference)} kiitos",
            "payer_name": "Aino Virtanen",
            "booking_date": TODAY,
        },
        {
            "amount": Decimal("125.50"),
            "message": f"Lasku {rf}",
            "payer_name": "Aino Virtanen",
            "booking_date": TODAY,
        },
        {
            "amount": Decimal("3.00"),
            "message": "Kahvikassa",
            "payer_name": "Olli Toinen",
            "booking_date": TODAY,
        },
    ]
    data = build_camt054(account_iban=organization.bank_accounts.get().iban, payments=payments)
    assert [p.reference for p in parse_camt054(data)] == ["", "", ""]  # no structured one
    summary = services.payments_import(organization=organization, data=data, actor=None)

    assert [p.invoice_id for p in summary.matched] == [invoice.pk, rf_invoice.pk]
    assert [p.message for p in summary.unmatched] == ["Kahvikassa"]
    first = Payment.objects.get(invoice=invoice)
    assert first.reference == invoice.reference
    assert first.message.startswith("Jäsenmaksu, viite")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_a_structured_reference_wins_over_the_message(organization, membership):
    invoice = invoice_for(membership, send=True)
    other = invoice_for(membership, send=True)
    summary = _import(
        organization,
        [
            {
                "amount": Decimal("125.50"),
                "reference": invoice.reference,
                "message": f"viite {other.reference}",
                "payer_name": "Aino",
                "booking_date": TODAY,
            }
        ],
    )
    assert [p.invoice_id for p in summary.matched] == [invoice.pk]


# --- Partial and overpaid payments, the payments list ------------------------------------------


def test_partial_and_overpaid_payments_show_their_state(client, admin, organization, membership):
    partial = invoice_for(membership, send=True)
    overpaid = invoice_for(membership, send=True)
    exact = invoice_for(membership, send=True)
    for invoice, amount in ((partial, "50.00"), (overpaid, "150.00"), (exact, "125.50")):
        services.payment_record(
            organization=organization,
            invoice=invoice,
            amount=Decimal(amount),
            paid_on=TODAY,
            actor=None,
        )
    loose = _unmatched(organization, "7.00")
    partial.refresh_from_db()
    overpaid.refresh_from_db()
    assert partial.status == Invoice.Status.PARTIALLY_PAID
    assert partial.amount_due == Decimal("75.50")
    assert overpaid.status == Invoice.Status.PAID
    assert overpaid.amount_owed_back == Decimal("24.50")

    states = {
        p.invoice_id: p.state
        for p in selectors.payments_for_organization(organization=organization)
    }
    assert states == {
        partial.pk: Payment.State.PARTIAL,
        overpaid.pk: Payment.State.OVERPAID,
        exact.pk: Payment.State.MATCHED,
        None: Payment.State.UNMATCHED,
    }

    client.force_login(admin)
    url = reverse("billing:payments", args=[organization.pk])
    for state, expected in (
        ("overpaid", overpaid.pk),
        ("partial", partial.pk),
        ("matched", exact.pk),
        ("unmatched", None),
    ):
        page = client.get(url, {"show": state}).context["page"]
        assert [p.invoice_id for p in page] == [expected], state
    listing = client.get(url).content.decode()
    assert "24,50\N{NO-BREAK SPACE}€ owed back" in listing
    detail = client.get(reverse("billing:invoice", args=[organization.pk, overpaid.pk]))
    assert "Owed back to the payer" in detail.content.decode()
    assert loose.invoice_id is None


def test_the_payments_list_runs_the_same_queries_for_1_or_40_payments(
    client, admin, organization, membership, django_assert_max_num_queries
):
    client.force_login(admin)
    url = reverse("billing:payments", args=[organization.pk])
    invoice = invoice_for(membership, send=True)
    services.payment_record(
        organization=organization, invoice=invoice, amount=Decimal(1), paid_on=TODAY, actor=None
    )
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for n in range(20):
        other = invoice_for(membership, send=True)
        # Partly paid and overpaid rows alike: an overpaid row shows what is owed back, from
        # the invoice's totals read with the page, not one query a row.
        services.payment_record(
            organization=organization,
            invoice=other,
            amount=Decimal(1) if n % 2 else Decimal(5000),
            paid_on=TODAY,
            actor=None,
        )
        _unmatched(organization, "2.00")
    with django_assert_max_num_queries(len(few.captured_queries)):
        listing = client.get(url).content.decode()
    assert listing.count("owed back") == 10
