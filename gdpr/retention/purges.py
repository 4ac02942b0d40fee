"""The scheduled end of accounting vouchers and of what an erasure kept
(``gdpr.retention.jobs`` runs these daily, each run logged, one at a time under an advisory lock):

- accounting vouchers past their retain-until date — an invoice with its lines,
  reminders, payments and credit note, once every one of them is past its date — if the
  invoice is settled (paid, credited or cancelled; an open claim is still needed to
  collect it) or its recipient was erased; payments never matched to an invoice, past
  their date;
- then the anonymised memberships nothing points at any more (an ended membership that
  only the vouchers kept goes with ``organizations.ended_memberships``, which runs after);
- consents kept as proof, past the end of their proof period;
- closed requests of people without an account, past the proof period: the facts stay,
  who asked and what they wrote go;
- access exports whose download link has expired (also hourly).

Each job is idempotent (what it deletes is gone; a second run finds nothing) and locks the
rows it takes with ``SKIP LOCKED``, so even two runs that got past the job lock (or a run
of the memberships job in ``organizations``) never purge a row twice or wait on each
other. Values the audit trail recorded about purged rows are blanked with them.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gdpr.audit import audit_blank, audit_suppressed
from gdpr.correspondence import forget_mail_about
from gdpr.models import Consent
from gdpr.retention.jobs import RetentionJob, register_job, run_job

VOUCHERS_JOB = "gdpr.vouchers_past_retention"
CONSENTS_JOB = "gdpr.consent_proofs"
EXPORTS_JOB = "gdpr.expired_exports"
REQUESTS_JOB = "gdpr.unlinked_requests"


def _add(counts: dict[str, int], deleted: tuple[int, dict[str, int]]) -> None:
    for label, n in deleted[1].items():
        if n:
            counts[label] = counts.get(label, 0) + n


def _erased_memberships():
    """Memberships an erasure anonymised: no person, no name, no address."""
    from organizations.models import Membership

    return Membership.objects.filter(
        user__isnull=True, name="", email="", status=Membership.Status.ENDED
    )


def purge_vouchers_past_retention(now: datetime.datetime) -> dict[str, int]:
    """Vouchers past their date (settled ones, and every one of an erased person), then
    the memberships an erasure left empty."""
    from billing.models import Invoice, Payment

    settled = Q(
        status__in=[Invoice.Status.PAID, Invoice.Status.CREDITED, Invoice.Status.CANCELLED]
    ) | Q(credit_note_for__isnull=False)
    today = now.date()
    counts: dict[str, int] = {}
    with audit_suppressed():
        due = (
            Invoice.objects.filter(retain_until__lt=today)
            .filter(settled | Q(membership__in=_erased_memberships()))
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
        ids = [
            pk
            for pk, credited in locked.items()
            if credited is not None or credit_notes.get(pk, pk) in locked
        ]
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

        empty = (
            _erased_memberships()
            # Kept vouchers and contracts protect their membership.
            .exclude(invoices__isnull=False)
            .exclude(contracts__isnull=False)
            .select_for_update(skip_locked=True, of=("self",))
        )
        memberships = list(empty.values_list("pk", flat=True))
        model = empty.model
        _add(counts, model.objects.filter(pk__in=memberships).delete())
        audit_blank("organizations.membership", memberships)
    return counts


def purge_consent_proofs(now: datetime.datetime) -> dict[str, int]:
    """Consents of erased people past the end of their proof period."""
    counts: dict[str, int] = {}
    with audit_suppressed():
        due = Consent.objects.filter(
            keep_until__lt=now.date(), user__isnull=True
        ).select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True))
        _add(counts, Consent.objects.filter(pk__in=ids).delete())
        audit_blank("gdpr.consent", ids)
    return counts


def _unlinked_requests_past_period(now: datetime.datetime):
    """Closed requests of people without an account, past the proof period, that still
    hold something about the person."""
    from gdpr import declarations as registry
    from gdpr.models import DataSubjectRequest

    years = settings.PRIVACY_REQUEST_RETENTION_YEARS
    try:
        cutoff = now.replace(year=now.year - years)
    except ValueError:  # 29 February
        cutoff = now.replace(year=now.year - years, day=28)
    holds_something = Q()
    for name in registry.entry_for(DataSubjectRequest).erasure.fields:
        if name not in ("subject", "marketing_channels"):
            holds_something |= ~Q(**{name: ""})
    return DataSubjectRequest.objects.filter(subject__isnull=True, closed_at__lt=cutoff).filter(
        holds_something
    )


def anonymise_unlinked_requests(now: datetime.datetime) -> dict[str, int]:
    """A request that never reached an account (a letter from someone not in the register)
    keeps who asked and what for as long as it may be needed to show it was handled; then
    it keeps the facts only (kind, dates, outcome), like the request of an erased person:
    the registry's erasure of requests and their steps, applied to these rows."""
    from gdpr import declarations as registry
    from gdpr.erasure.services import anonymise_rows, delete_files_on_commit
    from gdpr.models import DataSubjectRequest, RequestEvent

    files: list[tuple] = []
    with audit_suppressed():
        due = _unlinked_requests_past_period(now).select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True))
        if not ids:
            return {}
        # The mail sent about them (acknowledgement, answer) holds the address too.
        forget_mail_about(related=list(DataSubjectRequest.objects.filter(pk__in=ids)))
        anonymise_rows(registry.entry_for(DataSubjectRequest), ids, files)
        steps = list(RequestEvent.objects.filter(request__in=ids).values_list("pk", flat=True))
        anonymise_rows(registry.entry_for(RequestEvent), steps, files)
        audit_blank("gdpr.datasubjectrequest", ids)
    delete_files_on_commit(files)
    return {"gdpr.DataSubjectRequest": len(ids)}


def purge_expired_exports(now: datetime.datetime) -> dict[str, int]:
    """Access exports whose download link has expired: the file goes, the row stays as
    the record that the request was answered."""
    from gdpr.exports.services import exports_purge_expired

    return {"gdpr.DataExport": exports_purge_expired(now)}


register_job(
    RetentionJob(
        name=EXPORTS_JOB,
        label=_("Data exports whose download link has expired"),
        run=purge_expired_exports,
    )
)
register_job(
    RetentionJob(
        name=VOUCHERS_JOB,
        label=_("Invoices and payments past their accounting retention date"),
        run=purge_vouchers_past_retention,
    )
)
register_job(
    RetentionJob(
        name=REQUESTS_JOB,
        label=_("Requests of people without an account, past the proof period"),
        run=anonymise_unlinked_requests,
    )
)
register_job(
    RetentionJob(
        name=CONSENTS_JOB,
        label=_("Consents of erased people kept as proof, past the proof period"),
        run=purge_consent_proofs,
    )
)


def retention_purge(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Both jobs once (logged like the scheduled runs); the counts per model."""
    counts: dict[str, int] = {}
    for name in (VOUCHERS_JOB, CONSENTS_JOB):
        counts.update(run_job(name, now=now).counts)
    return counts
