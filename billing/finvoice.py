"""Finvoice 3.0 messages of issued invoices, credit notes and payment reminders.

Finvoice is the Finnish banks' and operators' e-invoice format (Finance Finland,
Finanssiala; schema ``Finvoice3.0.xsd``, kept with its source under
``tests/billing/data/finvoice``; every message the tests build is validated against it).
What the message holds follows the implementation guidelines:

- the type code: ``INV01`` an invoice, ``INV02`` a credit note (its amounts negative, as
  the credit note's lines are), ``INV08`` a payment reminder;
- amounts with a decimal comma and the currency as an attribute, dates as ``CCYYMMDD``;
- an operator's address: the message transmission details (sender's OVT code and
  intermediator, receiver's address and intermediator); a consumer's online-bank address:
  ``InvoiceRecipientDetails`` under the seller's information (address and bank BIC);
- ``EpiDetails``: the payment — account, BIC, reference, amount and due date.

The messages are built with the standard library's ElementTree; the elements are written
in the order the schema's sequences require.
"""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from . import money
from .models import EInvoiceAddress, Invoice, InvoiceLine, Reminder

CURRENCY = "EUR"
VERSION = "3.0"
# A reminder asks the member to pay within this many days of its sending.
REMINDER_PAYMENT_DAYS = 14
# Finvoice's type codes (implementation guidelines, "InvoiceTypeCode").
INVOICE, CREDIT_NOTE, REMINDER = "INV01", "INV02", "INV08"
# The texts Finvoice expects beside the codes (shown by the receiving bank or software).
TYPE_TEXT = {INVOICE: "LASKU", CREDIT_NOTE: "HYVITYSLASKU", REMINDER: "MAKSUMUISTUTUS"}
# UNTDID 5305: S standard rate, Z zero rated, O outside the scope of VAT (interest, fees).
VAT_STANDARD, VAT_ZERO, VAT_OUTSIDE = "S", "Z", "O"
UNIT_CODES = {"piece": "kpl", "year": "v", "month": "kk", "hour": "h", "flight_hour": "h"}


@dataclass(frozen=True)
class ReminderAmounts:
    """What a payment reminder asks for, as of ``reminded_on``.

    ``capital`` is what is still owed of the invoice, ``interest`` late-payment interest
    to that day and ``fees`` the reminder fees charged so far; ``total`` is what the
    reminder asks to be paid by ``due_date``. ``from_reminder`` takes them from a
    ``Reminder``, which keeps what it asked for when it was made (``billing.reminders``).
    """

    reminded_on: datetime.date
    due_date: datetime.date
    capital: Decimal
    interest: Decimal
    fees: Decimal

    @property
    def total(self) -> Decimal:
        return money.round_cents(self.capital + self.interest + self.fees)

    @classmethod
    def from_reminder(cls, reminder: Reminder) -> ReminderAmounts:
        """What ``reminder`` asked for: the capital, interest and unpaid fees it was made
        with, to be paid by its own due date."""
        return cls(
            reminded_on=reminder.sent_on,
            due_date=reminder.due_date
            or reminder.sent_on + datetime.timedelta(days=REMINDER_PAYMENT_DAYS),
            capital=reminder.capital,
            interest=reminder.interest,
            fees=reminder.fees,
        )


def _amount(value: Decimal) -> str:
    return f"{money.round_cents(value):.2f}".replace(".", ",")


