"""Memberships and invitations: changes governed by rules go through the services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gdpr.api import restricted_users
from organizations import services
from organizations.admin.base import _run_for_each
from organizations.models import (
    Invitation,
    Membership,
    Organization,
)
from registry.admin_tools import (
    EstimatedCountPaginator,
    confirm_action,
    search_text_results,
)

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django.template.response import TemplateResponse


class RestrictionFlaggedChangeList(ChangeList):
    """Flags the page's members whose processing is restricted (GDPR Art. 18) with one
    query per page. Not an annotation of the queryset: that would make the unfiltered list
    count its table instead of reading the estimate (EstimatedCountPaginator)."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        rows = list(self.result_list)
        restricted = restricted_users(row.user_id for row in rows)
        for row in rows:
            row.processing_restricted = row.user_id in restricted


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Read-only records; rights and status change only through the actions (services)."""

    list_display = [
        "member_name",
        "email",
        "organization",
        "member_number",
        "status",
        "role",
        "joined_on",
        "ended_on",
        "restricted",
    ]
    list_filter = ["status", "role"]
    list_select_related = ["organization"]
    # Needed by Django to show the search box; get_search_results does the searching.
    search_fields = ["search_text"]
    search_help_text = _("Name, email address or member number.")
    # Follows membership_sort_idx, so an unfiltered list of millions reads 100 index rows.
    ordering = ["organization_id", "sort_name", "id"]
    # Never a <select> of every user or organization, should a form ever edit them.
    autocomplete_fields = ["organization", "user"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    fields = [
        "organization",
        "user",
        "name",
        "email",
        "member_number",
        "status",
        "role",
        "joined_on",
        "ended_on",
        "created_at",
        "updated_at",
    ]
    actions = ["grant_admin_rights", "revoke_admin_rights", "end_membership"]

    def get_changelist(self, request: HttpRequest, **kwargs):
        return RestrictionFlaggedChangeList

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        return search_text_results(queryset, search_term, path="search_text"), False

    def has_add_permission(self, request: HttpRequest) -> bool:
        # People join by invitation, or as the first admin of a new organization.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Membership | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Membership | None = None) -> bool:
        # Deleting would drop an admin without the last-admin rule and leave their rights.
        return False

    def has_manage_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("organizations.change_membership")

    @admin.display(description=_("name"), ordering="sort_name")
    def member_name(self, obj: Membership) -> str:
        return obj.name or "—"

    @admin.display(description=_("processing restricted"), boolean=True)
    def restricted(self, obj: Membership) -> bool:
        return bool(getattr(obj, "processing_restricted", False))

    @admin.action(description=_("Grant admin rights"), permissions=["manage"])
    def grant_admin_rights(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        _run_for_each(
            request,
            queryset.select_related("organization", "user"),
            lambda m: services.membership_admin_grant(membership=m, actor=request.user),
            done=lambda n: (
                ngettext(
                    "Admin rights granted to %(count)d member.",
                    "Admin rights granted to %(count)d members.",
                    n,
                )
                % {"count": n}
            ),
        )

    @admin.action(description=_("Revoke admin rights"), permissions=["manage"])
    def revoke_admin_rights(
        self, request: HttpRequest, queryset: QuerySet[Membership]
    ) -> TemplateResponse | None:
        asked = confirm_action(
            self,
            request,
            queryset.select_related("organization"),
            title=_("Revoke admin rights"),
            consequence=_(
                "These members can no longer manage their organization nor see its members' "
                "profiles; they stay members:"
            ),
            irreversible=_("This cannot be undone from here: the rights have to be granted again."),
        )
        if asked is not None:
            return asked
        _run_for_each(
            request,
            queryset.select_related("organization", "user"),
            lambda m: services.membership_admin_revoke(membership=m, actor=request.user),
            done=lambda n: (
                ngettext(
                    "Admin rights revoked from %(count)d member.",
                    "Admin rights revoked from %(count)d members.",
                    n,
                )
                % {"count": n}
            ),
        )

    @admin.action(description=_("End membership"), permissions=["manage"])
    def end_membership(
        self, request: HttpRequest, queryset: QuerySet[Membership]
    ) -> TemplateResponse | None:
        asked = confirm_action(
            self,
            request,
            queryset.select_related("organization"),
            title=_("End membership"),
            consequence=_(
                "These memberships end today, with the contracts that end with them; the "
                "organizations' admins no longer see these members' profiles:"
            ),
            irreversible=_(
                "This cannot be undone: an ended membership cannot be restored, only a new "
                "invitation sent."
            ),
        )
        if asked is not None:
            return asked
        _run_for_each(
            request,
            queryset.select_related("organization", "user"),
            lambda m: services.membership_end(membership=m, actor=request.user),
            done=lambda n: (
                ngettext("%(count)d membership ended.", "%(count)d memberships ended.", n)
                % {"count": n}
            ),
        )


# --- Invitations --------------------------------------------------------------------------


class InvitationStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("open", _("Open")),
            ("expired", _("Expired")),
            ("accepted", _("Accepted")),
            ("revoked", _("Revoked")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        pending = Q(accepted_at__isnull=True, revoked_at__isnull=True)
        match self.value():
            case "open":
                return queryset.filter(pending, expires_at__gt=now)
            case "expired":
                return queryset.filter(pending, expires_at__lte=now)
            case "accepted":
                return queryset.filter(accepted_at__isnull=False)
            case "revoked":
                return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "organization",
        "created_at",
        "expires_at",
        "sent_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = [InvitationStateFilter, ("sent_at", admin.EmptyFieldListFilter)]
    list_select_related = ["membership__organization"]
    search_fields = ["membership__search_text"]
    search_help_text = _("Name, email address or member number of the invited person.")
    ordering = ["-id"]  # newest first, along the primary key
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # token_hash is left out on purpose: it is never shown.
    fields = [
        "email",
        "organization",
        "membership",
        "created_at",
        "created_by",
        "expires_at",
        "sent_at",
        "accepted_at",
        "accepted_email",
        "revoked_at",
    ]
    readonly_fields = ["email", "organization"]
    actions = ["revoke_invitations"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invitation]:
        return super().get_queryset(request).select_related("membership__organization")

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        return (
            search_text_results(queryset, search_term, path="membership__search_text"),
            False,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Invitation | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Invitation | None = None) -> bool:
        return False

    def has_manage_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("organizations.change_invitation")

    @admin.display(description=_("email address"), ordering="membership__email")
    def email(self, obj: Invitation) -> str:
        return obj.membership.email

    @admin.display(description=_("organization"))
    def organization(self, obj: Invitation) -> Organization:
        return obj.membership.organization

    @admin.action(description=_("Revoke invitation"), permissions=["manage"])
    def revoke_invitations(
        self, request: HttpRequest, queryset: QuerySet[Invitation]
    ) -> TemplateResponse | None:
        asked = confirm_action(
            self,
            request,
            queryset.select_related("membership"),
            title=_("Revoke invitation"),
            consequence=_(
                "The links in these invitations stop working and the member numbers they "
                "reserved are freed:"
            ),
            irreversible=_("This cannot be undone: only a new invitation can be sent."),
        )
        if asked is not None:
            return asked
        _run_for_each(
            request,
            queryset.select_related("membership"),
            lambda i: services.invitation_revoke(invitation=i, actor=request.user),
            done=lambda n: (
                ngettext("%(count)d invitation revoked.", "%(count)d invitations revoked.", n)
                % {"count": n}
            ),
        )


# --- Logs ---------------------------------------------------------------------------------
