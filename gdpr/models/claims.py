"""Rows an erasure kept for a legal claim (Art. 17(3)(e))."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gdpr.models.requests import DataSubjectRequest


class ClaimHold(models.Model):
    """One row of an erased person that a legal claim still needs: kept, restricted to
    the claim, until its source says the claim is settled; then the retention job
    ``gdpr.settled_claims`` erases it and notes when (``released_at``).

    The row is named generically (content type + id), like a request's holder, so gdpr
    holds no foreign key to another app."""

    request = models.ForeignKey(
        DataSubjectRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claim_holds",
        verbose_name=_("request"),
    )
    # The registered source of the claim and its key there ("billing.debt_in_collection",
    # "invoice:12").
    source = models.CharField(_("claim source"), max_length=100)
    claim_key = models.CharField(_("claim"), max_length=100)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("record type")
    )
    object_id = models.CharField(_("record id"), max_length=64)
    reason = models.TextField(_("reason"))
    held_since = models.DateTimeField(_("held since"), default=timezone.now)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)

    class Meta:
        verbose_name = _("row kept for a legal claim")
        verbose_name_plural = _("rows kept for a legal claim")
        ordering = ["-held_since"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "claim_key", "content_type", "object_id"],
                name="claimhold_claim_row_unique",
            )
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="claimhold_row_idx"),
            models.Index(fields=["released_at", "source"], name="claimhold_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.claim_key}: {self.content_type_id}/{self.object_id}"
