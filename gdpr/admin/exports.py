"""Access exports and their downloads in the admin (read-only proof records)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gdpr.admin.base import (
    ADMIN_CSS,
)
from gdpr.admin.request_desk import export_download_link
from gdpr.models import (
    DataExport,
    ExportDownload,
)
from registry.admin_tools import ReadOnlyAdmin


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "subject",
        "request_display",
        "status",
        "progress_display",
        "expires_at",
        "download_link",
    ]
    list_filter = ["status", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["subject", "request"]
    search_fields = ["subject__email", "=request__public_id"]
    search_help_text = _("The person's email address or the request's reference.")
    ordering = ["-created_at"]
    fields = [
        "id",
        "request_display",
        "subject",
        "status",
        "progress_display",
        "language",
        "size",
        "sha256",
        "attempts",
        "error",
        "created_at",
        "started_at",
        "ready_at",
        "expires_at",
        "deleted_at",
        "download_link",
    ]
    readonly_fields = fields

    class Media:
        css = {"all": [ADMIN_CSS]}

    # The foreign keys to the request and the export carry no translated name: shown here.
    @admin.display(description=_("request"), ordering="request")
    def request_display(self, obj: DataExport) -> str:
        return str(obj.request) if obj.request_id else "—"

    @admin.display(description=_("progress"))
    def progress_display(self, obj: DataExport):
        return format_html(
            '<progress class="gdpr-progress" max="100" value="{}">{} %</progress> {} %',
            obj.progress,
            obj.progress,
            obj.progress,
        )

    @admin.display(description=_("download"))
    def download_link(self, obj: DataExport):
        url = export_download_link(obj)
        if not url:
            return "—"
        return format_html('<a href="{}">{}</a>', url, gettext("Download (ZIP)"))


@admin.register(ExportDownload)
class ExportDownloadAdmin(ReadOnlyAdmin):
    list_display = ["at", "export_display", "downloaded_by", "ip_address"]
    list_filter = [("at", admin.DateFieldListFilter)]
    list_select_related = ["downloaded_by", "export"]
    search_fields = ["downloaded_by__email"]
    ordering = ["-at"]
    fields = ["export_display", "downloaded_by", "at", "ip_address"]
    readonly_fields = fields

    @admin.display(description=_("data export"), ordering="export")
    def export_display(self, obj: ExportDownload) -> str:
        return str(obj.export)


# --- Marketing bans, suppression entries, consents ----------------------------------------
