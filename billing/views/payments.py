"""The organization admin's payments: the bank file import and matching by hand."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from registry.confirmation import confirmation_context, is_confirmed
from registry.pagination import paginate

from .. import matching, permissions, selectors, services
from ..camt054 import Camt054Error
from ..forms import PaymentFilterForm, PaymentImportForm, PaymentMatchForm
from ..models import Payment
from ..templatetags.billing import eur


@login_required
def payment_list(request: HttpRequest, pk: int) -> HttpResponse:
    """All payments with their state, or (``?show=<state>``) those of one state: unmatched
    ones still waiting to be matched, partial ones, overpaid ones to refund."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    form = PaymentFilterForm(request.GET)
    show = form.show_value()
    unmatched_only = show == PaymentFilterForm.UNMATCHED
    rows = selectors.payment_list_rows(organization=organization, state=show)
    count = selectors.payment_list_count(organization=organization, state=show)
    page, query = paginate(request, rows, count=count)
    return render(
        request,
        "billing/org/payments.html",
        {
            "organization": organization,
            "form": form,
            "page": page,
            "query": query,
            "unmatched_only": unmatched_only,
            "show": show,
            "states": Payment.State,
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
            matching.payment_match(payment=payment, invoice=form.invoice, actor=request.user)
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
        {
            "organization": organization,
            "payment": payment,
            "form": form,
            "events": selectors.payment_events(payment=payment),
        },
    )


@login_required
def payment_unmatch(request: HttpRequest, pk: int, payment_pk: int) -> HttpResponse:
    """GET: what undoing the payment's match does. POST from that page: undo it."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    payment = permissions.get_payment_for_admin(organization, payment_pk)
    invoice = payment.invoice
    blocked = ""
    if invoice is None:
        blocked = _("The payment is not matched to an invoice.")
    elif is_confirmed(request):
        try:
            matching.payment_unmatch(payment=payment, actor=request.user)
        except services.RuleError as error:
            blocked = " ".join(error.messages)
        else:
            messages.success(
                request,
                _("The payment is no longer counted towards invoice %(number)s.")
                % {"number": invoice.number},
            )
            return redirect("billing:payment_match", pk=pk, payment_pk=payment.pk)
    names = {
        "amount": eur(payment.amount),
        "number": invoice.number if invoice else "",
    }
    consequences = [
        _("The payment of %(amount)s is no longer counted towards invoice %(number)s.") % names,
        _("The invoice's paid amount and status are changed back to what they are without it."),
        _("The payment is listed as unmatched, to be matched to the right invoice."),
    ]
    return render(
        request,
        "billing/org/payment_unmatch.html",
        {
            "organization": organization,
            "payment": payment,
            **confirmation_context(
                title=_("Undo the match of a payment"),
                consequences=consequences,
                irreversible=_(
                    "Who undid the match and when is logged. The payment can be matched "
                    "again afterwards."
                ),
                submit=_("Undo the match"),
                action=request.path,
                cancel=reverse("billing:payments", kwargs={"pk": pk}),
                blocked=blocked,
            ),
        },
    )
