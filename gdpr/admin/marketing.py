"""Marketing bans, the suppression list, consents and processing restrictions in the
admin: proof records, read-only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gdpr.admin.base import (
    _person,
)
from gdpr.models import (
    Consent,
    MarketingBan,
    ProcessingRestriction,
    Suppression,
)
from gdpr.requests import services
from registry.admin_tools import ReadOnlyAdmin, confirm_action

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django.template.response import TemplateResponse


@admin.register(MarketingBan)
class MarketingBanAdmin(ReadOnlyAdmin):
    """Bans come from the person (their privacy page) or from an objection request."""

    list_display = ["user", "channel", "banned_at", "source", "lifted_at"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter), "channel", "source"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    ordering = ["-banned_at"]
    fields = ["user", "channel", "banned_at", "source", "lifted_at"]
    readonly_fields = fields


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdmin):
    """Keyed hashes of erased people's bans: nothing readable, and never deleted."""

    list_display = ["channel", "short_key", "created_at"]
    list_filter = ["channel"]
    search_fields = ["=key"]
    ordering = ["-created_at"]
    fields = ["channel", "key", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("keyed hash"))
    def short_key(self, obj: Suppression) -> str:
        return f"{obj.key[:12]}…"


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    """The proof of a consent: the text shown, when, and any withdrawal."""

    list_display = ["user", "purpose", "text_version", "language", "given_at", "withdrawn_at"]
    list_filter = [("withdrawn_at", admin.EmptyFieldListFilter), "purpose", "language", "source"]
    list_select_related = ["user"]
    search_fields = ["user__email", "=subject_key"]
    ordering = ["-given_at"]
    fields = [
        "user",
        "subject_key",
        "purpose",
        "text_version",
        "text_shown",
        "notice_version",
        "language",
        "given_at",
        "withdrawn_at",
        "source",
        "keep_until",
    ]
    readonly_fields = fields


# --- Restrictions of processing -----------------------------------------------------------


@admin.register(ProcessingRestriction)
class ProcessingRestrictionAdmin(ReadOnlyAdmin):
    list_display = ["user", "request", "started_at", "lifted_at"]
    list_filter = [
        ("lifted_at", admin.EmptyFieldListFilter),
        ("started_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["user", "request"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    ordering = ["-started_at"]
    fields = ["user", "request", "reason", "started_at", "lifted_at"]
    readonly_fields = fields
    actions = ["lift_restrictions"]

    def has_manage_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("gdpr.change_processingrestriction")

    @admin.action(description=_("Lift (the person is told)"), permissions=["manage"])
    def lift_restrictions(
        self, request: HttpRequest, queryset: QuerySet
    ) -> TemplateResponse | None:
        asked = confirm_action(
            self,
            request,
            queryset.select_related("user"),
            title=_("Lift restrictions of processing"),
            describe=lambda restriction: _person(restriction.user),
            consequence=_(
                "Processing of these people's data is no longer restricted; those whose "
                "request set the restriction are told by email:"
            ),
            irreversible=_(
                "This cannot be undone from here: the person is told, and a new "
                "restriction needs a new request."
            ),
        )
        if asked is not None:
            return asked
        lifted = 0
        for restriction in queryset.select_related("user"):
            try:
                services.restriction_lift(restriction, actor=request.user)
            except ValidationError as error:
                messages.error(request, f"{_person(restriction.user)}: {' '.join(error.messages)}")
            else:
                lifted += 1
        if lifted:
            messages.success(
                request,
                ngettext("%(count)d restriction lifted.", "%(count)d restrictions lifted.", lifted)
                % {"count": lifted},
            )


# --- Disclosures --------------------------------------------------------------------------
