"""Writes for billing: contracts, invoices, credit notes and payments.

Every service takes keyword arguments only and records its writes in the audit trail as
made by ``actor`` (``acting_as``), whoever calls it: a page, the admin, a task. What an
invoice's status allows is decided in ``states``.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gdpr.api import acting_as, audit_records_created
from organizations.models import BankAccount, Membership, Organization
from organizations.services import RuleError
from registry.outbox.services import enqueue_on_commit

from . import money, numbers, settlement, states
from .camt054 import ReferencePayment, parse_camt054
from .models import (
    FIRST_YEAR,
    LAST_YEAR,
    Contract,
    ContractEvent,
    Invoice,
    InvoiceLine,
    Payment,
    Product,
)
from .payment_references import with_references_from_messages

# Reminders are written in their own module; the name stays reachable here.
from .reminders import reminder_record  # noqa: F401
from .tasks import email_invoice

if TYPE_CHECKING:
    from accounts.models import User


def _as_actor[**P, R](service: Callable[P, R]) -> Callable[P, R]:
    """Record the service's writes as made by its ``actor``.

    A page's middleware already names the signed-in user, but the admin's actions, tasks
    and commands call the services too: the service names its actor itself. Without one
    (a job) whoever the context names stays.
    """

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        actor = kwargs.get("actor")
        if actor is None:
            return service(*args, **kwargs)
        with acting_as(actor):
            return service(*args, **kwargs)

    return run


# --- Products ---------------------------------------------------------------------------------

PRODUCT_FIELDS = ("name", "description", "unit", "unit_price", "vat_rate", "is_active")


@_as_actor
@transaction.atomic
def product_save(
    *,
    organization: Organization,
    product: Product | None,
    data: dict,
    actor: User | None,
) -> Product:
    """Add a product to the organization's price list or change one.

    ``is_active=False`` takes a product off sale; contracts and invoices keep it.
    """
    product = product or Product(organization=organization)
    if product.organization_id != organization.pk:
        raise RuleError(_("The product belongs to another organization."))
    for name in PRODUCT_FIELDS:
        if name in data:
            setattr(product, name, data[name])
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as error:
        raise RuleError(_("The organization already has a product with this name.")) from error
    return product


# --- Contracts --------------------------------------------------------------------------------


@_as_actor
@transaction.atomic
def contract_open(
    *,
    membership: Membership,
    product: Product,
    opened_on: datetime.date,
    quantity: Decimal = Decimal(1),
    actor: User | None,
) -> Contract:
    """Subscribe an active member to one of the organization's products."""
    if product.organization_id != membership.organization_id:
        raise RuleError(_("The product belongs to another organization."))
    if membership.status != Membership.Status.ACTIVE:
        raise RuleError(_("Only an active member can have a contract."))
    if not product.is_active:
        raise RuleError(_("The product is no longer on sale."))
    contract = Contract.objects.create(
        organization_id=membership.organization_id,
        membership=membership,
        product=product,
        quantity=quantity,
        opened_on=opened_on,
    )
    ContractEvent.objects.create(contract=contract, kind=ContractEvent.Kind.OPENED, actor=actor)
    return contract


@_as_actor
@transaction.atomic
def contract_terminate(
    *, contract: Contract, terminated_on: datetime.date, reason: str, actor: User | None
) -> Contract:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.terminated_on is not None:
        raise RuleError(_("The contract has already been terminated."))
    if terminated_on < contract.opened_on:
        raise RuleError(_("A contract cannot end before it opened."))
    contract.terminated_on = terminated_on
    contract.terminated_by = actor
    contract.termination_reason = reason
    contract.save(update_fields=["terminated_on", "terminated_by", "termination_reason"])
    ContractEvent.objects.create(
        contract=contract, kind=ContractEvent.Kind.TERMINATED, note=reason, actor=actor
    )
    return contract


# --- Invoices ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    product: Product | None = None


def _recipient_address(membership: Membership) -> str:
    user = membership.user
    if user is None:
        return ""
    lines = [user.street_address, f"{user.postal_code} {user.city}".strip()]
    if user.country and user.country != "FI":
        lines.append(str(user.country.name))
    return "\n".join(line for line in lines if line)


def _issue_number(invoice: Invoice) -> None:
    """Give ``invoice`` the organization's next number and the reference derived from it.

    The organization's row is locked until the transaction ends, so two admins issuing at
    the same moment get consecutive numbers, never the same one; only issued invoices take
    numbers, so the series has no gaps whatever drafts are discarded. A draft that already
    has a number (one made before numbers waited for the issue) keeps it.
    """
    Organization.objects.select_for_update().filter(pk=invoice.organization_id).get()
    if invoice.number is None:
        last = Invoice.objects.filter(organization_id=invoice.organization_id).aggregate(
            n=Max("number")
        )["n"]
        invoice.number = (last or 0) + 1
    invoice.reference = numbers.reference_for_invoice(
        organization_id=invoice.organization_id, invoice_number=invoice.number
    )


