"""The invoice's state machine: the table (every action in every status), and that the
services refuse, and the organization's page offers, exactly what the table allows."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from billing import services, states
from billing.models import SETTLED_STATUSES, Invoice
from billing.states import Action
from organizations.models import Membership, Organization
from organizations.services import RuleError
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .factories import invoice_for, line

S = Invoice.Status

# Written out by hand, not derived: a change to the rules shows here.
# For an invoice (not a credit note) with nothing paid, past its due date.
EXPECTED: dict[Action, set[str]] = {
    Action.SEND: {S.DRAFT},
    Action.EDIT: {S.DRAFT},
    Action.DISCARD: {S.DRAFT},
    Action.REMIND: {S.SENT, S.PARTIALLY_PAID, S.OVERDUE},
    Action.COLLECT: {S.SENT, S.PARTIALLY_PAID, S.OVERDUE},
    Action.CREDIT: {S.SENT, S.PARTIALLY_PAID, S.PAID, S.OVERDUE, S.IN_COLLECTION},
    Action.RECORD_PAYMENT: {S.SENT, S.PARTIALLY_PAID, S.OVERDUE, S.IN_COLLECTION},
    Action.MATCH_PAYMENT: set(S),
    Action.MARK_OVERDUE: {S.SENT, S.PARTIALLY_PAID},
}
PAST = datetime.date(2026, 1, 1)


def _invoice(status: str, **fields) -> Invoice:
    """An unsaved invoice: the table needs no database."""
    data = {
        "status": status,
        "due_date": timezone.localdate() - datetime.timedelta(days=1),
        "total": Decimal("100.00"),
        "paid_amount": Decimal("0.00"),
        **fields,
    }
    return Invoice(**data)


def test_every_action_has_a_rule_and_the_expected_table_covers_them():
    assert set(states.RULES) == set(Action) == set(EXPECTED)


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", list(Action))
def test_the_table(action, status):
    invoice = _invoice(status)
    assert states.allows(invoice, action) is (status in EXPECTED[action])
    if status not in EXPECTED[action]:
        with pytest.raises(RuleError):
            states.require(invoice, action)


@pytest.mark.parametrize("status", list(S))
def test_a_credit_note_is_neither_credited_nor_paid(status):
    credit_note = _invoice(status, credit_note_for_id=1)
    for action in (Action.CREDIT, Action.RECORD_PAYMENT, Action.MATCH_PAYMENT):
        assert not states.allows(credit_note, action)
    assert not states.is_payable(credit_note)


def test_a_draft_is_edited_or_discarded_not_credited():
    draft = _invoice(S.DRAFT)
    assert states.refusal(draft, Action.CREDIT) == states.RULES[Action.CREDIT].draft_refusal
    assert states.available_actions(draft) == {
        "send": True,
        "edit": True,
        "discard": True,
        "credit": False,
        "reminder": False,
        "collection": False,
        "payment": False,
    }
    assert not states.is_payable(draft)


def test_a_draft_with_money_counted_towards_it_is_not_discarded():
    draft = _invoice(S.DRAFT, paid_amount=Decimal("1.00"))
    assert states.refusal(draft, Action.DISCARD) == states.RULES[Action.DISCARD].paid_refusal
    assert states.allows(draft, Action.EDIT)


@pytest.mark.parametrize("status", [S.SENT, S.OVERDUE, S.PARTIALLY_PAID])
def test_an_invoice_with_money_paid_is_not_credited(status):
    invoice = _invoice(status, paid_amount=Decimal("1.00"))
    assert not states.allows(invoice, Action.CREDIT)
    assert states.refusal(invoice, Action.CREDIT) == states.RULES[Action.CREDIT].paid_refusal


def test_collection_waits_for_the_due_date_unless_the_invoice_is_marked_overdue():
    today = timezone.localdate()
    for status in (S.SENT, S.PARTIALLY_PAID):
        not_due = _invoice(status, due_date=today)
        assert not states.allows(not_due, Action.COLLECT)
        # The handing-over date counts, not only today.
        due = _invoice(status, due_date=today - datetime.timedelta(days=3))
        assert states.allows(due, Action.COLLECT)
        assert not states.allows(due, Action.COLLECT, on=today - datetime.timedelta(days=5))
    assert states.allows(_invoice(S.OVERDUE, due_date=today), Action.COLLECT)


def test_the_status_sets_derive_from_the_settled_ones():
    assert {S.CREDITED, S.CANCELLED} == states.VOID_STATUSES
    assert states.VOID_STATUSES | {S.PAID} == SETTLED_STATUSES
    assert set(S) - {S.DRAFT, S.CREDITED, S.CANCELLED} == states.MAILABLE_STATUSES
    assert not states.UNPAID_STATUSES & SETTLED_STATUSES


@pytest.mark.parametrize(
    ("status", "paid", "total", "after"),
    [
        (S.DRAFT, "100.00", "100.00", S.DRAFT),
        (S.CREDITED, "100.00", "100.00", S.CREDITED),
        (S.CANCELLED, "100.00", "100.00", S.CANCELLED),
        (S.SENT, "100.00", "100.00", S.PAID),
        (S.IN_COLLECTION, "50.00", "100.00", S.IN_COLLECTION),
        (S.IN_COLLECTION, "100.00", "100.00", S.PAID),
        (S.SENT, "50.00", "100.00", S.PARTIALLY_PAID),
        (S.OVERDUE, "50.00", "100.00", S.PARTIALLY_PAID),
    ],
)
def test_the_status_after_a_payment(status, paid, total, after):
    invoice = _invoice(status, paid_amount=Decimal(paid), total=Decimal(total))
    assert states.status_after_payment(invoice, today=timezone.localdate()) == after


# --- The pages and the services agree with the table ------------------------------------------


@pytest.fixture
def admin(db) -> User:
    return UserFactory(email="rahastonhoitaja@example.fi")


@pytest.fixture
def organization(admin) -> Organization:
    return organization_with_admin(admin, name="Tilakerho ry")


@pytest.fixture
def membership(organization) -> Membership:
    return add_member(organization)


def _in_status(membership: Membership, status: str, actor: User) -> Invoice:
    """A past-due invoice forced into ``status`` (the table is what is under test)."""
    # Issued first unless a draft: only a draft is without a number.
    invoice = invoice_for(
        membership, due_date=PAST, issue_date=PAST, actor=actor, send=status != S.DRAFT
    )
    Invoice.objects.filter(pk=invoice.pk).update(status=status)
    invoice.refresh_from_db()
    return invoice


SERVICES = {
    Action.SEND: lambda invoice, actor: services.invoice_send(invoice=invoice, actor=actor),
    Action.EDIT: lambda invoice, actor: services.invoice_update(
        invoice=invoice,
        membership=invoice.membership,
        lines=[line("Muutettu rivi")],
        issue_date=PAST,
        due_date=PAST,
        actor=actor,
    ),
    Action.DISCARD: lambda invoice, actor: services.invoice_discard(invoice=invoice, actor=actor),
    Action.CREDIT: lambda invoice, actor: services.invoice_credit(invoice=invoice, actor=actor),
    Action.REMIND: lambda invoice, actor: services.reminder_record(
        invoice=invoice, sent_on=timezone.localdate(), fee=Decimal("5.00"), actor=actor
    ),
    Action.COLLECT: lambda invoice, actor: services.invoice_hand_over_to_collection(
        invoice=invoice, handed_over_on=timezone.localdate(), agency="Perintä Oy", actor=actor
    ),
    # Recording by hand is refused by the page (the service counts any money that came).
    Action.RECORD_PAYMENT: None,
    Action.MATCH_PAYMENT: lambda invoice, actor: services.payment_record(
        organization=invoice.organization,
        invoice=invoice,
        amount=Decimal("10.00"),
        paid_on=timezone.localdate(),
        actor=actor,
    ),
}


def _accepted(service, invoice: Invoice, actor: User) -> bool:
    try:
        with transaction.atomic():
            service(Invoice.objects.get(pk=invoice.pk), actor)
            transaction.set_rollback(True)
    except RuleError:
        return False
    return True


def _payment_recorded_by_page(client, invoice: Invoice) -> bool:
    with transaction.atomic():
        response = client.post(
            reverse("billing:invoice_payment", args=[invoice.organization_id, invoice.pk]),
            {"amount": "10,00", "paid_on": timezone.localdate().strftime("%d.%m.%Y")},
        )
        transaction.set_rollback(True)
    return response.status_code == 302


def test_every_action_of_the_page_is_tried():
    assert set(states.PAGE_ACTIONS) <= set(SERVICES)


@pytest.mark.parametrize("status", list(S))
def test_the_page_offers_what_the_services_accept(status, admin, membership, client):
    invoice = _in_status(membership, status, admin)
    offered = states.available_actions(invoice)
    client.force_login(admin)
    response = client.get(reverse("billing:invoice", args=[membership.organization_id, invoice.pk]))
    assert response.context["actions"] == offered
    for action, service in SERVICES.items():
        if service is None:
            accepted = _payment_recorded_by_page(client, invoice)
        else:
            accepted = _accepted(service, invoice, admin)
        assert accepted is (status in EXPECTED[action]), (action, status)
        if action in states.PAGE_ACTIONS:
            assert accepted is offered[action.value], (action, status)
