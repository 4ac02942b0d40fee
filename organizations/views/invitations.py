"""Inviting people to an organization, and the invitee's side of the link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry.confirmation import confirmation_context, is_confirmed

from .. import permissions, selectors, services
from ..forms import InvitationForm, InvitationImportForm
from ..models import Invitation, Organization


@login_required
def invitation_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Open invitations, and the form to invite one person."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(
                organization=organization,
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                member_number=form.cleaned_data["member_number"],
                actor=request.user,
            )
        except services.RuleError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("An invitation was sent to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("organizations:invitations", pk=pk)
    return render(
        request,
        "organizations/invitations/list.html",
        {
            "organization": organization,
            "form": form,
            "import_form": InvitationImportForm(),
            "invitations": selectors.open_invitations(organization=organization),
            "accepted": selectors.accepted_invitations(organization=organization),
        },
    )


@login_required
def invitation_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite many at once from a pasted list or a CSV file; bad rows are reported."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    form = InvitationImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = services.invitations_import(
            organization=organization,
            rows=form.cleaned_data["parsed_rows"],
            actor=request.user,
        )
        if result.invited:
            messages.success(
                request,
                ngettext(
                    "%(count)s invitation was sent.",
                    "%(count)s invitations were sent.",
                    len(result.invited),
                )
                % {"count": len(result.invited)},
            )
        if not result.errors:
            return redirect("organizations:invitations", pk=pk)
    return render(
        request,
        "organizations/invitations/import.html",
        {"organization": organization, "form": form, "result": result},
    )


@login_required
def invitation_revoke(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    """GET (or a POST without the confirmation): what withdrawing the invitation changes.
    POST from that page: withdraw it."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    invitation = selectors.open_invitations(organization=organization).filter(pk=invitation_pk)
    invitation = invitation.first()
    if invitation is None:
        # Another organization's invitation is not found; only this one's is "no longer open".
        if not Invitation.objects.filter(
            pk=invitation_pk, membership__organization=organization
        ).exists():
            raise Http404
        messages.error(request, _("The invitation is no longer open."))
        return redirect("organizations:invitations", pk=pk)
    if not is_confirmed(request):
        return _revoke_confirmation(request, organization, invitation)
    try:
        services.invitation_revoke(invitation=invitation, actor=request.user)
    except services.RuleError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The invitation was withdrawn."))
    return redirect("organizations:invitations", pk=pk)


def _revoke_confirmation(
    request: HttpRequest, organization: Organization, invitation: Invitation
) -> HttpResponse:
    membership = invitation.membership
    names = {"name": membership.name or membership.email, "email": membership.email}
    consequences = [
        _("The invitation sent to %(email)s is withdrawn: its link no longer works.") % names
    ]
    if membership.member_number:
        consequences.append(
            _("The member number %(number)s it reserved is freed for others.")
            % {"number": membership.member_number}
        )
    return render(
        request,
        "organizations/confirm.html",
        {
            "organization": organization,
            **confirmation_context(
                title=_("Withdraw the invitation of %(name)s") % names,
                consequences=consequences,
                irreversible=_(
                    "This cannot be undone: to invite them again, send a new invitation."
                ),
                submit=_("Withdraw the invitation"),
                action=request.path,
                cancel=reverse("organizations:invitations", args=[organization.pk]),
            ),
        },
    )


def _invitation_problem(invitation: Invitation | None) -> str:
    if invitation is None:
        return _("This invitation link is not valid. Check that you copied the whole link.")
    if invitation.accepted_at is not None:
        return _("This invitation has already been used.")
    if invitation.revoked_at is not None:
        return _("This invitation has been withdrawn.")
    if invitation.is_expired:
        return _("This invitation has expired. Ask the organization for a new one.")
    return ""


# The service's refusals of the account rather than the link, as the page explains them.
_ADDRESS_REFUSALS = {
    services.INVITATION_ADDRESS_UNVERIFIED: selectors.InvitedAddress.UNVERIFIED,
    services.INVITATION_FOR_ANOTHER_ADDRESS: selectors.InvitedAddress.ABSENT,
}


def invitation_respond(request: HttpRequest, token: str) -> HttpResponse:
    """The invitee's page: what the organization will see, then accept (after sign-in).

    Only an account with the invited address verified can accept; any other is told how
    to go on (another account, or adding and verifying the address) without being shown
    the address it does not hold.
    """
    invitation = services.invitation_for_token(token=token)
    problem = _invitation_problem(invitation)
    address = None
    status = 200
    if problem:
        status = 410 if invitation is not None else 404
    elif request.user.is_authenticated:
        address = selectors.invited_address_on_account(invitation=invitation, user=request.user)
    if request.method == "POST" and not problem:
        if not request.user.is_authenticated:
            return redirect(f"{_login_url()}?next={request.path}")
        try:
            membership = services.invitation_accept(token=token, user=request.user)
        except services.RuleError as error:
            code = getattr(error, "code", None)
            if code in _ADDRESS_REFUSALS:
                # The page then shows the ways on rather than a dead end.
                address = _ADDRESS_REFUSALS[code]
                status = 403
            else:
                # The link is fine but this account cannot take it (e.g. already a member).
                problem = " ".join(error.messages)
                status = 409
        else:
            messages.success(
                request,
                _("Welcome to %(organization)s!") % {"organization": membership.organization.name},
            )
            return redirect("organizations:detail", pk=membership.organization_id)
    return render(
        request,
        "organizations/invitations/respond.html",
        {
            "invitation": invitation if not problem else None,
            "organization": invitation.membership.organization if invitation else None,
            "problem": problem,
            "address": address,
            # Shown only to the account that holds it (not yet verified).
            "invited_email": (
                invitation.membership.email
                if address == selectors.InvitedAddress.UNVERIFIED
                else ""
            ),
            "visible_fields": selectors.visible_profile_labels(),
        },
        status=status,
    )


def _login_url() -> str:
    from django.urls import reverse

    return reverse("account_login")
