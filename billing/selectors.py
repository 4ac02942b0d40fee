"""Reads for billing. Each runs a fixed number of queries, whatever the row count."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from django.db.models import (
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from registry.aggregates import DaysBetween, month_key
from registry.pagination import CompiledRows
from registry.prepared import CompiledQuery, compile_query, stand_ins
from registry.tally import tallied

from . import money, states
from .models import (
    BillingSettings,
    CollectionClaim,
    CollectionPartner,
    Contract,
    ContractEvent,
    EInvoiceAddress,
    Invoice,
    Payment,
    PaymentEvent,
    PaymentTally,
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


# Something is still to be paid on these: what the overdue ages and the totals owed count.
OPEN_STATUSES = states.UNPAID_STATUSES | {Invoice.Status.IN_COLLECTION}
# Overdue ages, in days past the due date: (key, first day, last day or None).
OVERDUE_AGES = (
    ("not_due", None, 0),
    ("1_30", 1, 30),
    ("31_60", 31, 60),
    ("61_90", 61, 90),
    ("over_90", 91, None),
)


def _overdue_age_filter(age: str, today: datetime.date) -> Q | None:
    """Open invoices whose due date is ``age`` (a key of ``OVERDUE_AGES``) behind ``today``."""
    for key, first, last in OVERDUE_AGES:
        if key != age:
            continue
        q = Q(status__in=OPEN_STATUSES, credit_note_for__isnull=True)
        if first is not None:
            q &= Q(due_date__lte=today - datetime.timedelta(days=first))
        if last is not None:
            q &= Q(due_date__gte=today - datetime.timedelta(days=last))
        return q
    return None


def invoice_list(
    *,
    organization: Organization,
    status: str = "",
    age: str = "",
    today: datetime.date | None = None,
) -> QuerySet[Invoice]:
    """The organization's invoices, drafts (no number yet) and then the newest number
    first, optionally of one status and of one overdue age (``OVERDUE_AGES``).

    "overdue" also finds unpaid invoices past their due date that the daily job has not
    marked yet, and partially paid ones, which it never marks.
    """
    today = today or timezone.localdate()
    invoices = Invoice.objects.filter(organization=organization)
    if status == Invoice.Status.OVERDUE:
        past_due = Q(status__in=states.UNPAID_STATUSES, due_date__lt=today)
        invoices = invoices.filter(Q(status=Invoice.Status.OVERDUE) | past_due)
    elif status in Invoice.Status.values:
        invoices = invoices.filter(status=status)
    if (age_filter := _overdue_age_filter(age, today)) is not None:
        invoices = invoices.filter(age_filter)
    return invoices.order_by(NEWEST_NUMBER_FIRST, "-id")


def _csv_amount(amount: Decimal | int) -> str:
    # A decimal comma and no thousands separator: a number to Finnish spreadsheets.
    return f"{money.round_cents(amount):.2f}".replace(".", ",")


def invoice_csv_rows(
    *, invoices: QuerySet[Invoice], today: datetime.date
) -> Iterator[list[object]]:
    """The CSV rows of ``invoices``, read from the database in chunks as they are written:
    one query per thousand invoices, whatever their number."""
    labels = dict(Invoice.Status.choices)
    columns = ("number", "recipient_name", "issue_date", "due_date", "status", "total")
    # What is outstanding counts the reminder fees and interest charged, as on the invoice.
    for row in (
        invoices.annotate(charged=F("fees_charged") + F("interest_charged"))
        .values_list(*columns, "paid_amount", "credit_note_for", "charged")
        .iterator(chunk_size=1000)
    ):
        number, name, issued, due, status, total, paid, credit_note_for, charged = row
        is_open = status in OPEN_STATUSES and credit_note_for is None
        days = (today - due).days if is_open and due < today else 0
        yield [
            "" if number is None else number,
            name,
            issued.strftime("%d.%m.%Y"),
            due.strftime("%d.%m.%Y"),
            str(labels.get(status, status)),
            _csv_amount(total),
            _csv_amount(paid),
            _csv_amount(total + charged - paid if is_open else 0),
            days,
        ]


def amounts_owed_by_member(*, user: User) -> list[dict]:
    """What ``user`` still owes, per organization (one query): ``organization_name`` and
    ``owed``, for the invoices sent to them that are not yet paid."""
    return list(
        Invoice.objects.filter(
            membership__user=user, status__in=OPEN_STATUSES, credit_note_for__isnull=True
        )
        .values("organization_id", organization_name=F("organization__name"))
        .annotate(
            owed=Sum(F("total") + F("fees_charged") + F("interest_charged") - F("paid_amount"))
        )
        .filter(owed__gt=0)
        .order_by("organization_name", "organization_id")
    )


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
    return payments_for_organization(organization=organization, state=Payment.State.UNMATCHED)


# How a payment stands against its invoice, decided by the invoice's totals. Money on a
# credited or cancelled invoice is all to be refunded.
_VOID = Q(invoice__status__in=states.VOID_STATUSES)
# What the invoice asks in all: its total and the reminder fees and interest charged on it.
_DUE = F("invoice__total") + F("invoice__fees_charged") + F("invoice__interest_charged")
# The same rules as ``Payment.state``, as filters (tests/billing/test_payment_states.py holds
# the two together).
PAYMENT_STATES = {
    Payment.State.UNMATCHED: Q(invoice__isnull=True),
    Payment.State.OVERPAID: Q(invoice__paid_amount__gt=_DUE) | _VOID,
    Payment.State.PARTIAL: Q(invoice__paid_amount__lt=_DUE) & ~_VOID,
    Payment.State.MATCHED: Q(invoice__paid_amount=_DUE) & ~_VOID,
}


def payments_for_organization(*, organization: Organization, state: str = "") -> QuerySet[Payment]:
    """The organization's payments with their invoices, for ``Payment.state``, newest
    first, optionally of one state. (The state is worked out in Python: as a ``CASE`` in
    the query, building it took a millisecond of every page, more than running it.) The
    list reads only the columns it shows (``payment_list_rows``)."""
    payments = Payment.objects.filter(organization=organization).select_related("invoice")
    if state in PAYMENT_STATES:
        payments = payments.filter(PAYMENT_STATES[state])
    return payments.order_by("-paid_on", "-id")


@dataclass(frozen=True, slots=True)
class InvoiceFigures:
    """What a row of the payments list shows and decides by of the payment's invoice, read
    as values. The rules are the invoice's own: its properties, reused as they are."""

    pk: int
    number: int | None
    status: str
    total: Decimal
    fees_charged: Decimal
    interest_charged: Decimal
    paid_amount: Decimal

    Status = Invoice.Status
    number_display = Invoice.number_display
    amount_due = Invoice.amount_due
    amount_owed_back = Invoice.amount_owed_back


