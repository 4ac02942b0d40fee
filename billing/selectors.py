"""Reads for billing. Each runs a fixed number of queries, whatever the row count."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from . import money, states
from .models import (
    BillingSettings,
    Contract,
    ContractEvent,
    EInvoiceAddress,
    Invoice,
    Payment,
    Product,
    Reminder,
)

if TYPE_CHECKING:
    from accounts.models import User
    from organizations.models import Organization


# Drafts have no number yet: they come first, the newest of them on top.
NEWEST_NUMBER_FIRST = F("number").desc(nulls_first=True)


def invoices_for_member(*, user: User) -> QuerySet[Invoice]:
    return (
        Invoice.objects.filter(membership__user=user)
        .exclude(status=Invoice.Status.DRAFT)
        .select_related("organization")
        .order_by("-issue_date", NEWEST_NUMBER_FIRST, "-id")
    )


def contracts_for_member(*, user: User) -> QuerySet[Contract]:
    return (
        Contract.objects.filter(membership__user=user)
        .select_related("organization", "product")
        .order_by("-opened_on", "-id")
    )


def invoice_list(
    *, organization: Organization, status: str = "", today: datetime.date | None = None
) -> QuerySet[Invoice]:
    """The organization's invoices, drafts (no number yet) and then the newest number
    first, optionally of one status.

    "overdue" also finds unpaid invoices past their due date that the daily job has not
    marked yet, and partially paid ones, which it never marks.
    """
    invoices = Invoice.objects.filter(organization=organization)
    if status == Invoice.Status.OVERDUE:
        today = today or timezone.localdate()
        past_due = Q(status__in=states.UNPAID_STATUSES, due_date__lt=today)
        invoices = invoices.filter(Q(status=Invoice.Status.OVERDUE) | past_due)
    elif status in Invoice.Status.values:
        invoices = invoices.filter(status=status)
    return invoices.order_by(NEWEST_NUMBER_FIRST, "-id")


def invoice_credit_note(*, invoice: Invoice) -> Invoice | None:
    """The credit note that cancelled ``invoice``, if any."""
    return Invoice.objects.filter(credit_note_for=invoice).first()


def invoice_payments(*, invoice: Invoice) -> list[Payment]:
    return list(invoice.payments.select_related("recorded_by").order_by("paid_on", "id"))


def invoice_by_number(*, organization: Organization, number: int) -> Invoice | None:
    return Invoice.objects.filter(organization=organization, number=number).first()


def invoice_document(*, invoice: Invoice) -> dict:
    """Everything the printable invoice (page, PDF, mail) shows: 2 queries."""
    from . import numbers

    lines = list(invoice.lines.order_by("position"))
    totals = money.invoice_totals(
        money.LineAmounts(net=row.net, vat=row.vat, gross=row.gross, vat_rate=row.vat_rate)
        for row in lines
    )
    barcode = ""
    if (
        states.is_payable(invoice)
        and invoice.reference
        and invoice.iban.startswith("FI")
        and invoice.amount_due > 0
    ):
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
        # A draft has no reference until it is issued.
        "reference_formatted": numbers.reference_format(invoice.reference)
        if invoice.reference
        else "",
        "rf_reference": numbers.rf_format(numbers.rf_from_reference(invoice.reference))
        if invoice.reference
        else "",
        "barcode": barcode,
        "reminders": list(invoice.reminders.all()),
    }


def products_for_organization(*, organization: Organization) -> QuerySet[Product]:
    return Product.objects.filter(organization=organization).order_by("-is_active", "name")


def products_on_sale(*, organization: Organization) -> list[Product]:
    return list(Product.objects.filter(organization=organization, is_active=True).order_by("name"))


def products_with_lines_of(*, invoice: Invoice, on_sale: list[Product]) -> list[Product]:
    """``on_sale`` and the products on ``invoice``'s lines that are no longer on sale."""
    shown = {product.pk for product in on_sale}
    kept = Product.objects.filter(
        pk__in=invoice.lines.exclude(product=None).values("product")
    ).exclude(pk__in=shown)
    return sorted([*on_sale, *kept], key=lambda product: product.name)


def contract_events(*, contract: Contract) -> list[ContractEvent]:
    """A contract's history, newest first, with who did what."""
    return list(contract.events.select_related("actor").order_by("-occurred_at", "-id"))


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


def einvoice_addresses_for_member(*, user: User) -> list[EInvoiceAddress]:
    """The person's e-invoice addresses, one per organization that has one: 1 query."""
    return list(
        EInvoiceAddress.objects.filter(membership__user=user)
        .select_related("membership__organization")
        .order_by("membership__organization__name", "pk")
    )


def einvoice_address_of(*, membership) -> EInvoiceAddress | None:
    return EInvoiceAddress.objects.filter(membership=membership).first()


def einvoice_invoices(*, organization: Organization) -> QuerySet[Invoice]:
    """The organization's issued invoices whose member has an e-invoice address, newest
    first, with the address and their reminders: what the organization hands to its
    operator (2 queries a page)."""
    return (
        Invoice.objects.filter(
            organization=organization, membership__einvoice_address__isnull=False
        )
        .exclude(status=Invoice.Status.DRAFT)
        .select_related("membership__einvoice_address", "credit_note_for")
        .prefetch_related(
            Prefetch("reminders", queryset=Reminder.objects.order_by("sent_on", "pk"))
        )
        .order_by(NEWEST_NUMBER_FIRST, "-id")
    )


def billing_settings(*, organization: Organization) -> BillingSettings:
    """The organization's reminder settings; the defaults (unsaved) until someone saves them."""
    found = BillingSettings.objects.filter(organization=organization).first()
    return found or BillingSettings(organization=organization)
