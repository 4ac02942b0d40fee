"""The controller's details, the privacy notice's versions and who acknowledged them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin

from gdpr.models import (
    ControllerDetails,
    NoticeAcknowledgement,
    NoticeVersion,
)
from registry.admin_tools import ReadOnlyAdmin

if TYPE_CHECKING:
    from django.http import HttpRequest


@admin.register(ControllerDetails)
class ControllerDetailsAdmin(admin.ModelAdmin):
    """One row: the controller named in the privacy notice and the access reports."""

    list_display = ["name", "email", "privacy_contact_email", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not ControllerDetails.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(NoticeVersion)
class NoticeVersionAdmin(ReadOnlyAdmin):
    list_display = ["number", "published_at", "content_hash"]
    ordering = ["-number"]
    fields = ["number", "published_at", "content_hash", "content"]
    readonly_fields = fields


@admin.register(NoticeAcknowledgement)
class NoticeAcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "version", "context"]
    list_filter = ["context", ("at", admin.DateFieldListFilter)]
    list_select_related = ["user", "version"]
    search_fields = ["user__email"]
    ordering = ["-at"]
    fields = ["user", "version", "context", "at"]
    readonly_fields = fields
