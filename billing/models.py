"""Products, contracts, invoices and payments of an organization.

Invoices, credit notes and payments are accounting vouchers: each carries the date until
which it must be kept (``retain_until``), set when it is created, and nothing in the app
deletes one earlier.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from organizations.models import Membership, Organization

from .money import VatRate

VAT_RATES = VatRate.choices
# Barcodes carry two-digit years and retention dates add years: keep dates in this century.
FIRST_YEAR, LAST_YEAR = 2000, 2099


class Product(models.Model):
    """Something an organization sells to its members: a fee, flight hours, a course."""

    class Unit(models.TextChoices):
        PIECE = "piece", _("piece")
        YEAR = "year", _("year")
        MONTH = "month", _("month")
        HOUR = "hour", _("hour")
        FLIGHT_HOUR = "flight_hour", _("flight hour")
        LANDING = "landing", _("landing")

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="products",
        verbose_name=_("organization"),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.CharField(_("description"), max_length=500, blank=True)
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices, default=Unit.PIECE)
    unit_price = models.DecimalField(_("unit price (VAT 0 %)"), max_digits=12, decimal_places=2)
    vat_rate = models.DecimalField(
        _("VAT rate"), max_digits=4, decimal_places=1, choices=VAT_RATES, default=VatRate.STANDARD
    )
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="product_org_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Contract(models.Model):
    """A member's subscription to a product, open-ended or until it is terminated."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="contracts",
        verbose_name=_("organization"),
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("member")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("product")
    )
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2, default=1)
    opened_on = models.DateField(_("opened"))
    terminated_on = models.DateField(_("terminated"), null=True, blank=True)
    terminated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("terminated by"),
    )
    termination_reason = models.CharField(_("reason for termination"), max_length=300, blank=True)
    # When the organization's admins were asked to end it by hand: its member left and it
    # could not be ended then (billing.leaving). Set once, so the request goes once.
    end_request_sent_at = models.DateTimeField(
        _("admins asked to end it"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-opened_on", "-id"]
        indexes = [
            models.Index(fields=["organization", "-opened_on"], name="contract_org_idx"),
            models.Index(fields=["membership", "-opened_on"], name="contract_member_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.product} / {self.membership_id}"

    @property
    def is_open(self) -> bool:
        return self.terminated_on is None or self.terminated_on >= timezone.localdate()


class ContractEvent(models.Model):
    """The history of a contract: opened, changed, terminated — by whom and when."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        CHANGED = "changed", _("Changed")
        TERMINATED = "terminated", _("Terminated")

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="events", verbose_name=_("contract")
    )
    kind = models.CharField(_("event"), max_length=12, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("contract event")
        verbose_name_plural = _("contract events")
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.kind}"


class Invoice(models.Model):
    """A sales invoice (or a credit note) from an organization to one of its members.

    The recipient's name and address, the account and all amounts are copied onto the
    invoice when it is issued: a voucher must show what was sent, whatever changes later.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        PARTIALLY_PAID = "partially_paid", _("Partially paid")
        PAID = "paid", _("Paid")
        OVERDUE = "overdue", _("Overdue")
        IN_COLLECTION = "in_collection", _("In collection")
        CREDITED = "credited", _("Credited")
        CANCELLED = "cancelled", _("Cancelled")

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="invoices",
        verbose_name=_("organization"),
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("member")
    )
    # Given when the invoice is issued (sent, or a credit note made), never to a draft: the
    # series of issued invoices has no gaps, whatever drafts are discarded in between.
    number = models.PositiveIntegerField(_("invoice number"), null=True, blank=True)
    credit_note_for = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_note",
        verbose_name=_("credit note for"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    issue_date = models.DateField(_("issue date"))
    due_date = models.DateField(_("due date"))
    # Derived from the number: empty on a draft.
    reference = models.CharField(_("reference number"), max_length=20, blank=True)
    recipient_name = models.CharField(_("recipient"), max_length=300)
    recipient_address = models.TextField(_("recipient's address"), blank=True)
    recipient_email = models.EmailField(_("recipient's email address"), blank=True)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    total_net = models.DecimalField(_("total excluding VAT"), max_digits=12, decimal_places=2)
    total_vat = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    paid_amount = models.DecimalField(
        _("paid"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    # Charged on the invoice's reminders (billing.reminders): the fees and the late-payment
    # interest up to the last reminder. What has been paid of each is kept apart, as a payment
    # settles fees first, then interest, then the capital (billing.settlement).
    fees_charged = models.DecimalField(
        _("reminder fees charged"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    interest_charged = models.DecimalField(
        _("interest charged"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    interest_until = models.DateField(_("interest counted until"), null=True, blank=True)
    fees_paid = models.DecimalField(
        _("reminder fees paid"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    interest_paid = models.DecimalField(
        _("interest paid"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    notes = models.TextField(_("notes on the invoice"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    collection_on = models.DateField(_("handed over to collection"), null=True, blank=True)
    collection_agency = models.CharField(_("collection agency"), max_length=200, blank=True)
    retain_until = models.DateField(_("kept until"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = [models.F("number").desc(nulls_first=True), "-id"]
        constraints = [
            # NULLs are distinct: any number of drafts, each issued number once.
            models.UniqueConstraint(
                fields=["organization", "number"], name="invoice_org_number_unique"
            ),
            models.UniqueConstraint(
                fields=["organization", "reference"],
                condition=~models.Q(reference=""),
                name="invoice_org_reference_unique",
            ),
            # Only a draft may be without a number (and its reference): an issued one has both.
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | (models.Q(number__isnull=False) & ~models.Q(reference="")),
                name="invoice_issued_has_number",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-number"], name="invoice_list_idx"),
            models.Index(fields=["organization", "due_date"], name="invoice_due_idx"),
            # PostgreSQL only: invoice_receivables_idx, the statistics' (migration 0011).
            # The statistics' months: an organization's invoices of the last year, not all.
            models.Index(fields=["organization", "issue_date"], name="invoice_issued_idx"),
            models.Index(fields=["membership", "-issue_date"], name="invoice_member_idx"),
            models.Index(fields=["retain_until"], name="invoice_retention_idx"),
        ]

    def __str__(self) -> str:
        return self.number_display

    @property
    def number_display(self) -> str:
        """The number, or "draft" for a draft that has none yet."""
        return str(self.number) if self.number is not None else gettext("draft")

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_credit_note(self) -> bool:
        return self.credit_note_for_id is not None

    @property
    def amount_due(self) -> Decimal:
        """What is still to be paid: the capital, and the fees and interest charged."""
        return self.total + self.fees_charged + self.interest_charged - self.paid_amount

    @property
    def capital_paid(self) -> Decimal:
        """What of the payments went to the invoice's own total (after fees and interest)."""
        return self.paid_amount - self.fees_paid - self.interest_paid

    @property
    def capital_due(self) -> Decimal:
        return self.total - self.capital_paid

    @property
    def amount_owed_back(self) -> Decimal:
        """What was paid beyond what is due, or everything paid on a void invoice: to refund."""
        if self.status in (self.Status.CREDITED, self.Status.CANCELLED):
            return self.paid_amount
        return max(Decimal("0.00"), -self.amount_due)


# An invoice in one of these is done with: nothing is left to collect on it. One list for
# every question that needs it (retention, erasure, the pages' actions).
SETTLED_STATUSES = frozenset(
    {Invoice.Status.PAID, Invoice.Status.CREDITED, Invoice.Status.CANCELLED}
)


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("invoice")
    )
    position = models.PositiveSmallIntegerField(_("row"))
    product = models.ForeignKey(
        Product,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    vat_rate = models.DecimalField(_("VAT rate"), max_digits=4, decimal_places=1, choices=VAT_RATES)
    net = models.DecimalField(_("excluding VAT"), max_digits=12, decimal_places=2)
    vat = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2)
    gross = models.DecimalField(_("including VAT"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "position"], name="invoiceline_position_unique"
            )
        ]

    def __str__(self) -> str:
        return self.description


class Payment(models.Model):
    """Money received: recorded by hand or imported from the bank's camt.054 file."""

    class State(models.TextChoices):
        """How the payment stands against its invoice (``Payment.state``)."""

        UNMATCHED = "unmatched", _("Unmatched")
        MATCHED = "matched", _("Matched")
        PARTIAL = "partial", _("Partially paid")
        OVERPAID = "overpaid", _("Overpaid")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Recorded by hand")
        BANK_FILE = "bank_file", _("Bank file (camt.054)")

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("organization"),
    )
    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("invoice"),
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    paid_on = models.DateField(_("payment date"))
    reference = models.CharField(_("reference number"), max_length=35, blank=True)
    payer_name = models.CharField(_("payer"), max_length=140, blank=True)
    # The account the money came from, as the bank file gave it (spaces removed).
    payer_iban = models.CharField(_("payer's IBAN"), max_length=34, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    # What the payer wrote in the free-text message (camt.054 RmtInf/Ustrd).
    message = models.CharField(_("message"), max_length=420, blank=True)
    # The bank's own id of the entry: importing the same file twice counts nothing twice.
    bank_entry_reference = models.CharField(max_length=100, blank=True, editable=False)
    matched_at = models.DateTimeField(_("matched"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    retain_until = models.DateField(_("kept until"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "bank_entry_reference"],
                condition=~models.Q(bank_entry_reference=""),
                name="payment_bank_entry_unique",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "invoice"], name="payment_org_invoice_idx"),
            # The payments list: one organization's, newest first, read in index order
            # instead of sorting every payment it has.
            models.Index(fields=["organization", "-paid_on", "-id"], name="payment_org_list_idx"),
            models.Index(fields=["retain_until"], name="payment_retention_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.paid_on}"

    @property
    def state(self) -> str:
        """Where the payment stands (``State``): ``selectors.PAYMENT_STATES``, in Python."""
        invoice = self.invoice  # read with the payment by the list; one query elsewhere
        if invoice is None:
            return self.State.UNMATCHED
        due = invoice.total + invoice.fees_charged + invoice.interest_charged
        void = invoice.status in (Invoice.Status.CREDITED, Invoice.Status.CANCELLED)
        if invoice.paid_amount > due or void:
            return self.State.OVERPAID
        return self.State.PARTIAL if invoice.paid_amount < due else self.State.MATCHED


class PaymentTally(models.Model):
    """How many payments an organization has, kept by PostgreSQL's triggers on the payment
    table (``registry.tally``): the payments list reads it instead of counting. Nothing in
    Python writes here."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    payments = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.payments}"


class Reminder(models.Model):
    """A payment reminder of an overdue invoice, with what it asked to be paid.

    The amounts are computed when the reminder is made (``billing.reminders``) and kept as
    they were sent: the capital still owed, the interest to the reminder's date, the fees
    unpaid (this one's included), and their total, which its barcode carries.
    """

    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("invoice")
    )
    sent_on = models.DateField(_("sent"))
    fee = models.DecimalField(_("reminder fee"), max_digits=8, decimal_places=2, default=0)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    capital = models.DecimalField(
        _("capital owed"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    interest = models.DecimalField(
        _("interest to date"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    fees = models.DecimalField(
        _("fees unpaid"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    total = models.DecimalField(
        _("total due"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    reference = models.CharField(_("reference number"), max_length=20, blank=True)
    # The rates the interest was counted at, as "period: rate" lines (shown on the reminder).
    interest_basis = models.TextField(_("interest counted at"), blank=True)
    # Mailed to the member once (billing.sending).
    sent_at = models.DateTimeField(_("mailed"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["invoice", "sent_on", "id"]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.sent_on}"


class EInvoiceAddress(models.Model):
    """Where a member's invoices go as Finvoice e-invoices instead of mail.

    An organization receives them through its operator: its OVT/EDI identifier (0037, the
    Y-tunnus without the dash, an optional suffix) and the operator's intermediator
    identifier. A consumer receives them in their online bank: the e-invoice address the
    bank gave them and the bank's BIC as the intermediator.
    """

    class Kind(models.TextChoices):
        OPERATOR = "operator", _("Organization (OVT/EDI identifier and operator)")
        CONSUMER = "consumer", _("Consumer (e-invoice in the online bank)")

    membership = models.OneToOneField(
        Membership,
        on_delete=models.CASCADE,
        related_name="einvoice_address",
        verbose_name=_("member"),
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    # Finvoice caps both at 35 characters (ToIdentifier, InvoiceRecipientAddress).
    address = models.CharField(_("e-invoice address"), max_length=35)
    intermediator = models.CharField(_("intermediator"), max_length=35)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("e-invoice address")
        verbose_name_plural = _("e-invoice addresses")

    def __str__(self) -> str:
        return f"{self.address} / {self.intermediator}"

    @property
    def is_operator(self) -> bool:
        return self.kind == self.Kind.OPERATOR


class ReferenceRate(models.Model):
    """The reference rate of the Interest Act (633/1982, 12 §) for one half-year.

    The Bank of Finland publishes it for 1.1.-30.6. and 1.7.-31.12.; a rate is valid from
    its ``valid_from`` to the end of that half-year, when the next period's rate takes over.
    """

    valid_from = models.DateField(
        _("valid from"), help_text=_("The first day of a half-year: 1 January or 1 July.")
    )
    rate = models.DecimalField(
        _("reference rate (%)"),
        max_digits=5,
        decimal_places=2,
        help_text=_("As the Bank of Finland published it, e.g. 2.50."),
    )

    class Meta:
        verbose_name = _("reference rate")
        verbose_name_plural = _("reference rates")
        ordering = ["-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["valid_from"], name="referencerate_valid_from_unique"),
            models.CheckConstraint(
                condition=models.Q(valid_from__day=1, valid_from__month__in=(1, 7)),
                name="referencerate_starts_half_year",
            ),
            models.CheckConstraint(
                condition=models.Q(rate__gte=-10, rate__lte=50), name="referencerate_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.valid_from:%d.%m.%Y} {self.rate} %"

    @property
    def valid_until(self) -> datetime.date:
        """The last day of the half-year the rate is valid for."""
        if self.valid_from.month < 7:
            return datetime.date(self.valid_from.year, 6, 30)
        return datetime.date(self.valid_from.year, 12, 31)

    def clean(self) -> None:
        if self.valid_from and (self.valid_from.day != 1 or self.valid_from.month not in (1, 7)):
            raise ValidationError(
                {"valid_from": _("A reference rate is valid from 1 January or 1 July.")}
            )


# The Receivables Collection Act (513/1999) 10 a § 1 mom. 1 kohta: at most 5 euros may be
# claimed for a payment reminder of a consumer claim.
MAX_REMINDER_FEE = Decimal("5.00")


class BillingSettings(models.Model):
    """An organization's choices for its reminders; made on demand with the defaults."""

    organization = models.OneToOneField(
        Organization,
        on_delete=models.CASCADE,
        related_name="billing_settings",
        verbose_name=_("organization"),
    )
    reminder_fee = models.DecimalField(
        _("reminder fee"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text=_("At most 5.00 euros a reminder (Receivables Collection Act)."),
    )
    charges_interest = models.BooleanField(
        _("charge late-payment interest"),
        default=False,
        help_text=_(
            "Interest by the Interest Act: the reference rate plus seven percentage points."
        ),
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("billing settings")
        verbose_name_plural = _("billing settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reminder_fee__gte=0, reminder_fee__lte=MAX_REMINDER_FEE),
                name="billingsettings_fee_within_law",
            )
        ]

    def __str__(self) -> str:
        return str(self.organization_id)


# The log of matches by hand and the collection records live in their own module (the
# size of this one); imported here so that Django finds them with the app's models.
from .collection_models import CollectionClaim, CollectionPartner, PaymentEvent  # noqa: E402

__all__ = [
    "MAX_REMINDER_FEE",
    "BillingSettings",
    "CollectionClaim",
    "CollectionPartner",
    "Contract",
    "ContractEvent",
    "EInvoiceAddress",
    "Invoice",
    "InvoiceLine",
    "Payment",
    "PaymentEvent",
    "Product",
    "ReferenceRate",
    "Reminder",
]
