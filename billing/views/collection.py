"""The organization admin's debt collection: its collection partners, an invoice handed
over to one of them, and the claim file the partner gets (CSV or JSON)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .. import collection, permissions, selectors
from ..collection_forms import CollectionForm, CollectionPartnerForm
from ..services import RuleError


@login_required
def partner_list(request: HttpRequest, pk: int) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    return render(
        request,
        "billing/org/collection_partners.html",
        {
            "organization": organization,
            "partners": list(selectors.collection_partners(organization=organization)),
        },
    )


@login_required
def partner_edit(request: HttpRequest, pk: int, partner_pk: int | None = None) -> HttpResponse:
    """A new collection partner, or one of the organization's changed."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    partner = (
        permissions.get_collection_partner_for_admin(organization, partner_pk)
        if partner_pk is not None
        else None
    )
    initial = None
    if partner is not None:
        initial = {
            "name": partner.name,
            "business_id": partner.business_id,
            "email": partner.email,
            "is_active": partner.is_active,
        }
    form = CollectionPartnerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            collection.collection_partner_save(
                organization=organization, partner=partner, actor=request.user, **form.cleaned_data
            )
        except RuleError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The collection partner was saved."))
            return redirect("billing:collection_partners", pk=pk)
    return render(
        request,
        "billing/org/collection_partner_form.html",
        {"organization": organization, "partner": partner, "form": form},
    )


@login_required
def invoice_collection(request: HttpRequest, pk: int, invoice_pk: int) -> HttpResponse:
    """Hand an overdue, reminded invoice over to one of the organization's partners."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    invoice = permissions.get_invoice_for_admin(organization, invoice_pk)
    form = CollectionForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            collection.invoice_hand_over(
                invoice=invoice,
                partner=form.cleaned_data["partner"],
                handed_over_on=form.cleaned_data["handed_over_on"],
                actor=request.user,
            )
        except RuleError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "The invoice was handed over to collection. Download the claim file "
                    "on this page and send it to the partner."
                ),
            )
            return redirect("billing:invoice", pk=pk, invoice_pk=invoice_pk)
    return render(
        request,
        "billing/org/invoice_collection.html",
        {
            "organization": organization,
            "invoice": invoice,
            "form": form,
            "has_partners": form.fields["partner"].queryset.exists(),
            "fields": collection.CLAIM_FIELDS,
        },
    )


def _claim_file(
    request: HttpRequest, pk: int, collection_claim_pk: int, extension: str
) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    claim = permissions.get_collection_claim_for_admin(organization, collection_claim_pk)
    if extension == "csv":
        content, content_type = collection.claim_csv(claim), "text/csv; charset=utf-8"
    else:
        content, content_type = collection.claim_json(claim), "application/json"
    response = HttpResponse(content, content_type=content_type)
    filename = collection.claim_filename(claim, extension)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
@require_GET
def claim_csv(request: HttpRequest, pk: int, collection_claim_pk: int) -> HttpResponse:
    return _claim_file(request, pk, collection_claim_pk, "csv")


@login_required
@require_GET
def claim_json(request: HttpRequest, pk: int, collection_claim_pk: int) -> HttpResponse:
    return _claim_file(request, pk, collection_claim_pk, "json")
