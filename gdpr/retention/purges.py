"""gdpr's own retention jobs: the scheduled end of what gdpr keeps (``gdpr.retention.jobs``
runs these daily, each run logged, one at a time under an advisory lock):

- consents kept as proof, past the end of their proof period;
- closed requests of people without an account, past the proof period: the facts stay,
  who asked and what they wrote go;
- access exports whose download link has expired (also hourly);
- database backups past ``BACKUP_RETENTION_DAYS`` (``gdpr.backups``), and the erasure
  ledger's copies in private storage that a crash left unwritten (``gdpr.ledger``).

The other apps register the purges of their own data in their ``retention`` module (the
accounting vouchers an erasure kept: ``billing.retention``; the memberships it left empty:
``organizations.retention``).

Each job is idempotent (what it deletes is gone; a second run finds nothing) and locks the
rows it takes with ``SKIP LOCKED``, so even two runs that got past the job lock never purge
a row twice or wait on each other. Values the audit trail recorded about purged rows are
blanked with them.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from gdpr.audit import audit_blank, audit_suppressed
from gdpr.backups import backups_prune
from gdpr.correspondence import forget_mail_about
from gdpr.declarations import entry_for
from gdpr.erasure.claims import erase_settled_claims
from gdpr.erasure.services import anonymise_rows, delete_files_on_commit
from gdpr.exports.services import exports_purge_expired
from gdpr.ledger import ledger_mirror_pending
from gdpr.models import Consent, DataSubjectRequest, RequestEvent
from gdpr.retention.jobs import RetentionJob, register_job

CONSENTS_JOB = "gdpr.consent_proofs"
EXPORTS_JOB = "gdpr.expired_exports"
REQUESTS_JOB = "gdpr.unlinked_requests"
SETTLED_CLAIMS_JOB = "gdpr.settled_claims"
BACKUPS_JOB = "gdpr.expired_backups"
LEDGER_COPIES_JOB = "gdpr.erasure_ledger_copies"


def purge_consent_proofs(now: datetime.datetime) -> dict[str, int]:
    """Consents of erased people past the end of their proof period."""
    with audit_suppressed():
        due = Consent.objects.filter(
            keep_until__lt=now.date(), user__isnull=True
        ).select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True))
        deleted = Consent.objects.filter(pk__in=ids).delete()[1]
        audit_blank("gdpr.consent", ids)
    return {label: n for label, n in deleted.items() if n}


def _unlinked_requests_past_period(now: datetime.datetime) -> QuerySet[DataSubjectRequest]:
    """Closed requests of people without an account, past the proof period, that still
    hold something about the person."""
    years = settings.PRIVACY_REQUEST_RETENTION_YEARS
    try:
        cutoff = now.replace(year=now.year - years)
    except ValueError:  # 29 February
        cutoff = now.replace(year=now.year - years, day=28)
    holds_something = Q()
    for name in entry_for(DataSubjectRequest).erasure.fields:
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
    files: list[tuple] = []
    with audit_suppressed():
        due = _unlinked_requests_past_period(now).select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True))
        if not ids:
            return {}
        # The mail sent about them (acknowledgement, answer) holds the address too.
        forget_mail_about(related=list(DataSubjectRequest.objects.filter(pk__in=ids)))
        anonymise_rows(entry_for(DataSubjectRequest), ids, files)
        steps = list(RequestEvent.objects.filter(request__in=ids).values_list("pk", flat=True))
        anonymise_rows(entry_for(RequestEvent), steps, files)
        audit_blank("gdpr.datasubjectrequest", ids)
    delete_files_on_commit(files)
    return {"gdpr.DataSubjectRequest": len(ids)}


def purge_expired_exports(now: datetime.datetime) -> dict[str, int]:
    """Access exports whose download link has expired: the file goes, the row stays as
    the record that the request was answered."""
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
register_job(
    RetentionJob(
        name=SETTLED_CLAIMS_JOB,
        label=_("Data kept for a legal claim, once the claim is settled"),
        run=erase_settled_claims,
    )
)


register_job(
    RetentionJob(
        name=BACKUPS_JOB,
        label=_("Database backups past their retention period"),
        run=backups_prune,
        replayed_after_restore=False,
    )
)
register_job(
    RetentionJob(
        name=LEDGER_COPIES_JOB,
        label=_("Erasure ledger entries not yet copied to private storage"),
        run=ledger_mirror_pending,
        replayed_after_restore=False,
    )
)
