"""Reads for billing. Each runs a fixed number of queries, whatever the row count."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from . import money
from .models import Contract, Invoice, Payment, Product

if TYPE_CHECKING:
    from accounts.models import User
    from organizations.models import Organization


def invoices_for_member(*, user: User) -> QuerySet[Invoice]:
    return (
        Invoice.objects.filter(membership__user=user)
        .exclude(status=Invoice.Status.DRAFT)
        .select_related("organization")
        .order_by("-issue_date", "-number")
    )


def contracts_for_member(*, user: User) -> QuerySet[Contract]:
    return (
        Contract.objects.filter(membership__user=user)
        .select_related("organization", "product")
        .order_by("-opened_on", "-id")
    )


def invoice_list(*, organization: Organization, status: str = "") -> QuerySet[Invoice]:
    invoices = Invoice.objects.filter(organization=organization)
    if status in Invoice.Status.values:
        invoices = invoices.filter(status=status)
    return invoices.select_related("membership").order_by("-number")


def invoice_document(*, invoice: Invoice) -> dict:
    """Everything the printable invoice (page, PDF, mail) shows: 2 queries."""
    from . import numbers

    lines = list(invoice.lines.order_by("position"))
    totals = money.invoice_totals(
        money.LineAmounts(net=row.net, vat=row.vat, gross=row.gross, vat_rate=row.vat_rate)
        for row in lines
    )
    barcode = ""
    if invoice.iban.startswith("FI") and not invoice.is_credit_note and invoice.amount_due > 0:
        barcode = numbers.virtual_barcode(
            iban=invoice.iban,
            amount=invoice.amount_due,
            reference=invoice.reference,
            due_date=invoice.due_date,
        )
    return {
        "invoice": invoice,
        "organization": invoice.organization,
        "lines": lines,
        "totals": totals,
        "reference_formatted": numbers.reference_format(invoice.reference),
        "rf_reference": numbers.rf_format(numbers.rf_from_reference(invoice.reference)),
        "barcode": barcode,
        "reminders": list(invoice.reminders.all()),
    }


def products_for_organization(*, organization: Organization) -> QuerySet[Product]:
    return Product.objects.filter(organization=organization).order_by("-is_active", "name")


def contracts_for_organization(*, organization: Organization) -> QuerySet[Contract]:
    return (
        Contract.objects.filter(organization=organization)
        .select_related("membership", "product")
        .order_by("-opened_on", "-id")
    )


def unmatched_payments(*, organization: Organization) -> QuerySet[Payment]:
    return Payment.objects.filter(organization=organization, invoice__isnull=True).order_by(
        "-paid_on", "-id"
    )


def payments_for_organization(*, organization: Organization) -> QuerySet[Payment]:
    return (
        Payment.objects.filter(organization=organization)
        .select_related("invoice")
        .order_by("-paid_on", "-id")
    )