@dataclass(frozen=True, slots=True)
class PaymentRow:
    """A row of the payments list (``payment_list_rows``), with its invoice's figures; its
    ``state`` is ``Payment.state``, the model's own property."""

    pk: int
    invoice_id: int | None
    amount: Decimal
    paid_on: datetime.date
    reference: str
    payer_name: str
    source: str
    message: str
    invoice: InvoiceFigures | None

    State = Payment.State
    state = Payment.state


# What a row of the payments list shows: the payment, and of its invoice the number and
# the totals that decide the state and what is owed back.
PAYMENT_ROW_FIELDS = (
    "pk", "invoice_id", "amount", "paid_on", "reference", "payer_name", "source", "message",
    "invoice__number", "invoice__status", "invoice__total", "invoice__fees_charged",
    "invoice__interest_charged", "invoice__paid_amount",
)  # fmt: skip


def _payment_row(values: tuple) -> PaymentRow:
    *payment, number, status, total, fees, interest, paid = values
    invoice_id = payment[1]
    invoice = None
    if invoice_id is not None:
        invoice = InvoiceFigures(invoice_id, number, status, total, fees, interest, paid)
    return PaymentRow(*payment, invoice)


def payment_list_rows(*, organization: Organization, state: str = "") -> CompiledRows:
    """``payments_for_organization`` for the paginator, each row a ``PaymentRow`` read from
    the row's values, not two model instances; the query compiled once per process for
    each state (``registry.prepared``)."""
    state = state if state in PAYMENT_STATES else ""
    return CompiledRows(
        _payment_rows_query(state),
        [organization.pk],
        _payment_row,
        count=lambda: payments_for_organization(organization=organization, state=state).count(),
    )


