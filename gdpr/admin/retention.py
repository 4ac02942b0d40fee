"""Runs of the retention jobs in the admin."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gdpr.models import (
    RetentionRun,
)
from registry.admin_tools import ReadOnlyAdmin


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "job", "status", "total", "finished_at"]
    list_filter = ["job", "status"]
    ordering = ["-started_at"]
    fields = ["job", "started_at", "finished_at", "status", "counts", "error"]
    readonly_fields = fields

    @admin.display(description=_("purged"))
    def total(self, obj: RetentionRun) -> int:
        return obj.total
