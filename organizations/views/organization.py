"""Organization pages: registering one, its own data, and a member's view of it."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from registry.business_id import business_id_normalise
from registry.confirmation import confirmation_context, is_confirmed

from .. import permissions, selectors, services
from ..forms import BankAccountForm, ContactPersonForm, OrganizationClaimForm, OrganizationForm


@login_required
def my_organizations(request: HttpRequest) -> HttpResponse:
    memberships = selectors.organizations_for_member(user=request.user)
    claims = selectors.claims_for_claimant(user=request.user)
    return render(
        request, "organizations/mine.html", {"memberships": memberships, "claims": claims}
    )


@login_required
def organization_create(request: HttpRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                organization = services.organization_create(
                    data=form.cleaned_data, first_admin=request.user, actor=request.user
                )
            except services.RuleError as error:
                form.add_error("business_id", error)
            else:
                messages.success(
                    request,
                    _(
                        "The organization was registered. You are its admin. It is shown as "
                        "unverified until the controller of the register has verified it."
                    ),
                )
                return redirect("organizations:detail", pk=organization.pk)
        if form.registered_organization is not None:
            # Registered already: perhaps by someone with no right to it. The person may
            # claim it; the controller decides.
            return redirect(
                "organizations:claim_new", business_id=form.registered_organization.business_id
            )
    return render(request, "organizations/create.html", {"form": form})


@login_required
def claim_new(request: HttpRequest, business_id: str) -> HttpResponse:
    """File a claim to an organization registered under ``business_id``."""
    try:
        business_id = business_id_normalise(business_id)
    except ValidationError as error:
        raise Http404 from error
    organization = selectors.organization_by_business_id(business_id=business_id)
    if organization is None:
        raise Http404
    form = OrganizationClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            claim = services.organization_claim_file(
                business_id=business_id,
                claimant=request.user,
                statement=form.cleaned_data["statement"],
            )
        except services.RuleError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "Your claim went to the controller of the register. You will get an "
                    "email when it has been decided."
                ),
            )
            return redirect("organizations:claim", claim_pk=claim.pk)
    return render(
        request, "organizations/claim_new.html", {"form": form, "organization": organization}
    )


@login_required
def claim_detail(request: HttpRequest, claim_pk: int) -> HttpResponse:
    claim = permissions.get_claim_for_claimant(request.user, claim_pk)
    return render(request, "organizations/claim_detail.html", {"claim": claim})


@login_required
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """What a member sees of their organization; admins also get their tools."""
    own = permissions.get_own_membership(request.user, pk)
    organization = selectors.organization_with_details(pk=pk)
    context = {
        "organization": organization,
        "membership": own,
        "admins": selectors.organization_admins(organization=organization),
        "is_admin": own.is_admin and permissions.is_organization_admin(request.user, organization),
    }
    if context["is_admin"]:
        context["admin_changes"] = selectors.admin_right_changes(
            organization=organization, limit=10
        )
    return render(request, "organizations/detail.html", context)


@login_required
def organization_leave(request: HttpRequest, pk: int) -> HttpResponse:
    """GET (or a POST without the confirmation): what leaving changes (what stays visible,
    to whom and until when; what ends). POST from that page: leave, and say again what
    ended and what stays."""
    own = permissions.get_own_membership(request.user, pk)
    if not is_confirmed(request):
        return render(
            request,
            "organizations/leave.html",
            {
                "organization": own.organization,
                "membership": own,
                "preview": selectors.leaving_preview(membership=own),
            },
        )
    try:
        ending = services.membership_leave(membership=own, actor=request.user)
    except services.RuleError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("organizations:detail", pk=pk)
    messages.success(
        request, _("You left %(organization)s.") % {"organization": own.organization.name}
    )
    for text in leaving_messages(ending):
        messages.info(request, text)
    return redirect("organizations:mine")


def _day(day: datetime.date) -> str:
    return date_format(day)


def leaving_messages(ending: services.MembershipEnding) -> list[str]:
    """What ended with a membership, what the member still owes and what stays visible of
    it, one sentence each."""
    lines = []
    if ending.ended:
        lines.append(
            _("Ended with the membership: %(items)s.")
            % {"items": "; ".join(str(item.what) for item in ending.ended)}
        )
    if ending.left_to_admins:
        lines.append(
            _("The organization's admins were asked to end: %(items)s.")
            % {"items": "; ".join(str(item.what) for item in ending.left_to_admins)}
        )
    if ending.due:
        lines.append(
            _("Still to be paid after leaving: %(items)s.")
            % {
                "items": "; ".join(
                    _("%(what)s, %(amount)s, due %(date)s")
                    % {"what": item.what, "amount": item.amount, "date": _day(item.due_on)}
                    for item in ending.due
                )
            }
        )
    for item in ending.kept:
        if item.until is not None:
            line = _("Still visible: %(what)s. Seen by %(who)s until %(date)s.") % {
                "what": item.what,
                "who": item.seen_by,
                "date": _day(item.until),
            }
        else:
            line = _("Still visible: %(what)s. Seen by %(who)s %(until)s.") % {
                "what": item.what,
                "who": item.seen_by,
                "until": item.until_text,
            }
        lines.append(f"{line} {item.why}" if item.why else line)
    return lines


@login_required
def organization_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    form = OrganizationForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(organization=organization, data=form.cleaned_data)
        except services.RuleError as error:
            form.add_error("business_id", error)
        else:
            messages.success(request, _("The organization's details were saved."))
            return redirect("organizations:detail", pk=pk)
    organization = selectors.organization_with_details(pk=pk)
    return render(request, "organizations/edit.html", {"form": form, "organization": organization})


@login_required
def bank_account_edit(request: HttpRequest, pk: int, account_pk: int | None = None) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    account = permissions.get_owned_object(organization.bank_accounts.all(), account_pk)
    form = BankAccountForm(request.POST or None, instance=account, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.bank_account_save(
                organization=organization, account=account, data=form.cleaned_data
            )
        except services.RuleError as error:
            form.add_error("iban", error)
        else:
            messages.success(request, _("The bank account was saved."))
            return redirect("organizations:edit", pk=pk)
    return render(
        request,
        "organizations/bank_account_form.html",
        {"form": form, "organization": organization, "account": account},
    )


@login_required
def bank_account_delete(request: HttpRequest, pk: int, account_pk: int) -> HttpResponse:
    """GET (or a POST without the confirmation): what removing the account changes. POST
    from that page: remove it."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    account = permissions.get_owned_object(organization.bank_accounts.all(), account_pk)
    if is_confirmed(request):
        services.bank_account_delete(account=account)
        messages.success(request, _("The bank account was removed."))
        return redirect("organizations:edit", pk=pk)
    names = {"iban": account.formatted_iban, "organization": organization.name}
    consequences = [
        _("The bank account %(iban)s is removed from the details of %(organization)s.") % names,
        _("Invoices already made keep the account printed on them."),
    ]
    if account.is_primary:
        successor = organization.bank_accounts.exclude(pk=account.pk).order_by("pk").first()
        consequences.append(
            _("It is the primary account: new invoices will show %(iban)s instead.")
            % {"iban": successor.formatted_iban}
            if successor is not None
            else _(
                "It is the organization's only account: no new invoices can be made until "
                "an account is added."
            )
        )
    return render(
        request,
        "organizations/confirm.html",
        {
            "organization": organization,
            **confirmation_context(
                title=_("Remove the bank account %(iban)s") % names,
                consequences=consequences,
                irreversible=_("This cannot be undone: to use the account again, add it again."),
                submit=_("Remove the bank account"),
                action=request.path,
                cancel=reverse("organizations:edit", args=[pk]),
            ),
        },
    )


