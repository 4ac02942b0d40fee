"""What erasing a person means to billing, declared to gdpr (``gdpr.api``).

An unpaid invoice handed over for debt collection is a legal claim (GDPR Art. 17(3)(e)):
the erasure erases everything else of the person and keeps, restricted, what the claim
needs (the invoice with its lines, reminders and payments, and the membership it was
billed to, with the member's name and address) until the invoice is paid, credited or
cancelled; gdpr's job ``gdpr.settled_claims`` then erases those too. The invoices
themselves are kept by the Accounting Act anyway (their registry entries say so).
The member's e-invoice address is not needed for a claim: its registry entry deletes it
with the rest (``personal_data.py``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext

from gdpr.api import Claim, ClaimRows, LegalClaims, register_legal_claims
from organizations.models import Membership

from .models import SETTLED_STATUSES, Invoice, InvoiceLine, Payment, Reminder

if TYPE_CHECKING:
    from accounts.models import User

CLAIM_PREFIX = "invoice:"


def _reason(number: int, organization: str, handed_over: object) -> str:
    return gettext(
        "Invoice %(number)s from %(organization)s was handed over for debt collection on"
        " %(date)s and is unpaid: the data needed to establish and defend the claim is"
        " kept until it is settled."
    ) % {
        "number": number,
        "organization": organization,
        "date": date_format(handed_over),
    }


# Lazy: the preview renders in the reader's language.
reason = lazy(_reason, str)


def _in_collection(user: User):
    return (
        Invoice.objects.filter(membership__user=user, collection_on__isnull=False)
        .exclude(status__in=SETTLED_STATUSES)
        .select_related("organization")
        .order_by("collection_on", "number")
    )


def claims_in_collection(user: User) -> list[Claim]:
    """A claim for each of the person's unsettled invoices in debt collection, with the
    rows it needs (a fixed number of queries, however many invoices)."""
    invoices = list(_in_collection(user))
    if not invoices:
        return []
    ids = [invoice.pk for invoice in invoices]

    def by_invoice(model) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        for pk, invoice_id in model.objects.filter(invoice__in=ids).values_list("pk", "invoice"):
            found.setdefault(invoice_id, []).append(pk)
        return found

    lines, reminders, payments = by_invoice(InvoiceLine), by_invoice(Reminder), by_invoice(Payment)
    return [
        Claim(
            key=f"{CLAIM_PREFIX}{invoice.pk}",
            reason=reason(invoice.number, invoice.organization.name, invoice.collection_on),
            rows=(
                ClaimRows(Invoice, (invoice.pk,)),
                ClaimRows(InvoiceLine, tuple(lines.get(invoice.pk, ()))),
                ClaimRows(Reminder, tuple(reminders.get(invoice.pk, ()))),
                ClaimRows(Payment, tuple(payments.get(invoice.pk, ()))),
                ClaimRows(Membership, (invoice.membership_id,)),
            ),
        )
        for invoice in invoices
    ]


def settled_claims(keys: Collection[str]) -> set[str]:
    """Of these claims, those whose invoice is settled (paid, credited, cancelled) or gone."""
    ids = {int(key.removeprefix(CLAIM_PREFIX)) for key in keys if key.startswith(CLAIM_PREFIX)}
    open_ids = set(
        Invoice.objects.filter(pk__in=ids)
        .exclude(status__in=SETTLED_STATUSES)
        .values_list("pk", flat=True)
    )
    return {key for key in keys if key.startswith(CLAIM_PREFIX)} - {
        f"{CLAIM_PREFIX}{pk}" for pk in open_ids
    }


register_legal_claims(
    LegalClaims(
        name="billing.debt_in_collection", claims=claims_in_collection, settled=settled_claims
    )
)
