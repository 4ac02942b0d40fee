"""The reference of a payment whose payer wrote it in the message instead of its field.

Many payers type the reference number into the free-text message (camt.054
``RmtInf/Ustrd``). When the structured reference is missing, a valid national or RF
reference found in the message is taken as the reference: the one that names one of the
organization's invoices, or else the only valid one the message holds (several
candidates and no invoice: someone has to look, so none is guessed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING

from . import numbers
from .camt054 import ReferencePayment
from .models import Invoice

if TYPE_CHECKING:
    from organizations.models import Organization


def national_form(reference: str) -> str:
    """The national reference an RF reference carries, or ``reference`` itself."""
    if reference.startswith("RF"):
        try:
            return numbers.rf_to_reference(reference)
        except ValueError:
            return reference
    return reference


def with_references_from_messages(
    organization: Organization, payments: Iterable[ReferencePayment]
) -> list[ReferencePayment]:
    """``payments``, those without a reference given the one their message holds (one query)."""
    payments = list(payments)
    candidates = {
        index: numbers.references_in_text(payment.message)
        for index, payment in enumerate(payments)
        if not payment.reference and payment.message
    }
    wanted = {national_form(ref) for refs in candidates.values() for ref in refs}
    known = (
        set(
            Invoice.objects.filter(organization=organization, reference__in=wanted).values_list(
                "reference", flat=True
            )
        )
        if wanted
        else set()
    )
    for index, found in candidates.items():
        naming_invoice = [ref for ref in found if national_form(ref) in known]
        if naming_invoice:
            chosen = naming_invoice[0]
        elif len({national_form(ref) for ref in found}) == 1:
            chosen = found[0]
        else:
            continue
        payments[index] = dataclasses.replace(payments[index], reference=chosen)
    return payments
