"""The invoice's state machine: which action is possible in which status, in one table.

The services refuse what the table does not allow (``require``), the organization's pages
offer what it allows (``available_actions``), the admin shows it, and the printable
document and the mailing ask it which invoices are payable or may be mailed. Nothing else
in billing lists statuses.

Recording a payment by hand is offered only for a sent invoice still to be paid
(``RECORD_PAYMENT``, checked by the page), while ``services.payment_record`` and the bank
file count money that has arrived towards any invoice but a credit note
(``MATCH_PAYMENT``): the money is there whatever the invoice's status.

An action is possible when the invoice's status is one of the action's statuses and its
guards pass: some actions are not for credit notes, some not once money has been paid, and
handing over to collection needs the due date to have passed (the daily job may not have
marked the invoice overdue yet).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from organizations.services import RuleError

from .models import SETTLED_STATUSES, Invoice

Status = Invoice.Status

ALL_STATUSES = frozenset(Status)
# Sent and not (fully) paid: what becomes "overdue" once the due date has passed.
UNPAID_STATUSES = frozenset({Status.SENT, Status.PARTIALLY_PAID, Status.OVERDUE})
# Settled without being paid (credited or cancelled): nothing on it is to be paid, ever.
VOID_STATUSES = SETTLED_STATUSES - {Status.PAID}
# Sent to the member, whatever happened since: a draft is not sent yet, and a void one
# must not be paid.
MAILABLE_STATUSES = ALL_STATUSES - {Status.DRAFT} - VOID_STATUSES


class Action(models.TextChoices):
    """What can happen to an invoice. The values are the keys the invoice page uses."""

    SEND = "send", _("Send")
    EDIT = "edit", _("Edit the draft")
    DISCARD = "discard", _("Discard the draft")
    REMIND = "reminder", _("Record a payment reminder")
    COLLECT = "collection", _("Hand over to collection")
    CREDIT = "credit", _("Credit the invoice")
    RECORD_PAYMENT = "payment", _("Record a payment")
    MATCH_PAYMENT = "match_payment", _("Match a payment")
    MARK_OVERDUE = "mark_overdue", _("Mark overdue")


@dataclass(frozen=True)
class Rule:
    """When an action is possible, and what the refusal says when it is not."""

    statuses: frozenset[str]
    refusal: str | Promise
    # The message for a credit note, when the action is not for credit notes.
    credit_note_refusal: str | Promise | None = None
    # The message once money has been paid, when the action needs none to have been.
    paid_refusal: str | Promise | None = None
    # The message for a draft, when the action is only for issued invoices.
    draft_refusal: str | Promise | None = None
    # Only once the due date has passed (by the action's date, or today).
    past_due: bool = False
    # The status the action leads to; None when it is left to ``status_after_payment``
    # (payments) or stays as it is (reminders).
    target: str | None = None


NOT_FOR_CREDIT_NOTES = _("A payment cannot be counted towards a credit note.")

RULES: dict[Action, Rule] = {
    Action.SEND: Rule(
        statuses=frozenset({Status.DRAFT}),
        refusal=_("Only a draft can be sent."),
        target=Status.SENT,
    ),
    # A draft has no number and has been shown to nobody: it may be changed or thrown away.
    # Once issued it is a voucher, and only a credit note cancels it.
    Action.EDIT: Rule(
        statuses=frozenset({Status.DRAFT}),
        refusal=_("Only a draft can be edited. To cancel an issued invoice, credit it."),
    ),
    Action.DISCARD: Rule(
        statuses=frozenset({Status.DRAFT}),
        refusal=_("Only a draft can be discarded. To cancel an issued invoice, credit it."),
        paid_refusal=_("A payment has been counted towards the draft: it cannot be discarded."),
    ),
    Action.REMIND: Rule(
        statuses=UNPAID_STATUSES,
        refusal=_("Only an unpaid sent invoice can be reminded of."),
    ),
    Action.COLLECT: Rule(
        statuses=UNPAID_STATUSES,
        refusal=_("Only an overdue invoice can be handed over to collection."),
        past_due=True,
        target=Status.IN_COLLECTION,
    ),
    Action.CREDIT: Rule(
        statuses=ALL_STATUSES - VOID_STATUSES - {Status.DRAFT},
        refusal=_("The invoice has already been credited or cancelled."),
        draft_refusal=_("A draft cannot be credited: edit it or discard it."),
        credit_note_refusal=_("A credit note cannot be credited."),
        paid_refusal=_("A paid invoice cannot be credited here: refund the payment first."),
        target=Status.CREDITED,
    ),
    Action.RECORD_PAYMENT: Rule(
        statuses=UNPAID_STATUSES | {Status.IN_COLLECTION},
        refusal=_("A payment can be recorded only for a sent invoice that is not paid yet."),
        credit_note_refusal=NOT_FOR_CREDIT_NOTES,
    ),
    # Money that has arrived is money that arrived: a bank payment may be counted towards
    # any invoice, even a paid or credited one (then it is to be refunded), never towards
    # a credit note.
    Action.MATCH_PAYMENT: Rule(
        statuses=ALL_STATUSES,
        refusal=NOT_FOR_CREDIT_NOTES,
        credit_note_refusal=NOT_FOR_CREDIT_NOTES,
    ),
    # The daily job: a sent invoice nothing has been paid of, past its due date.
    Action.MARK_OVERDUE: Rule(
        statuses=frozenset({Status.SENT, Status.PARTIALLY_PAID}),
        refusal=_("Only an unpaid sent invoice can become overdue."),
        paid_refusal=_("Only an unpaid sent invoice can become overdue."),
        past_due=True,
        target=Status.OVERDUE,
    ),
}

# Shown on the organization's invoice page, in this order.
PAGE_ACTIONS = (
    Action.SEND,
    Action.EDIT,
    Action.DISCARD,
    Action.CREDIT,
    Action.REMIND,
    Action.COLLECT,
    Action.RECORD_PAYMENT,
)


def refusal(
    invoice: Invoice, action: Action, *, on: datetime.date | None = None
) -> str | Promise | None:
    """Why ``action`` is not possible for ``invoice`` as it is now, or None when it is.

    ``on`` is the action's date (today unless told), for the actions that need the due
    date to have passed.
    """
    rule = RULES[action]
    if rule.credit_note_refusal is not None and invoice.is_credit_note:
        return rule.credit_note_refusal
    if rule.draft_refusal is not None and invoice.status == Status.DRAFT:
        return rule.draft_refusal
    if invoice.status not in rule.statuses:
        return rule.refusal
    if rule.paid_refusal is not None and invoice.paid_amount:
        return rule.paid_refusal
    if rule.past_due and not _past_due_for(invoice, action, on):
        return rule.refusal
    return None


def _past_due_for(invoice: Invoice, action: Action, on: datetime.date | None) -> bool:
    if action == Action.COLLECT and invoice.status == Status.OVERDUE:
        return True
    today = timezone.localdate()
    # Neither a date ahead of today nor one ahead of the action's date counts.
    return invoice.due_date < min(on or today, today)


def allows(invoice: Invoice, action: Action, *, on: datetime.date | None = None) -> bool:
    return refusal(invoice, action, on=on) is None


def require(invoice: Invoice, action: Action, *, on: datetime.date | None = None) -> None:
    """Raise ``RuleError`` with the table's message unless ``action`` is possible."""
    message = refusal(invoice, action, on=on)
    if message is not None:
        raise RuleError(str(message))


