"""Input of the organization admin's billing pages: every value is checked here, so that a
service only ever sees well-formed data and every message about a typo comes from a form."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import Membership, Organization
from organizations.selectors import MemberFilter, member_list

from . import einvoice, money
from .models import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_REMINDER_FEE,
    EInvoiceAddress,
    Invoice,
    Payment,
    Product,
)
from .money import VatRate
from .selectors import invoice_by_number

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"]
PAYMENT_DAYS = 14
MEMBER_CHOICES_LIMIT = 200
MAX_LINES = 50
EXTRA_LINES = 5
# Far below the columns' 10 digits, so that no sum of lines can overflow them.
MAX_LINE_AMOUNT = Decimal("10000000.00")
MAX_IMPORT_BYTES = 10 * 1024 * 1024
# PostgreSQL's integer column: a larger number would fail in the database, not here.
MAX_INVOICE_NUMBER = 2_147_483_647

# When each VAT rate is in force (first day, last day); rates not listed always are.
VAT_IN_FORCE: dict[Decimal, tuple[datetime.date | None, datetime.date | None]] = {
    Decimal(VatRate.STANDARD): (datetime.date(2024, 9, 1), None),
    Decimal(VatRate.REDUCED_13_5): (datetime.date(2026, 1, 1), None),
    Decimal(VatRate.REDUCED_14): (None, datetime.date(2025, 12, 31)),
}


def vat_key(rate: Decimal | str) -> str:
    """The form value of a rate: ``Decimal("10.0")`` from the database and ``"10"`` agree."""
    return format(Decimal(rate).normalize(), "f")


def vat_in_force(rate: Decimal, day: datetime.date) -> bool:
    first, last = VAT_IN_FORCE.get(Decimal(rate), (None, None))
    return (first is None or first <= day) and (last is None or day <= last)


class DateField(forms.DateField):
    """A date typed as dd.mm.yyyy or picked from the browser's calendar (yyyy-mm-dd)."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    input_formats = DATE_INPUT_FORMATS
    default_error_messages = {"invalid": _("Enter a date as dd.mm.yyyy.")}

    def validate(self, value: datetime.date | None) -> None:
        super().validate(value)
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise forms.ValidationError(
                _("Enter a date between the years %(first)s and %(last)s."),
                params={"first": FIRST_YEAR, "last": LAST_YEAR},
                code="out_of_range",
            )