@login_required
def contact_edit(request: HttpRequest, pk: int, contact_pk: int | None = None) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    contact = permissions.get_owned_object(organization.contact_persons.all(), contact_pk)
    form = ContactPersonForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        services.contact_person_save(
            organization=organization, contact=contact, data=form.cleaned_data
        )
        messages.success(request, _("The contact person was saved."))
        return redirect("organizations:edit", pk=pk)
    return render(
        request,
        "organizations/contact_form.html",
        {"form": form, "organization": organization, "contact": contact},
    )


@login_required
def contact_delete(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    """GET (or a POST without the confirmation): whom removing deletes. POST from that
    page: remove the contact person."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    contact = permissions.get_owned_object(organization.contact_persons.all(), contact_pk)
    if is_confirmed(request):
        services.contact_person_delete(contact=contact)
        messages.success(request, _("The contact person was removed."))
        return redirect("organizations:edit", pk=pk)
    names = {"name": contact.name, "organization": organization.name}
    return render(
        request,
        "organizations/confirm.html",
        {
            "organization": organization,
            **confirmation_context(
                title=_("Remove the contact person %(name)s") % names,
                consequences=[
                    _(
                        "%(name)s is no longer a contact person of %(organization)s: their "
                        "name, role, phone number and email address are deleted from the "
                        "organization's details."
                    )
                    % names
                ],
                irreversible=_(
                    "This cannot be undone: to have them as a contact person again, add them again."
                ),
                submit=_("Remove the contact person"),
                action=request.path,
                cancel=reverse("organizations:edit", args=[pk]),
            ),
        },
    )
