"""The printable invoice: one template for the page, the PDF and the mail attachment.

The PDF is rendered with WeasyPrint from ``billing/invoice_document.html`` and
``static/css/invoice.css``. An issued invoice with something to pay ends with the bank giro
form (*tilisiirto*) and its bank barcode, an inline SVG (``billing.barcode``); in the PDF the
form sits at the foot of the A4 page, as the banks' form guide places it.

WeasyPrint fetches nothing: the stylesheet is read from disk and every URL in the document
is refused (``registry.pdf``), so text on an invoice (a line's description, a member's name)
can never make the server fetch a file or a network address.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify
from django.utils.translation import gettext as _

from registry.pdf import html_to_pdf

from . import barcode, selectors, states
from .models import Invoice

DOCUMENT_TEMPLATE = "billing/invoice_document.html"
STYLESHEET = "css/invoice.css"


def invoice_document_context(*, invoice: Invoice) -> dict[str, Any]:
    """The document's data: ``selectors.invoice_document`` plus payments and credit note.

    3 or 4 queries whatever the number of lines, reminders or payments; ``invoice`` should
    come with ``organization``, ``membership`` and ``credit_note_for`` selected.
    """
    document = selectors.invoice_document(invoice=invoice)
    document["payments"] = selectors.invoice_payments(invoice=invoice)
    document["credit_note"] = None
    if invoice.status == Invoice.Status.CREDITED and not invoice.is_credit_note:
        document["credit_note"] = selectors.invoice_credit_note(invoice=invoice)
    document["payment_days"] = (invoice.due_date - invoice.issue_date).days
    # A credit note is not paid, nor is the invoice it cancels: no payment slip on either.
    document["payable"] = states.is_payable(invoice)
    document["giro"] = invoice_has_giro_form(invoice)
    document["barcode_svg"] = (
        barcode.bank_barcode_svg(document["barcode"])
        if document["giro"] and document["barcode"]
        else ""
    )
    return document


def invoice_has_giro_form(invoice: Invoice) -> bool:
    """Whether the document ends with the bank giro form and its barcode.

    Only an issued invoice with a reference and something still to pay: a draft is not to
    be paid (and may have no reference yet), a credit note or the invoice it cancels never.
    """
    return (
        states.is_issued_and_payable(invoice) and bool(invoice.reference) and invoice.amount_due > 0
    )


def invoice_pdf_filename(invoice: Invoice) -> str:
    """``malmin-ilmailukerho-ry-invoice-12.pdf`` in the active language."""
    kind = _("credit-note") if invoice.is_credit_note else _("invoice")
    organization = slugify(invoice.organization.name)[:60]
    # A draft has no number yet: "…-invoice-draft.pdf".
    return f"{organization}-{slugify(kind)}-{slugify(invoice.number_display)}.pdf".lstrip("-")


def invoice_pdf(*, invoice: Invoice, document: dict[str, Any] | None = None) -> bytes:
    """The invoice as an A4 PDF, in the active language."""
    document = document if document is not None else invoice_document_context(invoice=invoice)
    html = render_to_string(DOCUMENT_TEMPLATE, {**document, "pdf": True})
    return html_to_pdf(html, stylesheet=STYLESHEET)


def invoice_pdf_response(*, invoice: Invoice, download: bool = False) -> HttpResponse:
    """An HTTP response with the invoice's PDF; never cached (it holds personal data)."""
    response = HttpResponse(invoice_pdf(invoice=invoice), content_type="application/pdf")
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{invoice_pdf_filename(invoice)}"'
    response["Cache-Control"] = "private, no-store"
    return response
