"""The erasure ledger: what every erasure did, kept so that a restored backup can be
brought back to forgetting the same people (``gdpr.ledger``)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ErasureLedgerEntry(models.Model):
    """One erasure (or a settled claim's, or a retention job's) as row ids, field names,
    file names and keyed hashes: nothing a person can be read from.

    Append-only. The row travels in the database's backups; its copy in private storage
    (``erasure-ledger/<recorded_at>-<id>.json``) does not, and is what a restore replays
    the later erasures from."""

    class Kind(models.TextChoices):
        ERASURE = "erasure", _("Erasure")
        CLAIM_SETTLED = "claim_settled", _("Rows released by a settled claim")
        RETENTION = "retention", _("Retention job")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # The request and account by id only (no foreign keys: the account is gone, and the
    # entry must outlive the request too).
    request_id = models.BigIntegerField(_("request"), null=True, blank=True)
    subject_id = models.BigIntegerField(_("account"), null=True, blank=True)
    payload = models.JSONField(_("what was done"), default=dict)
    # Set once the copy in private storage is written (on commit, or by the job that
    # catches up when the process died in between).
    mirrored_at = models.DateTimeField(_("copied to storage"), null=True, blank=True)

    class Meta:
        verbose_name = _("erasure ledger entry")
        verbose_name_plural = _("erasure ledger entries")
        ordering = ["recorded_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.recorded_at:%Y-%m-%d %H:%M}"