def _check_invoice_input(
    *,
    organization: Organization,
    membership: Membership,
    lines: Sequence[LineInput],
    issue_date: datetime.date,
    due_date: datetime.date,
) -> BankAccount:
    """Refuse what no invoice may hold; return the organization's primary bank account."""
    if membership.organization_id != organization.pk:
        raise RuleError(_("The member belongs to another organization."))
    if not lines:
        raise RuleError(_("An invoice needs at least one line."))
    if any(
        line.product is not None and line.product.organization_id != organization.pk
        for line in lines
    ):
        raise RuleError(_("The product belongs to another organization."))
    if due_date < issue_date:
        raise RuleError(_("The due date cannot be before the issue date."))
    account = organization.bank_accounts.filter(is_primary=True).first()
    if account is None:
        raise RuleError(_("Add a bank account to the organization before invoicing."))
    return account


def _fill_invoice(
    invoice: Invoice,
    *,
    membership: Membership,
    lines: Sequence[LineInput],
    issue_date: datetime.date,
    due_date: datetime.date,
    notes: str,
    account: BankAccount,
) -> list[money.LineAmounts]:
    """Copy the recipient, the account, the dates and the totals onto ``invoice``."""
    computed = [
        money.line_amounts(
            quantity=line.quantity, unit_price=line.unit_price, vat_rate=line.vat_rate
        )
        for line in lines
    ]
    totals = money.invoice_totals(computed)
    invoice.membership = membership
    invoice.issue_date = issue_date
    invoice.due_date = due_date
    invoice.recipient_name = membership.name or membership.email
    invoice.recipient_address = _recipient_address(membership)
    invoice.recipient_email = membership.email
    invoice.iban = account.iban
    invoice.bic = account.bic
    invoice.total_net = totals.net
    invoice.total_vat = totals.vat
    invoice.total = totals.gross
    invoice.notes = notes
    invoice.retain_until = invoice.organization.voucher_retention_until(issue_date)
    return computed


def _create_lines(
    invoice: Invoice, lines: Sequence[LineInput], computed: Sequence[money.LineAmounts]
) -> None:
    lines_created = InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            product=line.product,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
            net=amounts.net,
            vat=amounts.vat,
            gross=amounts.gross,
        )
        for position, (line, amounts) in enumerate(zip(lines, computed, strict=True), start=1)
    )
    # bulk_create sends no signals: the lines hold personal data, so record them here.
    audit_records_created(lines_created)


@_as_actor
@transaction.atomic
def invoice_create(
    *,
    organization: Organization,
    membership: Membership,
    lines: Sequence[LineInput],
    issue_date: datetime.date,
    due_date: datetime.date,
    notes: str = "",
    actor: User | None,
    credit_note_for: Invoice | None = None,
) -> Invoice:
    """Make a draft invoice with its totals; it gets its number when it is sent.

    A credit note (``credit_note_for``) is issued at once, number and all.
    """
    account = _check_invoice_input(
        organization=organization,
        membership=membership,
        lines=lines,
        issue_date=issue_date,
        due_date=due_date,
    )
    invoice = Invoice(organization=organization, credit_note_for=credit_note_for, created_by=actor)
    computed = _fill_invoice(
        invoice,
        membership=membership,
        lines=lines,
        issue_date=issue_date,
        due_date=due_date,
        notes=notes,
        account=account,
    )
    if credit_note_for is not None:
        _issue_number(invoice)
    invoice.save()
    _create_lines(invoice, lines, computed)
    return invoice


@_as_actor
@transaction.atomic
def invoice_update(
    *,
    invoice: Invoice,
    membership: Membership,
    lines: Sequence[LineInput],
    issue_date: datetime.date,
    due_date: datetime.date,
    notes: str = "",
    actor: User | None,
) -> Invoice:
    """Change a draft: its recipient, dates, notes and lines (all replaced) and totals."""
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=invoice.pk)
    )
    states.require(invoice, states.Action.EDIT)
    account = _check_invoice_input(
        organization=invoice.organization,
        membership=membership,
        lines=lines,
        issue_date=issue_date,
        due_date=due_date,
    )
    computed = _fill_invoice(
        invoice,
        membership=membership,
        lines=lines,
        issue_date=issue_date,
        due_date=due_date,
        notes=notes,
        account=account,
    )
    invoice.save()
    # A queryset delete still sends each row's signals: the trail records the old lines.
    invoice.lines.all().delete()
    _create_lines(invoice, lines, computed)
    return invoice


