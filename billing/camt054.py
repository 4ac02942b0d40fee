"""Read the reference payments ("viitesiirrot") of an ISO 20022 camt.054 notification.

A pure parser: it never touches the database. Finnish banks deliver incoming reference
payments as a camt.054 debit/credit notification (versions .001.02 and later); each
``Ntry`` is one booking on the account, and its ``NtryDtls/TxDtls`` are the payments in it
(one for a single payment, many for a batch entry).

The XML goes through ``defusedxml``: a bank file never has a DTD, so any DTD or entity
(billion laughs, external entities) is refused before anything is expanded.

Whatever goes wrong, ``parse_camt054`` raises ``Camt054Error`` with a translatable message
for the user, and returns nothing half-read.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # Types and ParseError; every parse goes through defusedxml.
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

__all__ = ["Camt054Error", "ReferencePayment", "parse_camt054"]

NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:camt.054.001."
_NAMESPACE_RE = re.compile(re.escape(NAMESPACE_PREFIX) + r"(\d{2})")
_AMOUNT_RE = re.compile(r"\d{1,18}(\.\d{1,5})?")  # ISO 20022 amounts: no sign, no exponent.
_CURRENCY_RE = re.compile(r"[A-Z]{3}")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME_RE = re.compile(r"(\d{4}-\d{2}-\d{2})T")
# ISO 20022's Max35Text, and the length of the column the reference is stored in.
MAX_REFERENCE_LENGTH = 35

NOT_XML = _("The file is not a valid XML document.")
UNSAFE_XML = _(
    "The file contains a document type declaration or entities, which bank files never "
    "have, so it was not read."
)
NOT_CAMT054 = _("The file is not an ISO 20022 camt.054 bank notification.")
MISSING_ACCOUNT = _("Notification %(notification)s in the file has no account IBAN.")
MISSING_ELEMENT = _("Entry %(entry)s in the file has no %(element)s.")
BAD_AMOUNT = _("Entry %(entry)s in the file has an invalid amount “%(value)s”.")
BAD_CURRENCY = _("Entry %(entry)s in the file has an invalid currency “%(value)s”.")
BAD_DATE = _("Entry %(entry)s in the file has an invalid date “%(value)s”.")
BAD_INDICATOR = _("Entry %(entry)s in the file is neither a credit nor a debit.")
BAD_REFERENCE = _(
    "Entry %(entry)s in the file has a reference longer than %(limit)s characters: “%(value)s”."
)
DUPLICATE_ENTRY = _("Two payments in the file have the same bank reference “%(reference)s”.")

AMOUNT = _("amount")
CURRENCY = _("currency")
BOOKING_DATE = _("booking date")
CREDIT_DEBIT = _("credit/debit indicator")


class Camt054Error(ValueError):
    """The file cannot be read as a camt.054 notification; ``str()`` tells the user why."""

    def __init__(self, message: Any, params: dict[str, Any] | None = None) -> None:
        # Kept lazy, like ValidationError: translated in the language active when shown.
        self.message = message
        self.params = params or {}
        super().__init__(message, self.params)

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


@dataclass(frozen=True)
class ReferencePayment:
    """One payment (``TxDtls``) of a booked camt.054 entry.

    ``entry_reference`` is the bank's id for the payment, the key for idempotent imports,
    unique per bank (pair it with ``account_iban`` for a global key). In order of preference:

    1. ``TxDtls/Refs/AcctSvcrRef``, the payment's archive id ("arkistointitunnus");
    2. the entry's ``AcctSvcrRef`` (else ``NtryRef``), with ``/<n>`` appended when the entry
       is a batch (``n`` = the payment's 1-based position in the entry);
    3. ``<Ntfctn/Id>/<entry position in the notification>/<payment position in the entry>``.

    All three are the same every time the same file is read; only 1 and 2 also survive the
    bank re-sending the payment in another file.

    ``reference`` is the creditor reference with white space removed and upper-cased
    (national or RF); a national (all digits) one also loses its leading zeros, which are
    not significant and which some banks pad with. Empty when the payer gave none.
    """

    entry_reference: str
    amount: Decimal
    currency: str
    booking_date: date
    value_date: date | None
    reference: str
    payer_name: str
    account_iban: str
    is_credit: bool
    is_reversal: bool = False
    # The payer's account (``RltdPties/DbtrAcct/Id/IBAN``), spaces removed; empty when the
    # bank gave none.
    payer_iban: str = ""
    # What the payer wrote in the free-text message (``RmtInf/Ustrd``, each occurrence
    # joined by a space), white space collapsed; empty when none.
    message: str = ""


def parse_camt054(
    data: bytes, *, include_debits: bool = False, include_reversals: bool = False
) -> list[ReferencePayment]:
    """Every booked payment of a camt.054 file, in file order; by default credits only.

    Only booked entries (``Sts`` BOOK, or no status) count: pending or informational ones
    are not yet money on the account. Reversals (``RvslInd`` true: a returned payment, or a
    return of our own payment) are excluded by default; with ``include_reversals`` they are
    returned with ``is_reversal=True``. Raises ``Camt054Error`` for a file it cannot read.
    """
    root = _parse_xml(data)
    reader = _Reader(_camt054_namespace(root))
    message = reader.find(root, "BkToCstmrDbtCdtNtfctn")
    if message is None:
        raise Camt054Error(NOT_CAMT054)

    payments: list[ReferencePayment] = []
    entry_number = 0  # Counted over the whole file, for error messages.
    for notification_number, notification in enumerate(reader.findall(message, "Ntfctn"), 1):
        account_iban = "".join(reader.text(notification, "Acct/Id/IBAN").split()).upper()
        notification_id = reader.text(notification, "Id")
        if not account_iban:
            raise Camt054Error(
                MISSING_ACCOUNT, {"notification": notification_id or notification_number}
            )
        for position, entry in enumerate(reader.findall(notification, "Ntry"), 1):
            entry_number += 1
            payments.extend(
                _entry_payments(
                    reader,
                    entry,
                    number=entry_number,
                    fallback_key=f"{notification_id or notification_number}/{position}",
                    account_iban=account_iban,
                )
            )

    wanted = [
        payment
        for payment in payments
        if (payment.is_credit or include_debits) and (not payment.is_reversal or include_reversals)
    ]
    seen: set[str] = set()
    for payment in wanted:
        if payment.entry_reference in seen:
            # An idempotent import would silently drop the second one: money lost.
            raise Camt054Error(DUPLICATE_ENTRY, {"reference": payment.entry_reference})
        seen.add(payment.entry_reference)
    return wanted


def _parse_xml(data: bytes) -> ET.Element:
    try:
        return defused_fromstring(data, forbid_dtd=True, forbid_entities=True)
    except DefusedXmlException as error:
        raise Camt054Error(UNSAFE_XML) from error
    # LookupError: the declaration names an encoding Python does not know ("klingon") or
    # one that is no text encoding ("hex"); expat raises it before reading anything.
    except (ET.ParseError, TypeError, ValueError, LookupError) as error:
        raise Camt054Error(NOT_XML) from error


def _camt054_namespace(root: ET.Element) -> str:
    namespace, _sep, local_name = root.tag[1:].partition("}")
    match = _NAMESPACE_RE.fullmatch(namespace) if root.tag.startswith("{") else None
    # .001.01 (2006) predates the shape every Finnish bank uses.
    if match is None or int(match[1]) < 2 or local_name != "Document":
        raise Camt054Error(NOT_CAMT054)
    return namespace


@cache
def _qualified(path: str) -> str:
    return "/".join(f"c:{step}" for step in path.split("/"))


class _Reader:
    """ElementTree look-ups in one camt.054 namespace, by unprefixed paths like ``Acct/Id``."""

    def __init__(self, namespace: str) -> None:
        self._namespaces = {"c": namespace}

    def find(self, element: ET.Element, path: str) -> ET.Element | None:
        return element.find(_qualified(path), self._namespaces)

    def findall(self, element: ET.Element, path: str) -> list[ET.Element]:
        return element.findall(_qualified(path), self._namespaces)

    def text(self, element: ET.Element, *paths: str) -> str:
        """The stripped text of the first of ``paths`` that has any, else ""."""
        for path in paths:
            found = self.find(element, path)
            if found is not None and found.text and found.text.strip():
                return found.text.strip()
        return ""


def _entry_payments(
    reader: _Reader, entry: ET.Element, *, number: int, fallback_key: str, account_iban: str
) -> list[ReferencePayment]:
    # Sts is a plain code up to .07 and Sts/Cd from .08 on.
    status = reader.text(entry, "Sts/Cd", "Sts")
    if status and status != "BOOK":
        return []

    entry_amount, currency = _amount(reader, entry, number=number)
    if entry_amount is None:
        raise Camt054Error(MISSING_ELEMENT, {"entry": number, "element": AMOUNT})
    entry_is_credit = _is_credit(reader.text(entry, "CdtDbtInd"), number=number)
    is_reversal = reader.text(entry, "RvslInd").lower() in {"true", "1"}
    booking_date = _date(reader, entry, "BookgDt", number=number)
    if booking_date is None:
        raise Camt054Error(MISSING_ELEMENT, {"entry": number, "element": BOOKING_DATE})
    value_date = _date(reader, entry, "ValDt", number=number)
    entry_key = reader.text(entry, "AcctSvcrRef", "NtryRef")

    # An entry without details is still money on the account: one payment, no reference.
    transactions = reader.findall(entry, "NtryDtls/TxDtls") or [None]
    is_batch = len(transactions) > 1
    payments = []
    for position, transaction in enumerate(transactions, 1):
        amount, tx_currency = entry_amount, currency
        is_credit = entry_is_credit
        key = reference = payer_name = payer_iban = message = ""
        if transaction is not None:
            # TxDtls/Amt from .03 on, AmtDtls/TxAmt/Amt in every version.
            tx_amount, tx_currency = _amount(
                reader, transaction, "Amt", "AmtDtls/TxAmt/Amt", number=number
            )
            if tx_amount is not None:
                amount = tx_amount
            elif is_batch:
                raise Camt054Error(MISSING_ELEMENT, {"entry": number, "element": AMOUNT})
            else:
                tx_currency = currency
            if indicator := reader.text(transaction, "CdtDbtInd"):
                is_credit = _is_credit(indicator, number=number)
            key = reader.text(transaction, "Refs/AcctSvcrRef")
            reference = _reference(reader, transaction)
            if len(reference) > MAX_REFERENCE_LENGTH:
                raise Camt054Error(
                    BAD_REFERENCE,
                    {
                        "entry": number,
                        "limit": MAX_REFERENCE_LENGTH,
                        "value": Truncator(reference).chars(50),
                    },
                )
            # Dbtr/Nm up to .07, Dbtr/Pty/Nm from .08 on.
            payer_name = " ".join(
                reader.text(transaction, "RltdPties/Dbtr/Nm", "RltdPties/Dbtr/Pty/Nm").split()
            )
            payer_iban = "".join(reader.text(transaction, "RltdPties/DbtrAcct/Id/IBAN").split())
            message = _message(reader, transaction)
        if not key:
            if entry_key:
                key = f"{entry_key}/{position}" if is_batch else entry_key
            else:
                key = f"{fallback_key}/{position}"
        payments.append(
            ReferencePayment(
                entry_reference=key,
                amount=amount,
                currency=tx_currency,
                booking_date=booking_date,
                value_date=value_date,
                reference=reference,
                payer_name=payer_name,
                account_iban=account_iban,
                is_credit=is_credit,
                is_reversal=is_reversal,
                payer_iban=payer_iban.upper(),
                message=message,
            )
        )
    return payments


def _amount(
    reader: _Reader, element: ET.Element, *paths: str, number: int
) -> tuple[Decimal | None, str]:
    for path in paths or ("Amt",):
        found = reader.find(element, path)
        if found is None:
            continue
        value = (found.text or "").strip()
        if not _AMOUNT_RE.fullmatch(value):
            raise Camt054Error(BAD_AMOUNT, {"entry": number, "value": value})
        currency = found.get("Ccy", "").strip()
        if not currency:
            raise Camt054Error(MISSING_ELEMENT, {"entry": number, "element": CURRENCY})
        if not _CURRENCY_RE.fullmatch(currency):
            raise Camt054Error(BAD_CURRENCY, {"entry": number, "value": currency})
        return Decimal(value), currency
    return None, ""


def _is_credit(indicator: str, *, number: int) -> bool:
    if indicator == "CRDT":
        return True
    if indicator == "DBIT":
        return False
    if not indicator:
        raise Camt054Error(MISSING_ELEMENT, {"entry": number, "element": CREDIT_DEBIT})
    raise Camt054Error(BAD_INDICATOR, {"entry": number})


def _date(reader: _Reader, entry: ET.Element, path: str, *, number: int) -> date | None:
    """``<path>/Dt``, or the date part of ``<path>/DtTm`` as the bank wrote it."""
    if value := reader.text(entry, f"{path}/Dt"):
        text = value if _DATE_RE.fullmatch(value) else ""
    elif value := reader.text(entry, f"{path}/DtTm"):
        match = _DATETIME_RE.match(value)
        text = match[1] if match else ""
    else:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Camt054Error(BAD_DATE, {"entry": number, "value": value}) from None


def _message(reader: _Reader, transaction: ET.Element) -> str:
    """The payer's free text: every ``RmtInf/Ustrd``, joined, white space collapsed."""
    parts = (found.text or "" for found in reader.findall(transaction, "RmtInf/Ustrd"))
    return " ".join(" ".join(parts).split())


def _reference(reader: _Reader, transaction: ET.Element) -> str:
    for found in reader.findall(transaction, "RmtInf/Strd/CdtrRefInf/Ref"):
        compact = "".join((found.text or "").split()).upper()
        if compact.isascii() and compact.isdigit():
            return compact.lstrip("0") or compact
        if compact:
            return compact
    return ""
