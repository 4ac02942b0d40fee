from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _

from registry.outbox.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: staff see that work waits for the broker, and since when. The arguments
    are not shown (ids, but of people's rows all the same); the sweep publishes the rows."""

    list_display = ["task", "created_at", "age", "attempts", "last_attempt_at", "last_error"]
    fields = ["task", "created_at", "age", "attempts", "last_attempt_at", "last_error"]
    readonly_fields = fields
    list_filter = ["task"]
    date_hierarchy = None

    @admin.display(description=_("waiting for"))
    def age(self, obj: OutboxMessage) -> str:
        return timesince(obj.created_at, timezone.now())

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboxMessage | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutboxMessage | None = None) -> bool:
        return False
