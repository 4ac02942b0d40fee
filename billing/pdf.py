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

from . import barcode, numbers, selectors, states
from .models import Invoice, Reminder

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


# --- Reminders --------------------------------------------------------------------------------

REMINDER_TEMPLATE = "billing/reminder_document.html"


def reminder_document_context(*, reminder: Reminder) -> dict[str, Any]:
    """The reminder's data: its amounts as computed when it was made, and a barcode that
    carries its total (the invoice's reference, the reminder's due date). No query when
    ``reminder`` comes with ``invoice__organization`` selected."""
    invoice = reminder.invoice
    reference = reminder.reference or invoice.reference
    barcode_digits = ""
    if reference and invoice.iban.startswith("FI") and reminder.total > 0:
        barcode_digits = numbers.virtual_barcode(
            iban=invoice.iban,
            amount=reminder.total,
            reference=reference,
            due_date=reminder.due_date,
        )
    return {
        "reminder": reminder,
        "invoice": invoice,
        "organization": invoice.organization,
        "reference_formatted": numbers.reference_format(reference) if reference else "",
        "rf_reference": numbers.rf_format(numbers.rf_from_reference(reference))
        if reference
        else "",
        "barcode": barcode_digits,
        "barcode_svg": barcode.bank_barcode_svg(barcode_digits) if barcode_digits else "",
    }


def reminder_pdf_filename(reminder: Reminder) -> str:
    """``malmin-ilmailukerho-ry-reminder-12-2026-03-01.pdf`` in the active language."""
    organization = slugify(reminder.invoice.organization.name)[:60]
    kind = slugify(_("reminder"))
    return f"{organization}-{kind}-{reminder.invoice.number}-{reminder.sent_on:%Y-%m-%d}.pdf"


def reminder_pdf(*, reminder: Reminder) -> bytes:
    """The reminder as an A4 PDF, in the active language."""
    html = render_to_string(
        REMINDER_TEMPLATE, {**reminder_document_context(reminder=reminder), "pdf": True}
    )
    return html_to_pdf(html, stylesheet=STYLESHEET)


def reminder_pdf_response(*, reminder: Reminder) -> HttpResponse:
    response = HttpResponse(reminder_pdf(reminder=reminder), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{reminder_pdf_filename(reminder)}"'
    response["Cache-Control"] = "private, no-store"
    return response
