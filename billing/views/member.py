"""The member's own billing pages: invoices (page and PDF) and contracts.

A member sees only what is addressed to them — also after the membership has ended —
and never a draft; anything else is a 404 (``permissions.get_invoice_for_member``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from registry.pagination import paginate

from .. import pdf, permissions, selectors

PAGE_SIZE = 50


@login_required
def my_invoices(request: HttpRequest) -> HttpResponse:
    invoices = selectors.invoices_for_member(user=request.user)
    page, _query = paginate(request, invoices, sizes=(), default=PAGE_SIZE)
    owed = selectors.amounts_owed_by_member(user=request.user)
    return render(request, "billing/member/invoices.html", {"page": page, "owed": owed})


@login_required
@never_cache
def my_invoice(request: HttpRequest, invoice_pk: int) -> HttpResponse:
    invoice = permissions.get_invoice_for_member(request.user, invoice_pk)
    document = pdf.invoice_document_context(invoice=invoice)
    document["collection_claim"] = selectors.invoice_collection_claim(invoice=invoice)
    return render(request, "billing/member/invoice.html", document)


@login_required
def my_invoice_pdf(request: HttpRequest, invoice_pk: int) -> HttpResponse:
    invoice = permissions.get_invoice_for_member(request.user, invoice_pk)
    return pdf.invoice_pdf_response(invoice=invoice)


@login_required
def my_reminder_pdf(request: HttpRequest, invoice_pk: int, reminder_pk: int) -> HttpResponse:
    reminder = permissions.get_reminder_for_member(request.user, invoice_pk, reminder_pk)
    return pdf.reminder_pdf_response(reminder=reminder)


@login_required
def my_contracts(request: HttpRequest) -> HttpResponse:
    contracts = selectors.contracts_for_member(user=request.user)
    page, _query = paginate(request, contracts, sizes=(), default=PAGE_SIZE)
    return render(request, "billing/member/contracts.html", {"page": page})
