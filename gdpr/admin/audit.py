"""The audit trail in the admin: read-only for everyone."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gdpr.audit import audited_models
from gdpr.models import (
    AuditEntry,
)
from registry.admin_tools import ReadOnlyAdmin


class AuditModelFilter(admin.SimpleListFilter):
    title = _("record type")
    parameter_name = "model"

    def lookups(self, request, model_admin):
        return sorted(
            (m._meta.label_lower, str(m._meta.verbose_name).capitalize()) for m in audited_models()
        )

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(model=self.value())
        return queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Append-only for everyone, superusers included (ReadOnlyAdmin: no add, change or
    delete permission); erasure blanks the values inside, never the fact."""

    list_display = ["at", "action", "model", "object_id", "actor", "subject", "erased"]
    list_filter = ["action", AuditModelFilter, ("at", admin.DateFieldListFilter), "erased"]
    list_select_related = ["actor", "subject"]
    search_fields = ["=object_id"]
    search_help_text = _("The record's identifier.")
    ordering = ["-at", "-pk"]
    fields = ["at", "action", "model", "object_id", "actor", "subject", "changes", "erased"]
    readonly_fields = fields
    # Not even the bulk delete action is offered.
    actions = None


# --- The controller's details and the privacy notice --------------------------------------