@_as_actor
@transaction.atomic
def invoice_discard(*, invoice: Invoice, actor: User | None) -> None:
    """Delete a draft with its lines: it was never issued, so no voucher is lost."""
    invoice = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice.pk)
    states.require(invoice, states.Action.DISCARD)
    if invoice.payments.exists():
        raise RuleError(str(states.RULES[states.Action.DISCARD].paid_refusal))
    # The lines go with it (each recorded in the trail, as the invoice is).
    invoice.delete()


@_as_actor
@transaction.atomic
def invoice_credit(*, invoice: Invoice, actor: User | None, reason: str = "") -> Invoice:
    """Cancel a sent invoice with a credit note carrying the same lines negated."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    states.require(invoice, states.Action.CREDIT)
    lines = [
        LineInput(
            description=line.description,
            quantity=-line.quantity,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
            product=line.product,
        )
        for line in invoice.lines.all()
    ]
    today = timezone.localdate()
    credit_note = invoice_create(
        organization=invoice.organization,
        membership=invoice.membership,
        lines=lines,
        issue_date=today,
        due_date=today,
        notes=reason or _("Credit note for invoice %(number)s") % {"number": invoice.number},
        actor=actor,
        credit_note_for=invoice,
    )
    # A credit note is born void: nothing on it is to be paid.
    credit_note.status = states.target(states.Action.CREDIT)
    credit_note.save(update_fields=["status"])
    invoice.status = states.target(states.Action.CREDIT)
    invoice.save(update_fields=["status"])
    # The member is told, once, with the credit note as a PDF (billing.sending).
    enqueue_on_commit(email_invoice, credit_note.pk)
    return credit_note


def _apply_payment(invoice: Invoice, amount: Decimal) -> None:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    settlement.allocate(invoice, amount)
    invoice.status = states.status_after_payment(invoice, today=timezone.localdate())
    invoice.save(update_fields=[*settlement.FIELDS, "status"])


@_as_actor
@transaction.atomic
def payment_record(
    *,
    organization: Organization,
    amount: Decimal,
    paid_on: datetime.date,
    invoice: Invoice | None = None,
    reference: str = "",
    payer_name: str = "",
    payer_iban: str = "",
    actor: User | None,
) -> Payment:
    """Record a payment by hand; with an invoice it counts towards that invoice at once."""
    if amount <= 0:
        raise RuleError(_("The amount must be greater than zero."))
    if invoice is not None and invoice.organization_id != organization.pk:
        raise RuleError(_("The invoice belongs to another organization."))
    if invoice is not None:
        # Money received counts towards the invoice whatever its status (a paid or void
        # one then owes a refund); the page offers the form only where the table's
        # RECORD_PAYMENT allows it.
        states.require(invoice, states.Action.MATCH_PAYMENT)
    payment = Payment.objects.create(
        organization=organization,
        invoice=invoice,
        amount=amount,
        paid_on=paid_on,
        reference=reference or (invoice.reference if invoice else ""),
        payer_name=payer_name,
        payer_iban="".join(payer_iban.split()).upper(),
        source=Payment.Source.MANUAL,
        matched_at=timezone.now() if invoice else None,
        recorded_by=actor,
        retain_until=organization.voucher_retention_until(paid_on),
    )
    if invoice is not None:
        _apply_payment(invoice, amount)
    return payment


@dataclass
class ImportSummary:
    matched: list[Payment] = field(default_factory=list)
    unmatched: list[Payment] = field(default_factory=list)
    already_imported: int = 0


def _national_reference(value: str) -> str:
    compact = value.replace(" ", "").upper()
    if compact.startswith("RF"):
        try:
            return numbers.rf_to_reference(compact)
        except ValueError:
            return compact
    return compact.lstrip("0")


@_as_actor
@transaction.atomic
def payments_import(
    *, organization: Organization, data: bytes, actor: User | None
) -> ImportSummary:
    """Import a camt.054 reference-payment file; each bank entry counts once, ever.

    A file that cannot be read raises ``Camt054Error``, and a file of an account that is not
    the organization's raises ``RuleError``, before anything is written.
    """
    payments = parse_camt054(data)
    # References are unique per organization only: another organization's file would
    # match its payments to this organization's invoices with the same numbers.
    own_accounts = {
        "".join(iban.split()).upper()
        for iban in organization.bank_accounts.values_list("iban", flat=True)
    }
    foreign = sorted({p.account_iban for p in payments} - own_accounts)
    if foreign:
        raise RuleError(
            _(
                "The file is for account %(iban)s, which is not one of the organization's "
                "bank accounts. Nothing was imported."
            )
            % {"iban": ", ".join(foreign)}
        )
    for entry in payments:
        _check_storable(entry)
    payments = with_references_from_messages(organization, payments)
    summary = ImportSummary()
    invoices = _invoices_by_reference(organization, (p.reference for p in payments))
    for entry in payments:
        # Stored cut to the column's length: compare the same way.
        entry_key = entry.entry_reference[:100]
        if Payment.objects.filter(
            organization=organization, bank_entry_reference=entry_key
        ).exists():
            summary.already_imported += 1
            continue
        invoice = invoices.get(_national_reference(entry.reference))
        if entry.currency != "EUR" or (
            invoice is not None and not states.allows(invoice, states.Action.MATCH_PAYMENT)
        ):
            # Invoices are in euros, and nobody pays a credit note: someone has to look.
            invoice = None
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    organization=organization,
                    invoice=invoice,
                    amount=entry.amount,
                    paid_on=entry.booking_date,
                    reference=entry.reference,
                    payer_name=entry.payer_name[:140],
                    payer_iban=entry.payer_iban[:34],
                    message=entry.message[:420],
                    source=Payment.Source.BANK_FILE,
                    bank_entry_reference=entry_key,
                    matched_at=timezone.now() if invoice else None,
                    recorded_by=actor,
                    retain_until=organization.voucher_retention_until(entry.booking_date),
                )
        except IntegrityError:
            # The same entry imported at this very moment by another request.
            summary.already_imported += 1
            continue
        if invoice is not None:
            _apply_payment(invoice, entry.amount)
            summary.matched.append(payment)
        else:
            summary.unmatched.append(payment)
    return summary


def _check_storable(entry: ReferencePayment) -> None:
    """Refuse a payment the database cannot hold, before anything of the file is written.

    PostgreSQL would refuse the row, SQLite would store it silently; a booking date in the
    far future would also overflow its retention date.
    """
    amount_field = Payment._meta.get_field("amount")
    limit = Decimal(10) ** (amount_field.max_digits - amount_field.decimal_places)
    # Rounded as the column rounds it: 9999999999.999 becomes 10000000000.00.
    if entry.amount.quantize(money.CENT, rounding=ROUND_HALF_UP) >= limit:
        raise RuleError(
            _(
                "The amount %(amount)s of payment %(entry)s in the file is more than the "
                "register can hold. Nothing was imported."
            )
            % {"entry": entry.entry_reference, "amount": entry.amount}
        )
    if not FIRST_YEAR <= entry.booking_date.year <= LAST_YEAR:
        raise RuleError(
            _(
                "The payment %(entry)s in the file was booked on %(date)s, outside the years "
                "%(first)s to %(last)s. Nothing was imported."
            )
            % {
                "entry": entry.entry_reference,
                "date": entry.booking_date.isoformat(),
                "first": FIRST_YEAR,
                "last": LAST_YEAR,
            }
        )


def _invoices_by_reference(organization: Organization, references: Iterable[str]) -> dict:
    wanted = {_national_reference(ref) for ref in references if ref}
    found = Invoice.objects.filter(organization=organization, reference__in=wanted)
    return {invoice.reference: invoice for invoice in found}


# --- Sending, reminders, collection ------------------------------------------------------------


@_as_actor
@transaction.atomic
def invoice_send(*, invoice: Invoice, actor: User | None, mail: bool = True) -> Invoice:
    """Issue a draft: it gets its number and reference and status "sent" now, and is
    mailed once, after commit (``mail=False``: handed over some other way)."""
    invoice = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice.pk)
    states.require(invoice, states.Action.SEND)
    _issue_number(invoice)
    invoice.status = states.target(states.Action.SEND)
    invoice.save(update_fields=["number", "reference", "status"])
    if mail:
        enqueue_on_commit(email_invoice, invoice.pk)
    return invoice


@_as_actor
@transaction.atomic
def invoice_hand_over_to_collection(
    *, invoice: Invoice, handed_over_on: datetime.date, agency: str, actor: User | None
) -> Invoice:
    """Mark an overdue invoice as handed over to a collection agency."""
    invoice = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice.pk)
    # The daily job may not have marked a sent invoice overdue yet: its due date decides.
    states.require(invoice, states.Action.COLLECT, on=handed_over_on)
    invoice.status = states.target(states.Action.COLLECT)
    invoice.collection_on = handed_over_on
    invoice.collection_agency = agency
    invoice.save(update_fields=["status", "collection_on", "collection_agency"])
    return invoice


def invoices_mark_overdue(*, today: datetime.date | None = None) -> int:
    """Sent invoices past their due date become overdue (a daily job; safe to repeat)."""
    today = today or timezone.localdate()
    rule = states.RULES[states.Action.MARK_OVERDUE]
    # The status is not personal data: a plain update, with nothing for the audit trail.
    return Invoice.objects.filter(
        status__in=rule.statuses, due_date__lt=today, paid_amount=0
    ).update(status=rule.target)
