"""The organization admin's member register: list, export, detail, admin rights."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gdpr.api import restriction_in_force
from registry.csv_download import csv_download
from registry.pagination import PAGE_SIZES, paginate

from .. import permissions, selectors, services
from ..forms import MemberFilterForm


@login_required
def member_list(request: HttpRequest, pk: int) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    form = MemberFilterForm(request.GET or None)
    memberships = selectors.member_list(
        organization=organization, filters=form.filters(), flag_restricted=True
    )
    page, query = paginate(request, memberships)
    return render(
        request,
        "organizations/members/list.html",
        {
            "organization": organization,
            "form": form,
            "page": page,
            "query": query,
            "page_sizes": PAGE_SIZES,
            "page_size": page.paginator.per_page,
        },
    )


@login_required
def member_export(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The (filtered) member list as CSV, streamed row by row; the export is logged."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    form = MemberFilterForm(request.GET or None)
    memberships = selectors.member_list(organization=organization, filters=form.filters())
    services.member_export_record(viewer=request.user, memberships=memberships)

    filename = f"{slugify(organization.name) or 'members'}-{timezone.localdate():%Y-%m-%d}.csv"
    return csv_download(
        selectors.member_export_header(),
        selectors.member_export_rows(memberships=memberships),
        filename=filename,
    )


@login_required
def member_detail(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    membership = permissions.get_membership_for_admin(request.user, organization, membership_pk)
    show_profile = permissions.may_see_profile(membership)
    if show_profile:
        services.member_data_view_record(viewer=request.user, membership=membership)
    return render(
        request,
        "organizations/members/detail.html",
        {
            "organization": organization,
            "membership": membership,
            "member": membership.user if show_profile else None,
            "profile": selectors.member_profile(user=membership.user) if show_profile else [],
            "restricted": show_profile and restriction_in_force(membership.user),
        },
    )


@login_required
@require_POST
def member_end(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    membership = permissions.get_membership_for_admin(request.user, organization, membership_pk)
    try:
        ending = services.membership_leave(membership=membership, actor=request.user)
    except services.RuleError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The membership was ended."))
        # Contracts end with it; those that cannot are for the admins to end.
        if ending.ended:
            messages.info(
                request,
                _("Ended with the membership: %(items)s.")
                % {"items": "; ".join(str(item.what) for item in ending.ended)},
            )
        if ending.left_to_admins:
            messages.warning(
                request,
                _("These could not be ended automatically; end them by hand: %(items)s.")
                % {"items": "; ".join(str(item.what) for item in ending.left_to_admins)},
            )
    if membership.user_id == request.user.id:
        return redirect("organizations:mine")
    return redirect("organizations:member", pk=pk, membership_pk=membership_pk)


@login_required
@require_POST
def member_admin_rights(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    """Grant (``action=grant``) or revoke (``action=revoke``) a member's admin rights."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    membership = permissions.get_membership_for_admin(request.user, organization, membership_pk)
    action = request.POST.get("action")
    try:
        if action == "grant":
            services.membership_admin_grant(membership=membership, actor=request.user)
            messages.success(
                request,
                _("%(name)s is now an admin.") % {"name": membership.name or membership.email},
            )
        elif action == "revoke":
            services.membership_admin_revoke(membership=membership, actor=request.user)
            messages.success(
                request,
                _("%(name)s is no longer an admin.")
                % {"name": membership.name or membership.email},
            )
        else:
            messages.error(request, _("Unknown action."))
    except services.RuleError as error:
        for message in error.messages:
            messages.error(request, message)
    if action == "revoke" and membership.user_id == request.user.id:
        return redirect("organizations:detail", pk=pk)
    if request.POST.get("back") == "member":
        return redirect("organizations:member", pk=pk, membership_pk=membership_pk)
    return redirect("organizations:admins", pk=pk)


@login_required
def admin_list(request: HttpRequest, pk: int) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    return render(
        request,
        "organizations/members/admins.html",
        {
            "organization": organization,
            "admins": selectors.organization_admins(organization=organization),
            "changes": selectors.admin_right_changes(organization=organization),
        },
    )