def _percent(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


def _date(value: datetime.date) -> str:
    return value.strftime("%Y%m%d")


# Characters XML 1.0 cannot hold (control characters, lone surrogates, U+FFFE/U+FFFF): a
# pasted description may carry them, and one would make the whole message unreadable.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: str, limit: int) -> str:
    return " ".join(_NOT_XML.sub("", value or "").split())[:limit]


def _at_least_two(value: str, limit: int) -> str:
    """Finvoice's names and places take 2 characters at least: a one-letter value is padded."""
    return _text(value, limit).ljust(2)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _money(parent: ET.Element, tag: str, value: Decimal) -> ET.Element:
    return _sub(parent, tag, _amount(value), AmountCurrencyIdentifier=CURRENCY)


def _day(parent: ET.Element, tag: str, value: datetime.date) -> ET.Element:
    return _sub(parent, tag, _date(value), Format="CCYYMMDD")


def ovt_of(business_id: str) -> str:
    """The OVT code of a Y-tunnus: 0037 and its eight digits."""
    return "0037" + business_id.replace("-", "")


def _iban(invoice: Invoice) -> str:
    return invoice.iban.replace(" ", "")


def _bic(invoice: Invoice) -> str:
    if invoice.bic:
        return invoice.bic
    try:
        return str(IBAN(invoice.iban).bic or "")
    except SchwiftyException:
        return ""


def _postal(recipient_address: str) -> tuple[list[str], str, str] | None:
    """Street lines, postcode and town of an address written as the invoice shows it
    (street lines, then "00100 Helsinki"); None when it has no such last line."""
    lines = [line.strip() for line in recipient_address.splitlines() if line.strip()]
    for index in range(len(lines) - 1, 0, -1):
        code, _space, town = lines[index].partition(" ")
        if code.isdigit() and len(code) >= 2 and town:
            return lines[:index][:3], code, town
    return None


def _transmission(root: ET.Element, invoice: Invoice, address: EInvoiceAddress, kind: str):
    organization = invoice.organization
    details = _sub(root, "MessageTransmissionDetails")
    sender = _sub(details, "MessageSenderDetails")
    _sub(
        sender, "FromIdentifier", organization.e_invoice_address or ovt_of(organization.business_id)
    )
    # Without an operator of its own the organization sends through its bank.
    _sub(sender, "FromIntermediator", organization.e_invoice_operator or _bic(invoice))
    receiver = _sub(details, "MessageReceiverDetails")
    _sub(receiver, "ToIdentifier", address.address)
    _sub(receiver, "ToIntermediator", address.intermediator)
    message = _sub(details, "MessageDetails")
    _sub(message, "MessageIdentifier", f"{organization.pk}-{invoice.number}-{kind}")
    _sub(message, "MessageTimeStamp", timezone.now().replace(microsecond=0).isoformat())


def _seller(root: ET.Element, invoice: Invoice, address: EInvoiceAddress | None) -> None:
    organization = invoice.organization
    party = _sub(root, "SellerPartyDetails")
    if organization.business_id:
        _sub(party, "SellerPartyIdentifier", organization.business_id)
    _sub(party, "SellerOrganisationName", _at_least_two(organization.name, 70))
    if organization.street_address and organization.postal_code and organization.city:
        postal = _sub(party, "SellerPostalAddressDetails")
        _sub(postal, "SellerStreetName", _at_least_two(organization.street_address, 35))
        _sub(postal, "SellerTownName", _at_least_two(organization.city, 35))
        _sub(postal, "SellerPostCodeIdentifier", _at_least_two(organization.postal_code, 35))
        _sub(postal, "CountryCode", "FI")
    info = _sub(root, "SellerInformationDetails")
    if organization.city:
        _sub(info, "SellerHomeTownName", _text(organization.city, 35))
    if organization.email:
        _sub(info, "SellerCommonEmailaddressIdentifier", _text(organization.email, 70))
    account = _sub(info, "SellerAccountDetails")
    _sub(account, "SellerAccountID", _iban(invoice), IdentificationSchemeName="IBAN")
    _sub(account, "SellerBic", _bic(invoice), IdentificationSchemeName="BIC")
    if address is not None and not address.is_operator:
        recipient = _sub(info, "InvoiceRecipientDetails")
        _sub(recipient, "InvoiceRecipientAddress", address.address)
        _sub(recipient, "InvoiceRecipientIntermediatorAddress", address.intermediator)


def _buyer(root: ET.Element, invoice: Invoice) -> None:
    party = _sub(root, "BuyerPartyDetails")
    _sub(party, "BuyerOrganisationName", _at_least_two(invoice.recipient_name, 70))
    postal = _postal(invoice.recipient_address)
    if postal is not None:
        streets, code, town = postal
        details = _sub(party, "BuyerPostalAddressDetails")
        for street in streets or ["-"]:
            _sub(details, "BuyerStreetName", _at_least_two(street, 35))
        _sub(details, "BuyerTownName", _at_least_two(town, 35))
        _sub(details, "BuyerPostCodeIdentifier", code)
    if invoice.recipient_email:
        communication = _sub(root, "BuyerCommunicationDetails")
        _sub(communication, "BuyerEmailaddressIdentifier", _text(invoice.recipient_email, 70))


def _vat_code(rate: Decimal) -> str:
    return VAT_STANDARD if rate else VAT_ZERO


def _invoice_details(
    root: ET.Element,
    invoice: Invoice,
    kind: str,
    totals: money.Totals,
    due_date: datetime.date,
    invoice_date: datetime.date,
) -> ET.Element:
    details = _sub(root, "InvoiceDetails")
    _sub(details, "InvoiceTypeCode", kind)
    _sub(details, "InvoiceTypeText", TYPE_TEXT[kind])
    _sub(details, "OriginCode", "Original")
    _sub(details, "InvoiceNumber", str(invoice.number))
    _day(details, "InvoiceDate", invoice_date)
    original = invoice.credit_note_for if kind == CREDIT_NOTE else None
    if original is not None:
        _sub(details, "OriginalInvoiceNumber", str(original.number))
        _day(details, "OriginalInvoiceDate", original.issue_date)
    _money(details, "InvoiceTotalVatExcludedAmount", totals.net)
    _money(details, "InvoiceTotalVatAmount", totals.vat)
    _money(details, "InvoiceTotalVatIncludedAmount", totals.gross)
    for row in totals.vat_breakdown:
        vat = _sub(details, "VatSpecificationDetails")
        _money(vat, "VatBaseAmount", row.net)
        _sub(vat, "VatRatePercent", _percent(row.rate))
        _sub(vat, "VatCode", VAT_OUTSIDE if kind == REMINDER else _vat_code(row.rate))
        _money(vat, "VatRateAmount", row.vat)
    if invoice.notes:
        _sub(details, "InvoiceFreeText", _text(invoice.notes, 512))
    terms = _sub(details, "PaymentTermsDetails")
    days = (due_date - invoice_date).days
    if days > 0:
        _sub(terms, "PaymentTermsFreeText", f"{days} pv netto")
    _day(terms, "InvoiceDueDate", due_date)
    return details


def _row(root: ET.Element, line: InvoiceLine, unit: str) -> None:
    row = _sub(root, "InvoiceRow")
    _sub(row, "ArticleName", _text(line.description, 100))
    _sub(row, "InvoicedQuantity", _percent(line.quantity), QuantityUnitCode=unit)
    _money(row, "UnitPriceAmount", line.unit_price)
    _sub(row, "RowPositionIdentifier", str(line.position))
    _sub(row, "RowVatRatePercent", _percent(line.vat_rate))
    _sub(row, "RowVatCode", _vat_code(line.vat_rate))
    _money(row, "RowVatAmount", line.vat)
    _money(row, "RowVatExcludedAmount", line.net)
    _money(row, "RowAmount", line.gross)


def _epi(
    root: ET.Element, invoice: Invoice, amount: Decimal, on: datetime.date, due: datetime.date
):
    epi = _sub(root, "EpiDetails")
    identification = _sub(epi, "EpiIdentificationDetails")
    _day(identification, "EpiDate", on)
    # "Reserved for future use" in the guidelines: present and empty.
    _sub(identification, "EpiReference", "")
    party = _sub(epi, "EpiPartyDetails")
    bank = _sub(party, "EpiBfiPartyDetails")
    _sub(bank, "EpiBfiIdentifier", _bic(invoice), IdentificationSchemeName="BIC")
    beneficiary = _sub(party, "EpiBeneficiaryPartyDetails")
    # A token: padding would be collapsed away, so a one-letter name is left out.
    beneficiary_name = _text(invoice.organization.name, 35)
    if len(beneficiary_name) >= 2:
        _sub(beneficiary, "EpiNameAddressDetails", beneficiary_name)
    if invoice.organization.business_id:
        _sub(beneficiary, "EpiBei", invoice.organization.business_id)
    _sub(beneficiary, "EpiAccountID", _iban(invoice), IdentificationSchemeName="IBAN")
    payment = _sub(epi, "EpiPaymentInstructionDetails")
    scheme = "ISO" if invoice.reference.startswith("RF") else "SPY"
    _sub(payment, "EpiRemittanceInfoIdentifier", invoice.reference, IdentificationSchemeName=scheme)
    _sub(payment, "EpiInstructedAmount", _amount(amount), AmountCurrencyIdentifier=CURRENCY)
    _sub(payment, "EpiCharge", "SHA", ChargeOption="SHA")
    _day(payment, "EpiDateOptionDate", due)


def _root(invoice: Invoice, address: EInvoiceAddress | None, kind: str) -> ET.Element:
    root = ET.Element("Finvoice", {"Version": VERSION})
    if address is not None and address.is_operator:
        _transmission(root, invoice, address, kind)
    _seller(root, invoice, address)
    _buyer(root, invoice)
    return root


def _serialise(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _lines(invoice: Invoice) -> list[InvoiceLine]:
    return list(invoice.lines.select_related("product").order_by("position"))


def _unit(line: InvoiceLine) -> str:
    product = line.product
    return UNIT_CODES.get(product.unit, "kpl") if product is not None else "kpl"


def _totals(lines: list[InvoiceLine]) -> money.Totals:
    return money.invoice_totals(
        money.LineAmounts(net=line.net, vat=line.vat, gross=line.gross, vat_rate=line.vat_rate)
        for line in lines
    )


def finvoice_invoice(*, invoice: Invoice, address: EInvoiceAddress | None) -> bytes:
    """The Finvoice message of an issued invoice or credit note (``INV01`` / ``INV02``)."""
    if invoice.is_draft or invoice.number is None:
        raise ValueError("a draft has no Finvoice message: it is not issued")
    kind = CREDIT_NOTE if invoice.is_credit_note else INVOICE
    lines = _lines(invoice)
    totals = _totals(lines)
    root = _root(invoice, address, kind)
    _invoice_details(root, invoice, kind, totals, invoice.due_date, invoice.issue_date)
    for line in lines:
        _row(root, line, _unit(line))
    amount = totals.gross if kind == CREDIT_NOTE else invoice.amount_due
    _epi(root, invoice, amount, invoice.issue_date, invoice.due_date)
    return _serialise(root)


# The rows' names are in Finnish, the language of the messages' fixed texts (TYPE_TEXT).
def _reminder_rows(root: ET.Element, invoice: Invoice, amounts: ReminderAmounts) -> None:
    capital = _sub(root, "InvoiceRow")
    _sub(capital, "ArticleName", f"Avoin määrä, lasku {invoice.number}")
    overdue = _sub(capital, "RowOverDuePaymentDetails")
    _sub(overdue, "RowOriginalInvoiceIdentifier", str(invoice.number))
    _day(overdue, "RowOriginalInvoiceDate", invoice.issue_date)
    _day(overdue, "RowOriginalDueDate", invoice.due_date)
    _money(overdue, "RowOriginalInvoiceTotalAmount", invoice.total)
    _sub(overdue, "RowOriginalEpiRemittanceInfoIdentifier", invoice.reference)
    if invoice.paid_amount:
        _money(overdue, "RowPaidVatIncludedAmount", invoice.paid_amount)
    _money(overdue, "RowUnPaidVatIncludedAmount", amounts.capital)
    if amounts.interest:
        _money(overdue, "RowInterestChargeAmount", amounts.interest)
    _outside_vat(capital, amounts.capital)
    for name, amount in (("Viivästyskorko", amounts.interest), ("Muistutusmaksut", amounts.fees)):
        if amount:
            row = _sub(root, "InvoiceRow")
            _sub(row, "ArticleName", name)
            _outside_vat(row, amount)


def _outside_vat(row: ET.Element, amount: Decimal) -> None:
    _sub(row, "RowVatRatePercent", "0")
    _sub(row, "RowVatCode", VAT_OUTSIDE)
    _money(row, "RowVatAmount", Decimal(0))
    _money(row, "RowVatExcludedAmount", amount)
    _money(row, "RowAmount", amount)


def finvoice_reminder(
    *, invoice: Invoice, amounts: ReminderAmounts, address: EInvoiceAddress | None
) -> bytes:
    """The Finvoice payment reminder (``INV08``) of an unpaid invoice: the capital owed,
    interest and fees, each a row outside the scope of VAT, and their total to pay."""
    if invoice.is_draft or invoice.number is None:
        raise ValueError("a draft has no reminder: it is not issued")
    total = amounts.total
    totals = money.Totals(
        net=total,
        vat=Decimal("0.00"),
        gross=total,
        vat_breakdown=(
            money.VatBreakdown(rate=Decimal(0), net=total, vat=Decimal(0), gross=total),
        ),
    )
    root = _root(invoice, address, REMINDER)
    # Dated the day it was sent; its terms count from then.
    _invoice_details(root, invoice, REMINDER, totals, amounts.due_date, amounts.reminded_on)
    _reminder_rows(root, invoice, amounts)
    _epi(root, invoice, total, amounts.reminded_on, amounts.due_date)
    return _serialise(root)


def filename(invoice: Invoice, *, reminder: bool = False) -> str:
    """The download's file name: ``finvoice-<number>.xml`` (``-reminder`` for a reminder)."""
    suffix = "-reminder" if reminder else ""
    return f"finvoice-{invoice.number}{suffix}.xml"
