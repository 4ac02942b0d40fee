"""Access exports (the files built for a request) and each download of them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gdpr.models.requests import DataSubjectRequest, private_storage


class DataExport(models.Model):
    """The ZIP answering an access or portability request, built by Celery."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Queued")
        RUNNING = "running", _("Being built")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired and deleted")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.OneToOneField(
        DataSubjectRequest, on_delete=models.CASCADE, related_name="export"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="data_exports",
        verbose_name=_("data subject"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    language = models.CharField(_("language"), max_length=5, default="fi")
    file = models.FileField(
        _("file"), storage=private_storage, upload_to="gdpr/exports/", blank=True
    )
    size = models.BigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("file deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="export_expiry_idx")]

    def __str__(self) -> str:
        return str(self.id)


class ExportDownload(models.Model):
    export = models.ForeignKey(DataExport, on_delete=models.CASCADE, related_name="downloads")
    downloaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("downloaded by"),
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("export download")
        verbose_name_plural = _("export downloads")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.export_id} {self.at:%Y-%m-%d %H:%M}"
