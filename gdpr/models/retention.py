"""Runs of the retention jobs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RetentionRun(models.Model):
    """One run of a scheduled retention job: what it purged, or why it did nothing."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped: another run was in progress")
        FAILED = "failed", _("Failed")

    job = models.CharField(_("job"), max_length=60, db_index=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    # {"billing.Invoice": 3, ...}
    counts = models.JSONField(_("purged"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Who asked for the run in the admin; empty for the scheduled runs.
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at"]
        permissions = [("run_retention_jobs", _("Can run retention jobs now"))]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def total(self) -> int:
        return sum(self.counts.values())