@lru_cache(maxsize=16)
def _payment_rows_query(state: str) -> CompiledQuery:
    from organizations.models import Organization

    (organization_pk,) = stand_ins(1)
    payments = payments_for_organization(organization=Organization(pk=organization_pk), state=state)
    return compile_query(payments.values_list(*PAYMENT_ROW_FIELDS), 1)


def payment_list_count(*, organization: Organization, state: str = "") -> int | None:
    """How many rows ``payments_for_organization`` gives, when the tally knows (one row
    read, not tens of thousands counted): all payments, on PostgreSQL (``PaymentTally``).
    None for one state's payments, or elsewhere: the paginator then counts them itself."""
    if state in PAYMENT_STATES:
        return None
    return tallied(PaymentTally, "payments", organization.pk)


def payment_events(*, payment: Payment) -> list[PaymentEvent]:
    """A payment's matches by hand and undone matches, newest first, with who did them."""
    return list(payment.events.select_related("actor", "invoice").order_by("-occurred_at", "-id"))


def collection_partners(*, organization: Organization) -> QuerySet[CollectionPartner]:
    return CollectionPartner.objects.filter(organization=organization).order_by(
        "-is_active", "name"
    )


def invoice_collection_claim(*, invoice: Invoice) -> CollectionClaim | None:
    """The claim ``invoice`` was handed over with, and its partner, if any (one query)."""
    return CollectionClaim.objects.filter(invoice=invoice).select_related("partner").first()


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


# --- Statistics: aggregates only (billing.statistics draws them) --------------------------

# What the member still owes on an invoice: its capital and the fees and interest charged.
AMOUNT_DUE = F("total") + F("fees_charged") + F("interest_charged") - F("paid_amount")
# The invoices that count as invoiced: issued and not voided; credit notes are left out
# with the invoices they voided.
_NOT_INVOICED = {Invoice.Status.DRAFT, *states.VOID_STATUSES}


@dataclass(frozen=True)
class MonthAmounts:
    """Invoices issued in one month: what they came to, what is paid and what is still
    open, each with the number of people (recipients) behind it."""

    invoiced: Decimal = Decimal("0.00")
    invoiced_people: int = 0
    paid: Decimal = Decimal("0.00")
    paid_people: int = 0
    open: Decimal = Decimal("0.00")
    open_people: int = 0


def invoice_amounts_by_month(
    *, organization: Organization, since: datetime.date
) -> dict[datetime.date, MonthAmounts]:
    """Invoiced, paid and open amounts of the invoices issued in each month from ``since``
    on, with their distinct recipients: one grouped query."""
    paid = Q(paid_amount__gt=0)
    still_open = Q(status__in=OPEN_STATUSES)
    rows = (
        Invoice.objects.filter(
            organization=organization, issue_date__gte=since, credit_note_for__isnull=True
        )
        .exclude(status__in=_NOT_INVOICED)
        .annotate(month=TruncMonth("issue_date"))
        .values("month")
        .annotate(
            invoiced=Sum("total"),
            invoiced_people=Count("membership", distinct=True),
            paid=Sum("paid_amount", filter=paid),
            paid_people=Count("membership", distinct=True, filter=paid),
            open=Sum(AMOUNT_DUE, filter=still_open),
            open_people=Count("membership", distinct=True, filter=still_open),
        )
        .order_by()
    )
    zero = Decimal("0.00")
    return {
        month_key(row["month"]): MonthAmounts(
            invoiced=row["invoiced"] or zero,
            invoiced_people=row["invoiced_people"],
            paid=row["paid"] or zero,
            paid_people=row["paid_people"],
            open=row["open"] or zero,
            open_people=row["open_people"],
        )
        for row in rows
    }


# The overdue ages the dashboard shows: every age past the due date.
OVERDUE_AGES_PAST_DUE = tuple(key for key, first, _last in OVERDUE_AGES if first is not None)


