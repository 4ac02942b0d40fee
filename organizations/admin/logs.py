"""The logs of admin rights and of who viewed a member's data, and guardian's object
permissions: read-only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from organizations.models import (
    AdminRightChange,
    MemberDataView,
    MemberListExport,
    OrganizationGroupObjectPermission,
    OrganizationUserObjectPermission,
)
from registry.admin_tools import (
    ReadOnlyAdmin,
    permission_label,
    search_text_results,
)

if TYPE_CHECKING:
    from django.http import HttpRequest


@admin.register(AdminRightChange)
class AdminRightChangeAdmin(ReadOnlyAdmin):
    list_display = ["changed_at", "organization", "member", "action", "changed_by"]
    list_filter = ["action", ("changed_at", admin.DateFieldListFilter)]
    list_select_related = ["organization", "membership", "changed_by"]
    search_fields = ["membership__search_text"]
    search_help_text = _("The member's name, email address or member number.")
    ordering = ["-id"]  # newest first, along the primary key

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        # The member only: an OR with another table's column would scan the whole log.
        # One organization's changes are linked from its page.
        results = search_text_results(queryset, search_term, path="membership__search_text")
        return results, False

    @admin.display(description=_("member"), ordering="membership__sort_name")
    def member(self, obj: AdminRightChange) -> str:
        return obj.membership.name or obj.membership.email


@admin.register(MemberDataView)
class MemberDataViewAdmin(ReadOnlyAdmin):
    list_display = ["viewed_at", "subject", "viewer_name", "organization", "channel"]
    list_filter = ["channel", ("viewed_at", admin.DateFieldListFilter)]
    list_select_related = ["organization", "subject"]
    # Whose data: "who has seen my data" is the question this log answers. Searching the
    # viewer's name as well would scan the whole log; one organization's views are
    # linked from its page.
    search_fields = ["subject__email", "subject__first_name", "subject__last_name"]
    search_help_text = _("Whose data: name or email address.")
    ordering = ["-id"]  # newest first, along the primary key


@admin.register(MemberListExport)
class MemberListExportAdmin(ReadOnlyAdmin):
    list_display = ["exported_at", "viewer_name", "organization", "member_count"]
    list_filter = [("exported_at", admin.DateFieldListFilter)]
    list_select_related = ["organization"]
    # Whose data an export held is asked from the member's side ("My data", the access
    # export); here, who exported: the viewer's name.
    search_fields = ["viewer_name__ilike"]
    search_help_text = _("Who exported: name.")
    ordering = ["-id"]
    exclude = ["member_ids"]

    @admin.display(description=_("members"))
    def member_count(self, obj: MemberListExport) -> int:
        return len(obj.member_ids)


# --- guardian's object permissions ----------------------------------------------------------


class ObjectPermissionAdmin(ReadOnlyAdmin):
    """For inspection only: rights are granted and revoked by the membership actions."""

    list_select_related = ["content_object", "permission__content_type"]
    list_display = ["organization", "permission_codename"]
    search_fields = ["content_object__name"]
    ordering = ["-id"]
    # guardian's fields carry no translated names: each shown under one.
    fields = ["holder", "organization", "permission_name"]
    readonly_fields = fields

    @admin.display(description=_("organization"), ordering="content_object__name")
    def organization(self, obj: Any) -> str:
        return str(obj.content_object)

    @admin.display(description=_("permission"), ordering="permission__codename")
    def permission_codename(self, obj: Any) -> str:
        return obj.permission.codename

    @admin.display(description=_("permission"))
    def permission_name(self, obj: Any) -> str:
        return permission_label(obj.permission)


@admin.register(OrganizationUserObjectPermission)
class OrganizationUserObjectPermissionAdmin(ObjectPermissionAdmin):
    list_display = ["holder", *ObjectPermissionAdmin.list_display]
    list_select_related = ["user", *ObjectPermissionAdmin.list_select_related]
    search_fields = ["user__email", *ObjectPermissionAdmin.search_fields]

    @admin.display(description=_("user"), ordering="user__email")
    def holder(self, obj: Any) -> str:
        return str(obj.user)


@admin.register(OrganizationGroupObjectPermission)
class OrganizationGroupObjectPermissionAdmin(ObjectPermissionAdmin):
    list_display = ["holder", *ObjectPermissionAdmin.list_display]
    list_select_related = ["group", *ObjectPermissionAdmin.list_select_related]
    search_fields = ["group__name", *ObjectPermissionAdmin.search_fields]

    @admin.display(description=_("group"), ordering="group__name")
    def holder(self, obj: Any) -> str:
        return str(obj.group)
