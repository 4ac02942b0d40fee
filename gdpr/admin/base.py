"""What the admin pages of gdpr share: read-only inlines and the person's name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth import get_user_model

if TYPE_CHECKING:
    from django.http import HttpRequest


User = get_user_model()


ADMIN_CSS = "gdpr/admin.css"
LETTER_EXTENSIONS = ["pdf", "jpg", "jpeg", "png", "tif", "tiff"]
LETTER_MAX_BYTES = 15 * 1024 * 1024


class ReadOnlyInline(admin.TabularInline):
    """Rows shown with their parent, written only by the services."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email