@dataclass(frozen=True)
class Receivables:
    """What is owed and how it has been paid, each with the people behind it."""

    # Keys of OVERDUE_AGES_PAST_DUE: (amount still due, distinct recipients).
    overdue: dict[str, tuple[Decimal, int]]
    collection_invoices: int
    collection_people: int
    # Recipients of the fully paid invoices whose payment delays are measured.
    paid_people: int


def receivables(
    *, organization: Organization, today: datetime.date, paid_since: datetime.date
) -> Receivables:
    """Overdue amounts by age, invoices in collection and the recipients of the invoices
    fully paid since ``paid_since``: one query of conditional aggregates."""
    aggregates: dict[str, Sum | Count] = {}
    for key in OVERDUE_AGES_PAST_DUE:
        age = _overdue_age_filter(key, today)
        aggregates[f"amount_{key}"] = Sum(AMOUNT_DUE, filter=age)
        aggregates[f"people_{key}"] = Count("membership", distinct=True, filter=age)
    in_collection = Q(status=Invoice.Status.IN_COLLECTION)
    # The rows counted by a column that is never empty and, unlike the id, is in the
    # covering index the query is answered from (billing migration 0011).
    aggregates["collection_invoices"] = Count("total", filter=in_collection)
    aggregates["collection_people"] = Count("membership", distinct=True, filter=in_collection)
    aggregates["paid_people"] = Count(
        "membership", distinct=True, filter=_fully_paid_since(paid_since)
    )
    # Only the rows some figure counts: past due and open, in collection, or recently paid
    # (the aggregates' own filters pick each figure's rows among these).
    past_due = Q(status__in=OPEN_STATUSES, due_date__lt=today)
    counted = past_due | in_collection | _fully_paid_since(paid_since)
    row = Invoice.objects.filter(
        counted, organization=organization, credit_note_for__isnull=True
    ).aggregate(**aggregates)
    return Receivables(
        overdue={
            key: (row[f"amount_{key}"] or Decimal("0.00"), row[f"people_{key}"])
            for key in OVERDUE_AGES_PAST_DUE
        },
        collection_invoices=row["collection_invoices"],
        collection_people=row["collection_people"],
        paid_people=row["paid_people"],
    )


def _fully_paid_since(since: datetime.date) -> Q:
    return Q(status=Invoice.Status.PAID, issue_date__gte=since)


def payment_delays(*, organization: Organization, since: datetime.date) -> dict[int, int]:
    """How many of the invoices issued since ``since`` and fully paid were paid in how many
    days from their issue date (to their last payment): one grouped query, as a
    distribution whose size is the number of distinct delays, not of invoices."""
    last_paid = (
        Payment.objects.filter(invoice=OuterRef("pk")).order_by("-paid_on").values("paid_on")[:1]
    )
    rows = (
        Invoice.objects.filter(_fully_paid_since(since), organization=organization)
        .filter(credit_note_for__isnull=True)
        .annotate(last_paid=Subquery(last_paid))
        .annotate(days=DaysBetween("last_paid", "issue_date"))
        .values("days")
        .annotate(invoices=Count("id"))
        .order_by()
    )
    # An invoice marked paid without a payment row has no delay (None): left out here, not
    # by a filter in SQL, which would run the subquery a second time for every invoice.
    return {row["days"]: row["invoices"] for row in rows if row["days"] is not None}


@dataclass(frozen=True)
class ProductContracts:
    name: str
    contracts: int
    people: int


def active_contracts_by_product(
    *, organization: Organization, today: datetime.date
) -> list[ProductContracts]:
    """Contracts in force on ``today`` per product (products on sale or with such
    contracts), with the distinct members behind them: one grouped query."""
    in_force = Q(contracts__opened_on__lte=today) & (
        Q(contracts__terminated_on__isnull=True) | Q(contracts__terminated_on__gte=today)
    )
    rows = (
        Product.objects.filter(organization=organization)
        .annotate(
            active=Count("contracts", filter=in_force),
            people=Count("contracts__membership", distinct=True, filter=in_force),
        )
        .filter(Q(is_active=True) | Q(active__gt=0))
        .order_by("name", "id")
        .values_list("name", "active", "people")
    )
    return [ProductContracts(name, active, people) for name, active, people in rows]
