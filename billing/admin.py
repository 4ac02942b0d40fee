"""Billing in the Django admin: the controller sees every organization's books.

Invoices, credit notes and payments are accounting vouchers (Accounting Act 2:10): nobody
deletes one in the admin, and what was issued stays as issued — numbers, references and
amounts are never editable. Changes that a rule governs (sending, crediting, matching a
payment, terminating a contract) go through ``services``, offered as actions; a broken
rule becomes a message, never a 500.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from organizations.services import RuleError
from registry.admin_tools import (
    EstimatedCountPaginator,
    ReadOnlyAdmin,
    confirm_action,
    search_text_results,
)

from . import interest, matching, services, states
from .models import (
    BillingSettings,
    CollectionClaim,
    CollectionPartner,
    Contract,
    ContractEvent,
    EInvoiceAddress,
    Invoice,
    InvoiceLine,
    Payment,
    Product,
    ReferenceRate,
    Reminder,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest
    from django.template.response import TemplateResponse


def _run_for_each(
    request: HttpRequest,
    objects: QuerySet,
    service: Callable[[Any], Any],
    *,
    label: Callable[[Any], str],
    done: Callable[[int], str],
) -> None:
    """Call ``service`` for each object; a broken rule becomes a message, never a 500."""
    succeeded = 0
    for obj in objects:
        try:
            service(obj)
        except RuleError as error:
            messages.error(request, f"{label(obj)}: {' '.join(error.messages)}")
        else:
            succeeded += 1
    if succeeded:
        messages.success(request, done(succeeded))


class ReadOnlyInline(admin.TabularInline):
    """Rows shown with their parent, written only by the services."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VoucherAdmin(admin.ModelAdmin):
    """An accounting voucher: kept until ``retain_until``, never deleted in the admin."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    ordering = ["-id"]  # newest first, along the primary key

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Issued and recorded in the organization's own pages, through the services.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Products ---------------------------------------------------------------------------------


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "unit", "unit_price", "vat_rate", "is_active"]
    list_filter = ["is_active", "unit", "vat_rate"]
    list_select_related = ["organization"]
    search_fields = ["name"]
    search_help_text = _("Product name.")
    autocomplete_fields = ["organization"]
    ordering = ["-id"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    fields = ["organization", "name", "description", "unit", "unit_price", "vat_rate", "is_active"]

    def get_readonly_fields(self, request: HttpRequest, obj: Product | None = None):
        # A product stays with the organization it was made for: contracts point to it.
        return ["organization"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Product | None = None) -> bool:
        # Contracts and invoice lines refer to it; take it off sale ("on sale") instead.
        return False


# --- Contracts --------------------------------------------------------------------------------


class ContractEventInline(ReadOnlyInline):
    model = ContractEvent
    fields = ["occurred_at", "kind", "note", "actor"]
    readonly_fields = fields
    ordering = ["-occurred_at", "-id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ContractEvent]:
        return super().get_queryset(request).select_related("actor")


class ContractStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("Open")), ("terminated", _("Terminated"))]

    def queryset(self, request, queryset):
        match self.value():
            case "open":
                return queryset.filter(terminated_on__isnull=True)
            case "terminated":
                return queryset.filter(terminated_on__isnull=False)
        return queryset


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    """Opened in the organization's pages; ended here only through the service."""

    list_display = [
        "id",
        "organization",
        "member",
        "product",
        "quantity",
        "opened_on",
        "terminated_on",
    ]
    list_filter = [ContractStateFilter, ("opened_on", admin.DateFieldListFilter)]
    list_select_related = ["organization", "membership", "product"]
    search_fields = ["membership__search_text"]
    search_help_text = _("The member's name, email address or member number.")
    ordering = ["-id"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    inlines = [ContractEventInline]
    fields = [
        "organization",
        "membership",
        "product",
        "quantity",
        "opened_on",
        "terminated_on",
        "terminated_by",
        "termination_reason",
        "end_request_sent_at",
        "created_at",
    ]
    actions = ["terminate_contracts"]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        return search_text_results(queryset, search_term, path="membership__search_text"), False

    # Read-only (ReadOnlyAdmin): invoices and the contract's history refer to it, and it is
    # terminated through the action below, never edited.

    def has_manage_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("billing.change_contract")

    @admin.display(description=_("member"), ordering="membership__sort_name")
    def member(self, obj: Contract) -> str:
        return obj.membership.name or obj.membership.email

    @admin.action(description=_("Terminate today"), permissions=["manage"])
    def terminate_contracts(
        self, request: HttpRequest, queryset: QuerySet[Contract]
    ) -> TemplateResponse | None:
        asked = confirm_action(
            self,
            request,
            queryset.select_related("membership", "product"),
            title=_("Terminate today"),
            consequence=_("These contracts are terminated today; nothing more is billed on them:"),
            irreversible=_("This cannot be undone: a terminated contract cannot be reopened."),
        )
        if asked is not None:
            return asked
        today = timezone.localdate()
        _run_for_each(
            request,
            queryset.select_related("membership"),
            lambda c: services.contract_terminate(
                contract=c,
                terminated_on=today,
                reason=str(_("Terminated by the controller")),
                actor=request.user,
            ),
            label=lambda c: f"{c.membership.name or c.membership.email} / {c.product_id}",
            done=lambda n: (
                ngettext("%(count)d contract terminated.", "%(count)d contracts terminated.", n)
                % {"count": n}
            ),
        )


# --- Invoices and credit notes ----------------------------------------------------------------


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = [
        "position",
        "description",
        "quantity",
        "unit_price",
        "vat_rate",
        "net",
        "vat",
        "gross",
    ]
    readonly_fields = fields


class InvoicePaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["paid_on", "amount", "reference", "payer_name", "source", "matched_at"]
    readonly_fields = fields
    verbose_name_plural = _("payments")


class InvoiceReminderInline(ReadOnlyInline):
    model = Reminder
    fields = ["sent_on", "fee", "recorded_by"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reminder]:
        return super().get_queryset(request).select_related("recorded_by")


class InvoiceKindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("invoice", _("Invoice")), ("credit_note", _("Credit note"))]

    def queryset(self, request, queryset):
        match self.value():
            case "invoice":
                return queryset.filter(credit_note_for__isnull=True)
            case "credit_note":
                return queryset.filter(credit_note_for__isnull=False)
        return queryset


