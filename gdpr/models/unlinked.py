"""Records no account points at, attached by the controller to a person's request.

A bank payment that matched no invoice, or a call logged before the caller had an account,
names a person without a key to them. Once the handler has found such a row under the
person's details and attached it, the registry counts it among the person's rows: the
access export shows it and the erasure erases or keeps it like the rest.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gdpr.models.requests import DataSubjectRequest


class AttachedRecord(models.Model):
    """One row of another app's model, attached to a request by its handler."""

    request = models.ForeignKey(
        DataSubjectRequest,
        on_delete=models.CASCADE,
        related_name="attached_records",
        verbose_name=_("request"),
    )
    # Generic: gdpr names no other app's model; the searchable models are declared.
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", verbose_name=_("kind of record")
    )
    object_id = models.CharField(_("record"), max_length=64)
    record = GenericForeignKey("content_type", "object_id")
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("attached by"),
    )
    attached_at = models.DateTimeField(_("attached"), default=timezone.now)

    class Meta:
        verbose_name = _("attached record")
        verbose_name_plural = _("attached records")
        ordering = ["attached_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "content_type", "object_id"],
                name="attachedrecord_unique",
            )
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="attachedrecord_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id}"
