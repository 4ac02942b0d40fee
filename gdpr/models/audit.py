"""The audit trail: who changed which personal data, and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """A change to personal data: who, when, which record, which fields (old → new).
    Append-only; erasure blanks the values inside it (``erased``) but keeps the fact."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        DELETED = "deleted", _("Deleted")
        ERASED = "erased", _("Erased")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("data subject"),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    model = models.CharField(_("record type"), max_length=100)
    object_id = models.CharField(_("record"), max_length=64)
    # {field: [old, new]}; secrets are recorded as changed without values.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    erased = models.BooleanField(_("values erased"), default=False)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["model", "object_id"], name="audit_object_idx"),
            models.Index(fields=["subject", "-at"], name="audit_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.model}:{self.object_id} {self.action}"

    def save(self, *args, **kwargs) -> None:
        # Append-only: an entry is written once. Erasure blanks values with
        # QuerySet.update(), which is the one sanctioned change.
        if not self._state.adding:
            raise AuditEntryImmutable("An audit entry cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditEntryImmutable("An audit entry cannot be deleted.")


class AuditEntryImmutable(Exception):
    """Someone tried to change or delete a written audit entry."""