INVOICE_FIELDSETS = [
    (
        None,
        {
            "fields": [
                "organization",
                "number",
                "credit_note_for",
                "membership",
                "status",
                "issue_date",
                "due_date",
                "reference",
            ]
        },
    ),
    (
        _("Recipient"),
        {"fields": ["recipient_name", "recipient_address", "recipient_email"]},
    ),
    (
        _("Amounts"),
        {"fields": ["total_net", "total_vat", "total", "paid_amount", "iban", "bic", "notes"]},
    ),
    (
        _("Handling"),
        {
            "fields": [
                "possible_actions",
                "sent_at",
                "collection_on",
                "collection_agency",
                "retain_until",
                "created_at",
                "created_by",
            ]
        },
    ),
]


@admin.register(Invoice)
class InvoiceAdmin(VoucherAdmin):
    """Read-only: an issued voucher shows what was sent. Actions send and credit it."""

    list_display = [
        "number_or_draft",
        "organization",
        "recipient_name",
        "kind",
        "status",
        "issue_date",
        "due_date",
        "total",
        "paid_amount",
        "retain_until",
    ]
    list_filter = [
        "status",
        InvoiceKindFilter,
        ("issue_date", admin.DateFieldListFilter),
        ("due_date", admin.DateFieldListFilter),
    ]
    list_select_related = ["organization"]
    # Exact matches only: number and reference are what people read off a paper invoice.
    search_fields = ["=number", "=reference", "=recipient_email"]
    search_help_text = _("Invoice number, reference number or the recipient's email address.")
    fieldsets = INVOICE_FIELDSETS
    readonly_fields = flatten_fieldsets(INVOICE_FIELDSETS)
    inlines = [InvoiceLineInline, InvoicePaymentInline, InvoiceReminderInline]
    actions = ["send_invoices", "credit_invoices"]

    def has_change_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return False

    def has_manage_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("billing.change_invoice")

    @admin.display(description=_("invoice number"), ordering="number")
    def number_or_draft(self, obj: Invoice) -> str:
        # A draft gets its number when it is sent.
        return obj.number_display

    @admin.display(description=_("kind"), ordering="credit_note_for")
    def kind(self, obj: Invoice) -> str:
        return _("Credit note") if obj.credit_note_for_id else _("Invoice")

    @admin.display(description=_("possible now"))
    def possible_actions(self, obj: Invoice) -> str:
        # Asked of the invoice's state machine, as the organization's page asks it.
        possible = [str(a.label) for a in states.PAGE_ACTIONS if states.allows(obj, a)]
        return ", ".join(possible) or "—"

    @admin.action(description=_("Send"), permissions=["manage"])
    def send_invoices(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        _run_for_each(
            request,
            queryset,
            lambda i: services.invoice_send(invoice=i, actor=request.user),
            label=lambda i: _("Invoice %(number)s") % {"number": i.number_display},
            done=lambda n: (
                ngettext("%(count)d invoice sent.", "%(count)d invoices sent.", n) % {"count": n}
            ),
        )

    @admin.action(description=_("Credit (issue a credit note)"), permissions=["manage"])
    def credit_invoices(
        self, request: HttpRequest, queryset: QuerySet[Invoice]
    ) -> TemplateResponse | None:
        asked = confirm_action(
            self,
            request,
            queryset,
            title=_("Credit (issue a credit note)"),
            consequence=_(
                "Each of these invoices is cancelled with a credit note carrying its lines "
                "negated; nothing on them is to be paid any more:"
            ),
            irreversible=_("This cannot be undone: the credit notes stay in the books."),
        )
        if asked is not None:
            return asked
        _run_for_each(
            request,
            queryset,
            lambda i: services.invoice_credit(invoice=i, actor=request.user),
            label=lambda i: _("Invoice %(number)s") % {"number": i.number_display},
            done=lambda n: (
                ngettext("%(count)d invoice credited.", "%(count)d invoices credited.", n)
                % {"count": n}
            ),
        )


# --- Payments ---------------------------------------------------------------------------------


class PaymentMatchedFilter(admin.SimpleListFilter):
    title = _("matched")
    parameter_name = "matched"

    def lookups(self, request, model_admin):
        return [("yes", _("Matched to an invoice")), ("no", _("Unmatched"))]

    def queryset(self, request, queryset):
        match self.value():
            case "yes":
                return queryset.filter(invoice__isnull=False)
            case "no":
                return queryset.filter(invoice__isnull=True)
        return queryset


class PaymentMatchForm(forms.ModelForm):
    """Only an unmatched payment's invoice can be chosen, once (``payment_match``)."""

    class Meta:
        model = Payment
        fields = ["invoice"]

    def clean_invoice(self) -> Invoice | None:
        invoice = self.cleaned_data.get("invoice")
        if invoice is not None and invoice.organization_id != self.instance.organization_id:
            raise forms.ValidationError(_("The invoice belongs to another organization."))
        return invoice


PAYMENT_FIELDS = [
    "organization",
    "invoice",
    "amount",
    "paid_on",
    "reference",
    "payer_name",
    "payer_iban",
    "message",
    "source",
    "matched_at",
    "recorded_by",
    "retain_until",
    "created_at",
]


@admin.register(Payment)
class PaymentAdmin(VoucherAdmin):
    """Amounts are read-only; an unmatched payment can be matched to an invoice."""

    form = PaymentMatchForm
    list_display = [
        "paid_on",
        "amount",
        "organization",
        "payer_name",
        "reference",
        "invoice",
        "source",
        "retain_until",
    ]
    list_filter = [PaymentMatchedFilter, "source", ("paid_on", admin.DateFieldListFilter)]
    list_select_related = ["organization", "invoice"]
    search_fields = ["=reference", "=invoice__number"]
    search_help_text = _("Reference number or invoice number.")
    fields = PAYMENT_FIELDS
    raw_id_fields = ["invoice"]

    def get_readonly_fields(self, request: HttpRequest, obj: Payment | None = None):
        if obj is not None and obj.invoice_id is None:
            return [f for f in PAYMENT_FIELDS if f != "invoice"]
        return PAYMENT_FIELDS

    def save_model(self, request: HttpRequest, obj: Payment, form, change: bool) -> None:
        invoice = form.cleaned_data.get("invoice")
        if invoice is None:
            return
        try:
            matched = matching.payment_match(payment=obj, invoice=invoice, actor=request.user)
        except RuleError as error:
            # Matched by someone else meanwhile: the form was valid when it was sent.
            messages.error(request, " ".join(error.messages))
            obj.refresh_from_db()
            return
        obj.matched_at = matched.matched_at
        obj.recorded_by = matched.recorded_by


# --- Reminders --------------------------------------------------------------------------------


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    """Recorded with the invoice in the organization's pages; shown here for reference."""

    list_display = ["sent_on", "invoice", "organization", "fee", "recorded_by"]
    list_filter = [("sent_on", admin.DateFieldListFilter)]
    list_select_related = ["invoice__organization", "recorded_by"]
    search_fields = ["=invoice__number", "=invoice__reference"]
    search_help_text = _("Invoice number or reference number.")
    ordering = ["-id"]
    # Read-only: the fee is part of what the member owes; the reminder stays with the invoice.
    fields = [
        "invoice",
        "organization",
        "sent_on",
        "fee",
        "capital",
        "interest",
        "fees",
        "total",
        "due_date",
        "interest_basis",
        "sent_at",
        "recorded_by",
    ]
    readonly_fields = fields

    @admin.display(description=_("organization"))
    def organization(self, obj: Reminder) -> str:
        return obj.invoice.organization.name


# --- Reference rates and settings -------------------------------------------------------------


@admin.register(ReferenceRate)
class ReferenceRateAdmin(admin.ModelAdmin):
    """The Interest Act's reference rates, entered as the Bank of Finland publishes them.

    Each is valid for its half-year; a reminder that needs a missing one says so.
    """

    list_display = ["valid_from", "valid_until", "rate", "late_interest_rate"]
    ordering = ["-valid_from"]
    fields = ["valid_from", "rate"]

    @admin.display(description=_("valid until"))
    def valid_until(self, obj: ReferenceRate) -> str:
        return obj.valid_until.strftime("%d.%m.%Y")

    @admin.display(description=_("late-payment interest (%)"))
    def late_interest_rate(self, obj: ReferenceRate) -> str:
        return f"{obj.rate + interest.MARGIN:.2f}"


@admin.register(BillingSettings)
class BillingSettingsAdmin(ReadOnlyAdmin):
    """Chosen by each organization's admins on its billing pages; shown here for reference."""

    list_display = ["organization", "reminder_fee", "charges_interest", "updated_at"]
    list_select_related = ["organization"]
    ordering = ["organization__name"]
    fields = ["organization", "reminder_fee", "charges_interest", "updated_at"]
    readonly_fields = fields


# --- E-invoice addresses and collection -------------------------------------------------------


@admin.register(EInvoiceAddress)
class EInvoiceAddressAdmin(ReadOnlyAdmin):
    """Given by the member in "My data" or by the organization's admins; a correction goes
    through a rectification request, so the desk only reads them here."""

    list_display = ["membership", "organization", "kind", "address", "intermediator", "updated_at"]
    list_filter = ["kind"]
    list_select_related = ["membership__organization", "membership__user"]
    search_fields = ["=address", "membership__user__email", "membership__organization__name"]
    search_help_text = _("E-invoice address, the member's email address or the organization.")
    ordering = ["-updated_at", "-id"]
    fields = ["membership", "kind", "address", "intermediator", "updated_at", "updated_by"]
    readonly_fields = fields

    @admin.display(description=_("organization"))
    def organization(self, obj: EInvoiceAddress) -> str:
        return obj.membership.organization.name


@admin.register(CollectionPartner)
class CollectionPartnerAdmin(ReadOnlyAdmin):
    """Kept by each organization on its collection pages; shown here for reference."""

    list_display = ["name", "business_id", "organization", "email", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["organization"]
    search_fields = ["name", "=business_id", "organization__name"]
    ordering = ["organization__name", "name"]
    fields = ["organization", "name", "business_id", "email", "is_active", "created_at"]
    readonly_fields = fields


@admin.register(CollectionClaim)
class CollectionClaimAdmin(ReadOnlyAdmin):
    """What an organization handed over to its collection partner, exactly as handed over:
    recorded as a disclosure too, so the person sees it in "My data"."""

    list_display = ["handed_over_on", "invoice", "partner", "handed_over_by"]
    list_filter = [("handed_over_on", admin.DateFieldListFilter)]
    list_select_related = ["invoice", "partner", "handed_over_by"]
    search_fields = ["=invoice__number", "=invoice__reference", "partner__name"]
    search_help_text = _("Invoice number, reference number or the partner's name.")
    ordering = ["-handed_over_on", "-id"]
    fields = ["invoice", "partner", "handed_over_on", "handed_over_by", "data", "created_at"]
    readonly_fields = fields