def available_actions(invoice: Invoice) -> dict[str, bool]:
    """The invoice page's actions (``{"send": True, ...}``) for the invoice as it is now."""
    return {action.value: allows(invoice, action) for action in PAGE_ACTIONS}


def target(action: Action) -> str:
    """The status ``action`` leads to (only for the actions that set one)."""
    status = RULES[action].target
    if status is None:
        raise ValueError(f"{action} sets no status of its own")
    return status


def is_past_due(invoice: Invoice, *, today: datetime.date | None = None) -> bool:
    """Unpaid and past its due date, whether or not the daily job has marked it yet."""
    today = today or timezone.localdate()
    return invoice.status in UNPAID_STATUSES and invoice.due_date < today


def is_payable(invoice: Invoice) -> bool:
    """Something may be paid on it: issued, not a credit note, nor one a credit note voids.

    A draft is not payable: it has no reference number yet, and may still change.
    """
    return (
        invoice.status != Status.DRAFT
        and not invoice.is_credit_note
        and invoice.status not in VOID_STATUSES
    )


def is_issued_and_payable(invoice: Invoice) -> bool:
    """Payable and issued: a draft is not to be paid yet, so it gets no giro form or barcode."""
    return is_payable(invoice) and invoice.status != Status.DRAFT


def is_mailable(invoice: Invoice) -> bool:
    """It has been sent, and may be mailed to the member; a credit note is mailed too (it
    is void from birth, but the member is to know the invoice was cancelled)."""
    return invoice.status in MAILABLE_STATUSES or (
        invoice.is_credit_note and invoice.status == Status.CREDITED
    )


def status_after_payment(invoice: Invoice, *, today: datetime.date) -> str:
    """The status once ``invoice.paid_amount`` holds what has been paid so far.

    A draft or a void invoice keeps its status (the money is to be looked at, or refunded);
    a debt in collection stays there until it is paid in full.
    """
    if invoice.status in VOID_STATUSES or invoice.status == Status.DRAFT:
        return invoice.status
    # Paid only once the reminder fees and the interest charged are paid too.
    if invoice.amount_due <= 0:
        return Status.PAID
    # Once handed over it stays in collection, also when a payment is matched away again.
    if invoice.status == Status.IN_COLLECTION or invoice.collection_on is not None:
        return Status.IN_COLLECTION
    if invoice.paid_amount > 0:
        return Status.PARTIALLY_PAID
    if invoice.due_date < today:
        return Status.OVERDUE
    return Status.SENT
