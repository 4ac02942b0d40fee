"""The organization admin's member register: list, export, detail, admin rights."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gdpr.api import restriction_in_force
from registry.confirmation import confirmation_context, is_confirmed
from registry.csv_download import query_csv_download
from registry.pagination import PAGE_SIZES, paginate

from .. import permissions, selectors, services
from ..forms import MemberFilterForm


@login_required
def member_list(request: HttpRequest, pk: int) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    form = MemberFilterForm(request.GET or None)
    filters = form.filters()
    rows = selectors.member_list_rows(organization=organization, filters=filters)
    count = selectors.member_list_count(organization=organization, filters=filters)
    page, query = paginate(request, rows, count=count)
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
    return query_csv_download(
        selectors.member_export_header(),
        memberships,
        selectors.member_export_columns(),
        labels=selectors.member_export_labels(),
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


def _member_name(membership) -> str:
    return membership.name or membership.email


@login_required
def member_end(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    """GET (or a POST without the confirmation): what ending the membership changes.
    POST from that page: end it."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    membership = permissions.get_membership_for_admin(request.user, organization, membership_pk)
    if membership.status != membership.Status.ACTIVE:
        return redirect("organizations:member", pk=pk, membership_pk=membership_pk)
    if not is_confirmed(request):
        return _member_end_confirmation(request, organization, membership)
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


def _member_end_confirmation(request: HttpRequest, organization, membership) -> HttpResponse:
    preview = selectors.leaving_preview(membership=membership)
    names = {"name": _member_name(membership), "organization": organization.name}
    consequences = [
        _("%(name)s's membership in %(organization)s ends today.") % names,
        _(
            "The organization's admins no longer see their profile (address, phone number, "
            "date of birth), and they no longer get its member mail."
        ),
    ]
    if membership.is_admin:
        consequences.append(_("They also lose their admin rights."))
    context = {
        "organization": organization,
        "membership": membership,
        "preview": preview,
        **confirmation_context(
            title=_("End the membership of %(name)s") % names,
            consequences=consequences,
            irreversible=_(
                "This cannot be undone: an ended membership cannot be restored. To have them "
                "as a member again, invite them again."
            ),
            submit=_("End the membership"),
            action=request.path,
            cancel=reverse("organizations:member", args=[organization.pk, membership.pk]),
            blocked=_("The last admin cannot leave. Make another member an admin first.")
            if preview.last_admin
            else "",
        ),
    }
    return render(request, "organizations/members/end.html", context)


@login_required
@require_POST
def member_admin_rights(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    """Grant (``action=grant``) or revoke (``action=revoke``) a member's admin rights; a
    revocation asks first (a POST without the confirmation shows what it changes)."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    membership = permissions.get_membership_for_admin(request.user, organization, membership_pk)
    action = request.POST.get("action")
    back = "member" if request.POST.get("back") == "member" else ""
    if action == "revoke" and not is_confirmed(request):
        return _revoke_confirmation(request, organization, membership, back=back)
    try:
        if action == "grant":
            services.membership_admin_grant(membership=membership, actor=request.user)
            messages.success(
                request,
                _("%(name)s is now an admin.") % {"name": _member_name(membership)},
            )
        elif action == "revoke":
            services.membership_admin_revoke(membership=membership, actor=request.user)
            messages.success(
                request,
                _("%(name)s is no longer an admin.") % {"name": _member_name(membership)},
            )
        else:
            messages.error(request, _("Unknown action."))
    except services.RuleError as error:
        for message in error.messages:
            messages.error(request, message)
    if action == "revoke" and membership.user_id == request.user.id:
        return redirect("organizations:detail", pk=pk)
    if back == "member":
        return redirect("organizations:member", pk=pk, membership_pk=membership_pk)
    return redirect("organizations:admins", pk=pk)


def _revoke_confirmation(
    request: HttpRequest, organization, membership, *, back: str
) -> HttpResponse:
    names = {"name": _member_name(membership), "organization": organization.name}
    own = membership.user_id == request.user.id
    consequences = [
        _("%(name)s is no longer an admin of %(organization)s.") % names,
        _(
            "They can no longer manage the organization, its members, invitations and "
            "invoices, nor see the members' profiles. They stay a member."
        ),
    ]
    if own:
        consequences.append(_("These are your own rights: you lose them as soon as you confirm."))
    last_admin = selectors.active_admins(organization=organization).count() <= 1
    return render(
        request,
        "organizations/confirm.html",
        {
            "organization": organization,
            **confirmation_context(
                title=_("Revoke the admin rights of %(name)s") % names,
                consequences=consequences,
                irreversible=_(
                    "You cannot undo this yourself: only another admin can make you an admin again."
                )
                if own
                else _(
                    "This cannot be undone from here: only an admin can make them an admin "
                    "again. The change is recorded in the history of admin rights."
                ),
                submit=_("Revoke admin rights"),
                action=request.path,
                cancel=reverse("organizations:member", args=[organization.pk, membership.pk])
                if back == "member"
                else reverse("organizations:admins", args=[organization.pk]),
                hidden=[("action", "revoke"), *([("back", back)] if back else [])],
                blocked=_("The organization must keep at least one admin.")
                if last_admin and membership.is_admin
                else "",
            ),
        },
    )


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
