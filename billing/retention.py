"""Retention of billing's data.

- Contracts: a contract lives as long as the membership it belongs to; once the
  membership's settling period has passed, its terminated contracts go (the invoices they
  produced are vouchers with their own retention date).
- E-invoice addresses: go with the contracts, once the membership's settling period has
  passed (the invoices sent to them keep what they were sent as).
- Accounting vouchers past their retain-until date: an invoice with its lines, reminders,
  payments and credit note, once every one of them is past its date, if the invoice is
  settled (paid, credited or cancelled; an open claim is still needed to collect it) or
  its recipient was erased; payments never matched to an invoice, past their date.
- Drafts never sent: not vouchers (nothing was sent, no number was given), so they go
  ``DRAFT_INVOICE_RETENTION_DAYS`` after they were written.

Both run before organizations' purges of memberships: a kept voucher or contract protects
its membership, so the membership can go in the same run once they are gone (an erased
one with ``organizations.erased_memberships``, an ended one with
``organizations.ended_memberships``).

The voucher purge locks the rows it takes with ``SKIP LOCKED``, so even two runs that got
past the job lock never purge a row twice or wait on each other. Values the audit trail
recorded about purged rows are blanked with them.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gdpr.api import RetentionJob, audit_blank, audit_suppressed, register_job
from organizations.retention import ENDED_MEMBERSHIPS_JOB, ERASED_MEMBERSHIPS_JOB, ended_memberships
from organizations.selectors import anonymised_memberships

from .models import SETTLED_STATUSES, Contract, ContractEvent, EInvoiceAddress, Invoice, Payment

CONTRACTS_JOB = "billing.contracts_of_ended_memberships"
# The name it had when gdpr ran this purge: the logged runs (RetentionRun) and the admin's
# alert about failing jobs refer to jobs by name.
VOUCHERS_JOB = "gdpr.vouchers_past_retention"
DRAFTS_JOB = "billing.abandoned_drafts"


def purge_contracts_of_ended_memberships(now: datetime.datetime) -> dict[str, int]:
    contracts = Contract.objects.filter(membership__in=ended_memberships(now)).filter(
        Q(terminated_on__isnull=True) | Q(terminated_on__lt=now.date())
    )
    events = ContractEvent.objects.filter(contract__in=contracts).delete()[0]
    counts = {
        "billing.ContractEvent": events,
        "billing.Contract": contracts.delete()[0],
    }
    addresses = EInvoiceAddress.objects.filter(membership__in=ended_memberships(now)).delete()[0]
    if addresses:
        counts["billing.EInvoiceAddress"] = addresses
    return counts


def _add(counts: dict[str, int], deleted: tuple[int, dict[str, int]]) -> None:
    for label, n in deleted[1].items():
        if n:
            counts[label] = counts.get(label, 0) + n


def _invoices_due(today: datetime.date) -> list[int]:
    """Locks and returns the invoices past their date whose payments and credit note are
    too, settled or of an erased person; an invoice and its credit note go together."""
    settled = Q(status__in=SETTLED_STATUSES) | Q(credit_note_for__isnull=False)
    due = (
        Invoice.objects.filter(retain_until__lt=today)
        .filter(settled | Q(membership__in=anonymised_memberships()))
        .exclude(payments__retain_until__gte=today)
        .exclude(credit_note__retain_until__gte=today)
        .select_for_update(skip_locked=True, of=("self",))
    )
    locked = dict(due.values_list("pk", "credit_note_for_id"))
    # An original whose credit note another run holds waits for the next run.
    credit_notes = dict(
        Invoice.objects.filter(credit_note_for__in=list(locked)).values_list(
            "credit_note_for_id", "pk"
        )
    )
    return [
        pk
        for pk, credited in locked.items()
        if credited is not None or credit_notes.get(pk, pk) in locked
    ]


def purge_vouchers_past_retention(now: datetime.datetime) -> dict[str, int]:
    """Vouchers past their date: settled ones, and every one of an erased person."""
    today = now.date()
    counts: dict[str, int] = {}
    with audit_suppressed():
        ids = _invoices_due(today)
        payments = list(
            Payment.objects.filter(
                Q(invoice__in=ids) | Q(invoice__isnull=True, retain_until__lt=today)
            )
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        _add(counts, Payment.objects.filter(pk__in=payments).delete())
        # Credit notes first: each protects the invoice it credits.
        _add(counts, Invoice.objects.filter(pk__in=ids, credit_note_for__isnull=False).delete())
        _add(counts, Invoice.objects.filter(pk__in=ids).delete())
        audit_blank("billing.payment", payments)
        audit_blank("billing.invoice", ids)
    return counts


def purge_abandoned_drafts(now: datetime.datetime) -> dict[str, int]:
    """Drafts written longer ago than the period and never sent, with their lines."""
    cutoff = now - datetime.timedelta(days=settings.DRAFT_INVOICE_RETENTION_DAYS)
    counts: dict[str, int] = {}
    with audit_suppressed():
        ids = list(
            Invoice.objects.filter(status=Invoice.Status.DRAFT, created_at__lt=cutoff)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        _add(counts, Invoice.objects.filter(pk__in=ids).delete())
        audit_blank("billing.invoice", ids)
    return counts


register_job(
    RetentionJob(
        name=CONTRACTS_JOB,
        label=_("Contracts of memberships whose settling period has passed"),
        run=purge_contracts_of_ended_memberships,
        before=(ENDED_MEMBERSHIPS_JOB,),
    )
)
register_job(
    RetentionJob(
        name=VOUCHERS_JOB,
        label=_("Invoices and payments past their accounting retention date"),
        run=purge_vouchers_past_retention,
        before=(ERASED_MEMBERSHIPS_JOB, ENDED_MEMBERSHIPS_JOB),
    )
)
register_job(
    RetentionJob(
        name=DRAFTS_JOB,
        label=_("Invoice drafts never sent"),
        run=purge_abandoned_drafts,
        before=(ERASED_MEMBERSHIPS_JOB, ENDED_MEMBERSHIPS_JOB),
    )
)
