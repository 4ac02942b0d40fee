"""E-invoices: a member's e-invoice address, the Finvoice messages of invoices and
reminders, and the list the organization hands to its operator."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from registry.pagination import PAGE_SIZES, paginate

from .. import einvoice, finvoice, permissions, selectors
from ..finvoice import ReminderAmounts
from ..forms import EInvoiceAddressForm


@login_required
def einvoice_address(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    """GET: the member's e-invoice address and its form. POST: save it, or remove it."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    membership = permissions.get_membership_for_admin(request.user, organization, membership_pk)
    current = selectors.einvoice_address_of(membership=membership)
    if request.method == "POST" and "remove" in request.POST:
        einvoice.einvoice_address_remove(membership=membership, actor=request.user)
        messages.success(request, _("The e-invoice address was removed."))
        return redirect("billing:einvoice_address", pk=pk, membership_pk=membership_pk)
    if request.method == "POST":
        form = EInvoiceAddressForm(request.POST)
        if form.is_valid():
            einvoice.einvoice_address_save(
                membership=membership,
                kind=form.cleaned_data["kind"],
                address=form.cleaned_data["address"],
                intermediator=form.cleaned_data["intermediator"],
                actor=request.user,
            )
            messages.success(request, _("The e-invoice address was saved."))
            return redirect("billing:einvoice_address", pk=pk, membership_pk=membership_pk)
    else:
        initial = (
            {
                "kind": current.kind,
                "address": current.address,
                "intermediator": current.intermediator,
            }
            if current
            else {}
        )
        form = EInvoiceAddressForm(initial=initial)
    return render(
        request,
        "billing/org/einvoice_address.html",
        {
            "organization": organization,
            "membership": membership,
            "current": current,
            "intermediator_name": einvoice.intermediator_name(current.intermediator)
            if current
            else "",
            "form": form,
            "operators": einvoice.OPERATORS,
            "banks": einvoice.BANKS,
        },
    )


def _xml(message: bytes, name: str) -> HttpResponse:
    response = HttpResponse(message, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def invoice_finvoice(request: HttpRequest, pk: int, invoice_pk: int) -> HttpResponse:
    """The Finvoice message of an issued invoice or credit note, to the member's e-invoice
    address if they have one (without one: a message for any other channel)."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    invoice = permissions.get_issued_invoice_for_admin(organization, invoice_pk)
    address = selectors.einvoice_address_of(membership=invoice.membership)
    message = finvoice.finvoice_invoice(invoice=invoice, address=address)
    return _xml(message, finvoice.filename(invoice))


@login_required
@require_GET
def reminder_finvoice(
    request: HttpRequest, pk: int, invoice_pk: int, reminder_pk: int
) -> HttpResponse:
    """The Finvoice payment reminder of one of the invoice's reminders."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    invoice = permissions.get_issued_invoice_for_admin(organization, invoice_pk)
    reminder = permissions.get_reminder_for_admin(organization, invoice.pk, reminder_pk)
    reminder.invoice = invoice  # the one already read, not the same row again
    amounts = ReminderAmounts.from_reminder(reminder)
    address = selectors.einvoice_address_of(membership=invoice.membership)
    message = finvoice.finvoice_reminder(invoice=invoice, amounts=amounts, address=address)
    return _xml(message, finvoice.filename(invoice, reminder=True))


@login_required
@require_GET
def einvoice_list(request: HttpRequest, pk: int) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    page, query = paginate(request, selectors.einvoice_invoices(organization=organization))
    return render(
        request,
        "billing/org/einvoices.html",
        {
            "organization": organization,
            "page": page,
            "query": query,
            "page_sizes": PAGE_SIZES,
            "page_size": page.paginator.per_page,
        },
    )
