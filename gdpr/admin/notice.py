"""The controller's details, the privacy notice's versions and who acknowledged them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from gdpr.admin.base import ADMIN_CSS
from gdpr.models import (
    ControllerDetails,
    NoticeAcknowledgement,
    NoticeVersion,
)
from gdpr.notice.changes import VersionText, notice_version_text
from registry.admin_tools import ReadOnlyAdmin

if TYPE_CHECKING:
    from django.db.models import QuerySet
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
    """A published version as its readers saw it, in the handler's language, and what
    changed from the version before it. The stored content (hundreds of kilobytes of
    JSON, every language) is never loaded: only the two rendered texts are read."""

    list_display = ["number", "published_at", "content_hash"]
    ordering = ["-number"]
    fields = ["number", "published_at", "content_hash", "changes_display", "rendered_display"]
    readonly_fields = fields

    class Media:
        css = {"all": [ADMIN_CSS]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[NoticeVersion]:
        return super().get_queryset(request).defer("content")

    def _text(self, obj: NoticeVersion) -> VersionText:
        # Both fields below read it: read once per page.
        if not hasattr(obj, "_admin_text"):
            language = (translation.get_language() or "fi")[:2]
            obj._admin_text = notice_version_text(obj.number, language)
        return obj._admin_text

    @admin.display(description=_("changes from the previous version"))
    def changes_display(self, obj: NoticeVersion):
        text = self._text(obj)
        return render_to_string(
            "admin/gdpr/noticeversion/_changes.html", {"text": text, "version": obj}
        )

    @admin.display(description=_("the notice as published"))
    def rendered_display(self, obj: NoticeVersion):
        # The notice as the notice page showed it: rendered, escaped, by our own template
        # when the version was published (the page shows it the same way).
        html = self._text(obj).html
        return mark_safe(f'<div class="gdpr-notice-rendered">{html}</div>')  # noqa: S308


@admin.register(NoticeAcknowledgement)
class NoticeAcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "version", "context"]
    list_filter = ["context", ("at", admin.DateFieldListFilter)]
    list_select_related = ["user", "version"]
    search_fields = ["user__email"]
    ordering = ["-at"]
    fields = ["user", "version", "context", "at"]
    readonly_fields = fields
