"""Payments matched to invoices by hand, and matches undone: each logged as a PaymentEvent.

A match counts the payment towards the invoice; undoing it takes the amount off the
invoice again (its status follows what is then paid) and leaves the payment unmatched,
to be matched to the right invoice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.services import RuleError

from . import states
from .models import Invoice, Payment, PaymentEvent
from .services import as_actor, invoice_apply_payment

if TYPE_CHECKING:
    from accounts.models import User


@as_actor
@transaction.atomic
def payment_match(*, payment: Payment, invoice: Invoice, actor: User | None) -> Payment:
    """Attach an unmatched payment to an invoice by hand."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.invoice_id is not None:
        raise RuleError(_("The payment is already matched."))
    if invoice.organization_id != payment.organization_id:
        raise RuleError(_("The invoice belongs to another organization."))
    states.require(invoice, states.Action.MATCH_PAYMENT)
    payment.invoice = invoice
    payment.matched_at = timezone.now()
    payment.recorded_by = payment.recorded_by or actor
    payment.save(update_fields=["invoice", "matched_at", "recorded_by"])
    invoice_apply_payment(invoice, payment.amount)
    PaymentEvent.objects.create(
        payment=payment,
        invoice=invoice,
        kind=PaymentEvent.Kind.MATCHED,
        amount=payment.amount,
        actor=actor,
    )
    return payment


@as_actor
@transaction.atomic
def payment_unmatch(*, payment: Payment, actor: User | None) -> Payment:
    """Undo a payment's match: the invoice no longer counts it, the payment waits unmatched."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.invoice_id is None:
        raise RuleError(_("The payment is not matched to an invoice."))
    invoice = Invoice.objects.get(pk=payment.invoice_id)
    payment.invoice = None
    payment.matched_at = None
    payment.save(update_fields=["invoice", "matched_at"])
    # The same path as a payment, with the amount taken off: the status follows.
    invoice_apply_payment(invoice, -payment.amount)
    PaymentEvent.objects.create(
        payment=payment,
        invoice=invoice,
        kind=PaymentEvent.Kind.UNMATCHED,
        amount=payment.amount,
        actor=actor,
    )
    return payment
