"""The organization admin's payments: the bank file import and matching by hand."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from registry.pagination import paginate

from .. import permissions, selectors, services
from ..camt054 import Camt054Error
from ..forms import PaymentFilterForm, PaymentImportForm, PaymentMatchForm


@login_required
def payment_list(request: HttpRequest, pk: int) -> HttpResponse:
    """All payments, or (``?show=unmatched``) those still waiting to be matched."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    form = PaymentFilterForm(request.GET)
    unmatched_only = form.show_value() == PaymentFilterForm.UNMATCHED
    if unmatched_only:
        payments = selectors.unmatched_payments(organization=organization)
    else:
        payments = selectors.payments_for_organization(organization=organization)
    page, query = paginate(request, payments)
    return render(
        request,
        "billing/org/payments.html",
        {
            "organization": organization,
            "form": form,
            "page": page,
            "query": query,
            "unmatched_only": unmatched_only,
        },
    )


@login_required
def payment_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Read a camt.054 file; the page then lists what was matched and what was not.

    A file that cannot be read, or that is another account's, changes nothing.
    """
    organization = permissions.get_organization_for_admin(request.user, pk)
    form = PaymentImportForm(request.POST or None, request.FILES or None)
    summary = None
    if request.method == "POST" and form.is_valid():
        try:
            summary = services.payments_import(
                organization=organization,
                data=form.cleaned_data["file"],
                actor=request.user,
            )
        except Camt054Error as error:
            form.add_error(
                "file",
                _("The file could not be read, so nothing was imported: %(reason)s")
                % {"reason": error},
            )
        except services.RuleError as error:
            form.add_error("file", error)
    return render(
        request,
        "billing/org/payment_import.html",
        {"organization": organization, "form": form, "summary": summary},
    )


@login_required
def payment_match(request: HttpRequest, pk: int, payment_pk: int) -> HttpResponse:
    """Count an unmatched payment towards an invoice the admin names by its number."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    payment = permissions.get_payment_for_admin(organization, payment_pk)
    form = PaymentMatchForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_match(payment=payment, invoice=form.invoice, actor=request.user)
        except services.RuleError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The payment was matched to invoice %(number)s.")
                % {"number": form.invoice.number},
            )
            return redirect(f"{reverse('billing:payments', kwargs={'pk': pk})}?show=unmatched")
    return render(
        request,
        "billing/org/payment_match.html",
        {"organization": organization, "payment": payment, "form": form},
    )