class AmountField(forms.DecimalField):
    """A number as people type it: ``1 234,50`` as well as ``1234.50`` (a € sign is fine)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            for removed in ("\N{NO-BREAK SPACE}", "\N{NARROW NO-BREAK SPACE}", " ", "€"):
                value = value.replace(removed, "")
            value = value.replace(",", ".").replace("\N{MINUS SIGN}", "-")
        return super().to_python(value)


def _vat_rate(value: str) -> Decimal:
    # Decimal() refuses a tampered value ("x") with InvalidOperation, which TypedChoiceField
    # does not catch (a 500 from has_changed() of an extra invoice line); as a ValueError it
    # is the field's "not one of the choices" error.
    try:
        return Decimal(value)
    except InvalidOperation as error:
        raise ValueError(value) from error


class VatRateField(forms.TypedChoiceField):
    def __init__(self, *, blank_label: str | None = None, rates=None, **kwargs) -> None:
        rates = list(VatRate) if rates is None else rates
        choices = [(vat_key(rate), rate.label) for rate in rates]
        if blank_label is not None:
            choices.insert(0, ("", blank_label))
        kwargs.setdefault("label", _("VAT rate"))
        super().__init__(choices=choices, coerce=_vat_rate, empty_value=None, **kwargs)


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        name = obj.name or obj.email
        return f"{name} ({obj.member_number})" if obj.member_number else name


class MemberChooserMixin:
    """A select of the organization's active members, for registers of any size.

    Any active member validates; the list shows at most ``MEMBER_CHOICES_LIMIT`` of them,
    those matching ``member_query`` (name, email or member number) when one is given, and
    always the one already chosen.
    """

    def _set_member_choices(self, organization: Organization, member_query: str) -> None:
        field = self.fields["membership"]
        active = Membership.objects.filter(
            organization=organization, status=Membership.Status.ACTIVE
        )
        field.queryset = active
        shown = list(
            member_list(
                organization=organization,
                filters=MemberFilter(query=member_query, status=Membership.Status.ACTIVE),
            )[: MEMBER_CHOICES_LIMIT + 1]
        )
        self.member_choices_truncated = len(shown) > MEMBER_CHOICES_LIMIT
        shown = shown[:MEMBER_CHOICES_LIMIT]
        chosen = self._chosen_member(active)
        if chosen is not None and chosen not in shown:
            shown.insert(0, chosen)
        field.widget.choices = [
            ("", _("Choose a member")),
            *((m.pk, field.label_from_instance(m)) for m in shown),
        ]

    def _chosen_member(self, active) -> Membership | None:
        value = self["membership"].value()
        if isinstance(value, Membership):
            return value
        try:
            pk = int(value)
        except (TypeError, ValueError):
            return None
        return active.filter(pk=pk).first()


class ProductForm(forms.ModelForm):
    unit_price = AmountField(
        label=_("Unit price (VAT 0 %)"), max_digits=12, decimal_places=2, min_value=0
    )

    class Meta:
        model = Product
        fields = ["name", "description", "unit", "unit_price", "vat_rate", "is_active"]
        help_texts = {
            "is_active": _(
                "A product off sale is no longer offered for new contracts and invoices; "
                "those that have it keep it."
            ),
        }

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        current = self.instance.vat_rate if self.instance.pk else None
        # A rate no longer in force is offered only to the product that still has it.
        rates = [
            rate
            for rate in VatRate
            if vat_in_force(rate, timezone.localdate())
            or (current is not None and Decimal(current) == rate)
        ]
        self.fields["vat_rate"] = VatRateField(rates=rates)
        self.initial["vat_rate"] = vat_key(current if current is not None else VatRate.STANDARD)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        taken = Product.objects.filter(organization=self.organization, name=name)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("The organization already has a product with this name."))
        return name


class ContractOpenForm(MemberChooserMixin, forms.Form):
    membership = MemberChoiceField(label=_("Member"), queryset=Membership.objects.none())
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    quantity = AmountField(
        label=_("Quantity"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        initial=1,
    )
    opened_on = DateField(label=_("Starts on"))

    def __init__(self, *args, organization: Organization, member_query: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["opened_on"].initial = timezone.localdate
        self.fields["product"].queryset = Product.objects.filter(
            organization=organization, is_active=True
        )
        self._set_member_choices(organization, member_query)


class ContractTerminateForm(forms.Form):
    terminated_on = DateField(label=_("Ends on"), initial=timezone.localdate)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Kept in the contract's history."),
    )


class InvoiceForm(MemberChooserMixin, forms.Form):
    membership = MemberChoiceField(label=_("Member"), queryset=Membership.objects.none())
    issue_date = DateField(label=_("Invoice date"))
    due_date = DateField(
        label=_("Due date"),
        required=False,
        help_text=_("Left empty, the invoice is due 14 days after the invoice date."),
    )
    notes = forms.CharField(
        label=_("Notes on the invoice"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, organization: Organization, member_query: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["issue_date"].initial = today
        self.fields["due_date"].initial = today + datetime.timedelta(days=PAYMENT_DAYS)
        self._set_member_choices(organization, member_query)

    def clean(self) -> dict:
        cleaned = super().clean()
        issue_date = cleaned.get("issue_date")
        if issue_date is None:
            return cleaned
        if cleaned.get("due_date") is None and not self.has_error("due_date"):
            cleaned["due_date"] = issue_date + datetime.timedelta(days=PAYMENT_DAYS)
        due_date = cleaned.get("due_date")
        if due_date is not None and due_date < issue_date:
            self.add_error("due_date", _("The due date cannot be before the invoice date."))
        return cleaned


class InvoiceLineForm(forms.Form):
    """A row of a new invoice: a product, free text, or a product with its values changed.

    With a product, an empty description, unit price or VAT rate is taken from it.
    """

    product = forms.TypedChoiceField(
        label=_("Product"), required=False, coerce=int, empty_value=None
    )
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    quantity = AmountField(
        label=_("Quantity"),
        max_digits=10,
        decimal_places=2,
        initial=1,
        max_value=Decimal("99999999.99"),
        min_value=Decimal("-99999999.99"),
    )
    unit_price = AmountField(
        label=_("Unit price (VAT 0 %)"),
        max_digits=12,
        decimal_places=2,
        required=False,
        max_value=MAX_LINE_AMOUNT,
        min_value=-MAX_LINE_AMOUNT,
    )
    vat_rate = VatRateField(required=False, blank_label=_("The product's rate"))

    def __init__(self, *args, products: list[Product], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.products = {product.pk: product for product in products}
        self.fields["product"].choices = [
            ("", _("Free text")),
            *((product.pk, product.name) for product in products),
        ]

    def has_changed(self) -> bool:
        # A row with nothing but its quantity (1 as printed, or cleared) is an empty row.
        return any(
            self[name].field.has_changed(self[name].initial, self[name].data)
            for name in ("product", "description", "unit_price", "vat_rate")
        )

    def clean_product(self) -> Product | None:
        pk = self.cleaned_data.get("product")
        return None if pk is None else self.products[pk]

    def clean(self) -> dict:
        cleaned = super().clean()
        product: Product | None = cleaned.get("product")
        if product is not None:
            if not cleaned.get("description"):
                cleaned["description"] = product.name
            if cleaned.get("unit_price") is None and not self.has_error("unit_price"):
                cleaned["unit_price"] = product.unit_price
            if cleaned.get("vat_rate") is None:
                cleaned["vat_rate"] = Decimal(product.vat_rate)
        else:
            if not cleaned.get("description"):
                self.add_error("description", _("Choose a product or write a description."))
            if cleaned.get("unit_price") is None and not self.has_error("unit_price"):
                self.add_error("unit_price", _("Enter the unit price."))
            if cleaned.get("vat_rate") is None:
                self.add_error("vat_rate", _("Choose the VAT rate."))
        quantity = cleaned.get("quantity")
        if quantity is not None and quantity == 0:
            self.add_error("quantity", _("The quantity cannot be zero."))
        if not self.errors:
            amounts = money.line_amounts(
                quantity=quantity, unit_price=cleaned["unit_price"], vat_rate=cleaned["vat_rate"]
            )
            if abs(amounts.gross) > MAX_LINE_AMOUNT:
                raise forms.ValidationError(_("The line's amount is too large."))
        return cleaned


class BaseInvoiceLineFormSet(forms.BaseFormSet):
    issue_date: datetime.date | None = None

    def lines(self) -> list[dict]:
        return [
            form.cleaned_data
            for form in self.forms
            if form.has_changed() and form.is_valid() and form.cleaned_data
        ]

    def clean(self) -> None:
        if any(self.errors):
            return
        lines = self.lines()
        if not lines:
            raise forms.ValidationError(_("Add at least one line to the invoice."))
        if self.issue_date is not None:
            for line in lines:
                if not vat_in_force(line["vat_rate"], self.issue_date):
                    raise forms.ValidationError(
                        _(
                            "The VAT rate %(rate)s is not in force on the invoice date "
                            "(line “%(line)s”)."
                        ),
                        params={
                            "rate": VatRate(line["vat_rate"]).label,
                            "line": line["description"],
                        },
                    )
        totals = money.invoice_totals(
            money.line_amounts(
                quantity=line["quantity"], unit_price=line["unit_price"], vat_rate=line["vat_rate"]
            )
            for line in lines
        )
        if totals.gross <= 0:
            raise forms.ValidationError(
                _("The invoice's total must be more than zero. To cancel an invoice, credit it.")
            )


InvoiceLineFormSet = forms.formset_factory(
    InvoiceLineForm,
    formset=BaseInvoiceLineFormSet,
    extra=EXTRA_LINES,
    max_num=MAX_LINES,
    absolute_max=MAX_LINES,
    validate_max=True,
)


class InvoiceFilterForm(forms.Form):
    AGES = [
        ("", _("Any")),
        ("not_due", _("Not overdue")),
        ("1_30", _("1–30 days overdue")),  # noqa: RUF001  (an en dash between numbers)
        ("31_60", _("31–60 days overdue")),  # noqa: RUF001
        ("61_90", _("61–90 days overdue")),  # noqa: RUF001
        ("over_90", _("Over 90 days overdue")),
    ]

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Invoice.Status.choices]
    )
    age = forms.ChoiceField(label=_("Overdue"), required=False, choices=AGES)

    def status_value(self) -> str:
        # A mistyped status in the address shows all invoices rather than an error page.
        return self.cleaned_data.get("status", "") if self.is_valid() else ""

    def age_value(self) -> str:
        return self.cleaned_data.get("age", "") if self.is_valid() else ""


class PaymentFilterForm(forms.Form):
    ALL, UNMATCHED = "", Payment.State.UNMATCHED.value

    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[(ALL, _("All payments")), *Payment.State.choices],
    )

    def show_value(self) -> str:
        return self.cleaned_data.get("show", "") if self.is_valid() else self.ALL


class ReminderForm(forms.Form):
    sent_on = DateField(label=_("Reminder date"), initial=timezone.localdate)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sent_on"].help_text = _(
            "The fee and interest are those in the billing settings, within the law: no "
            "fee before 14 days have passed since the due date or the previous reminder, "
            "and a fee on three reminders at most."
        )


class BillingSettingsForm(forms.Form):
    reminder_fee = AmountField(
        label=_("Reminder fee"),
        max_digits=4,
        decimal_places=2,
        min_value=0,
        max_value=MAX_REMINDER_FEE,
        initial=Decimal("0.00"),
        help_text=_(
            "At most 5.00 euros a reminder, as the Receivables Collection Act allows for "
            "consumer claims."
        ),
    )
    charges_interest = forms.BooleanField(
        label=_("Charge late-payment interest"),
        required=False,
        help_text=_(
            "Interest under the Interest Act from the due date: the reference rate plus "
            "seven percentage points a year, shown on each reminder."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reminder_fee"].error_messages["max_value"] = _(
            "The reminder fee can be at most 5.00 euros."
        )
        self.fields["reminder_fee"].error_messages["min_value"] = _(
            "The reminder fee cannot be negative."
        )


class CreditForm(forms.Form):
    reason = forms.CharField(
        label=_("Text on the credit note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Left empty, the credit note names the invoice it cancels."),
    )


class PaymentForm(forms.Form):
    amount = AmountField(
        label=_("Amount"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_LINE_AMOUNT * MAX_LINES,
    )
    paid_on = DateField(label=_("Payment date"), initial=timezone.localdate)
    payer_name = forms.CharField(label=_("Payer"), max_length=140, required=False)

    def clean_paid_on(self) -> datetime.date:
        paid_on = self.cleaned_data["paid_on"]
        if paid_on > timezone.localdate():
            raise forms.ValidationError(_("The payment date cannot be in the future."))
        return paid_on


class PaymentImportForm(forms.Form):
    file = forms.FileField(
        label=_("Bank file (camt.054)"),
        help_text=_(
            "The XML file of incoming reference payments from your online bank. Importing "
            "the same file again adds nothing twice."
        ),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is too large (at most 10 MB)."))
        data = upload.read()
        if not data.strip():
            raise forms.ValidationError(_("The file is empty."))
        return data


class PaymentMatchForm(forms.Form):
    invoice_number = forms.IntegerField(
        label=_("Invoice number"), min_value=1, max_value=MAX_INVOICE_NUMBER
    )

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.invoice: Invoice | None = None

    def clean_invoice_number(self) -> int:
        number = self.cleaned_data["invoice_number"]
        invoice = invoice_by_number(organization=self.organization, number=number)
        if invoice is None:
            raise forms.ValidationError(
                _("There is no invoice number %(number)s."), params={"number": number}
            )
        if invoice.is_credit_note:
            raise forms.ValidationError(
                _("Invoice %(number)s is a credit note: a payment cannot be counted towards it."),
                params={"number": number},
            )
        self.invoice = invoice
        return number


class EInvoiceAddressForm(forms.Form):
    """A member's e-invoice address; the intermediator is typed or picked from the list of
    operators and banks (a datalist: any valid code may be typed)."""

    kind = forms.ChoiceField(
        label=_("Type"),
        choices=EInvoiceAddress.Kind.choices,
        widget=forms.RadioSelect,
        help_text=einvoice.KIND_HELP,
    )
    address = forms.CharField(
        label=_("E-invoice address"),
        max_length=40,
        help_text=_(
            "For an organization, e.g. 003712345678; for a private person, as their bank shows it."
        ),
    )
    intermediator = forms.CharField(
        label=_("Intermediator"),
        max_length=40,
        help_text=_("The operator's identifier, or the BIC of the private person's bank."),
        widget=forms.TextInput(attrs={"list": "intermediators", "autocomplete": "off"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        try:
            data.update(einvoice.einvoice_address_clean(**data))
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data
