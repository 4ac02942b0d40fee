"""Communication records in the Django admin.

The controller records a call, letter or email by hand here; the record is written by
``communication_record`` with the controller as its ``actor``. Saved records are a log:
shown read-only, never edited or deleted in the admin (erasure reaches them through the
services). Attachments live in private storage and download only through the admin view
below, which the admin site guards (staff, with MFA).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from registry.admin_tools import EstimatedCountPaginator, ServiceCreatedAdmin

from . import services
from .forms import CommunicationRecordAdminForm
from .models import CommunicationRecord
from .views import attachment_response

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

ADD_FIELDS = [
    "organization",
    "subject",
    "counterpart",
    "channel",
    "direction",
    "occurred_at",
    "subject_line",
    "summary",
    "attachment",
]
# ``attachment`` itself is never shown: its default widget would link to a public URL,
# which private storage does not have.
VIEW_FIELDS = [
    "kind",
    "organization",
    "subject",
    "counterpart",
    "channel",
    "direction",
    "occurred_at",
    "subject_line",
    "summary",
    "attachment_link",
    "related_object",
    "recorded_by",
]


@admin.register(CommunicationRecord)
class CommunicationRecordAdmin(ServiceCreatedAdmin):
    form = CommunicationRecordAdminForm
    list_display = [
        "occurred_at",
        "person",
        "organization",
        "channel",
        "direction",
        "kind",
        "subject_line",
        "has_attachment",
        "recorded_by",
    ]
    list_filter = ["kind", "channel", "direction", ("occurred_at", admin.DateFieldListFilter)]
    list_select_related = ["organization", "subject", "recorded_by"]
    # Whose record: the question a person's request for their data asks.
    search_fields = ["subject__email", "subject__first_name", "subject__last_name", "counterpart"]
    search_help_text = _("The person's name or email address.")
    autocomplete_fields = ["organization", "subject"]
    readonly_fields = VIEW_FIELDS
    ordering = ["-id"]  # newest first, along the primary key
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def get_fields(self, request: HttpRequest, obj: CommunicationRecord | None = None):
        return ADD_FIELDS if obj is None else VIEW_FIELDS

    def get_readonly_fields(self, request: HttpRequest, obj: CommunicationRecord | None = None):
        return [] if obj is None else VIEW_FIELDS

    def has_change_permission(
        self, request: HttpRequest, obj: CommunicationRecord | None = None
    ) -> bool:
        # Automatic records show what the service sent; manual ones what was recorded.
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: CommunicationRecord | None = None
    ) -> bool:
        return False

    def create_by_service(self, request: HttpRequest, form) -> CommunicationRecord:
        data = form.cleaned_data
        return services.communication_record(
            organization=data["organization"],
            subject=data["subject"],
            counterpart=data["counterpart"],
            channel=data["channel"],
            direction=data["direction"],
            occurred_at=data["occurred_at"],
            subject_line=data["subject_line"],
            summary=data["summary"],
            attachment=data.get("attachment"),
            actor=request.user,
        )

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/attachment/",
                self.admin_site.admin_view(self.attachment_view),
                name=f"{opts.app_label}_{opts.model_name}_attachment",
            ),
            *super().get_urls(),
        ]

    def attachment_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        record = self.get_object(request, unquote(object_id))
        if record is None or not record.attachment:
            raise Http404
        if not self.has_view_permission(request, record):
            raise PermissionDenied
        return attachment_response(record)

    @admin.display(description=_("with"), ordering="counterpart")
    def person(self, obj: CommunicationRecord) -> str:
        return obj.with_whom or "—"

    @admin.display(description=_("attachment"), boolean=True)
    def has_attachment(self, obj: CommunicationRecord) -> bool:
        return bool(obj.attachment)

    @admin.display(description=_("attachment"))
    def attachment_link(self, obj: CommunicationRecord) -> str:
        if not obj.attachment:
            return "—"
        url = reverse("admin:communications_communicationrecord_attachment", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.attachment.name.rsplit("/", 1)[-1])
