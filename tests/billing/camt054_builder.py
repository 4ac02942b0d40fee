"""Build camt.054 notifications for the tests: the bank files the importer reads.

Test-only: the product reads camt.054 (``billing.camt054``), it never writes one.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET  # Building only: nothing is parsed here.
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from billing.camt054 import NAMESPACE_PREFIX

__all__ = ["build_camt054"]

BUILDER_NAMESPACE = NAMESPACE_PREFIX + "02"
_HELSINKI = ZoneInfo("Europe/Helsinki")
_CENT = Decimal("0.01")


def build_camt054(*, account_iban: str, payments: list[dict[str, Any]]) -> bytes:
    """A camt.054.001.02 notification, one booked entry per payment, for the tests.

    Each payment is a dict with ``amount`` (Decimal or str, whole cents), ``reference``,
    ``payer_name`` and ``booking_date``; optional are ``value_date`` (the booking date),
    ``currency`` ("EUR"), ``is_credit`` (True), ``message`` (the payer's free text, RmtInf/Ustrd)
    and ``entry_reference``, the bank's archive id, derived from the payment when left out.
    The same arguments give the same bytes.
    """
    if not payments:
        raise ValueError("build_camt054 needs at least one payment")
    iban = "".join(account_iban.split()).upper()
    last_day = max(payment["booking_date"] for payment in payments)
    created = datetime.combine(last_day, time(18, 0), tzinfo=_HELSINKI).isoformat()
    digest = hashlib.sha256(repr((iban, payments)).encode()).hexdigest()[:8].upper()

    # Unqualified tags under a literal xmlns: ElementTree's default_namespace option refuses
    # the unqualified Ccy attribute.
    root = ET.Element("Document", xmlns=BUILDER_NAMESPACE)
    message = _add(root, "BkToCstmrDbtCdtNtfctn")
    header = _add(message, "GrpHdr")
    _add(header, "MsgId", f"CAMT054-{last_day:%Y%m%d}-{digest}")
    _add(header, "CreDtTm", created)
    notification = _add(message, "Ntfctn")
    _add(notification, "Id", f"NTF-{last_day:%Y%m%d}-{digest}")
    _add(notification, "CreDtTm", created)
    _add(_add(_add(notification, "Acct"), "Id"), "IBAN", iban)
    for position, payment in enumerate(payments, 1):
        _add_entry(notification, payment, archive_id=_archive_id(iban, position, payment))

    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def _add_entry(notification: ET.Element, payment: dict[str, Any], *, archive_id: str) -> None:
    amount = Decimal(payment["amount"])
    if amount <= 0 or amount != amount.quantize(_CENT):
        raise ValueError(f"amount must be positive whole cents, not {payment['amount']!r}")
    text_amount = f"{amount.quantize(_CENT)}"
    currency = payment.get("currency", "EUR")
    is_credit = payment.get("is_credit", True)
    booking_date: date = payment["booking_date"]
    value_date: date = payment.get("value_date") or booking_date
    reference = payment.get("reference", "")

    entry = _add(notification, "Ntry")
    _add(entry, "Amt", text_amount, Ccy=currency)
    _add(entry, "CdtDbtInd", "CRDT" if is_credit else "DBIT")
    _add(entry, "Sts", "BOOK")
    _add(_add(entry, "BookgDt"), "Dt", booking_date.isoformat())
    _add(_add(entry, "ValDt"), "Dt", value_date.isoformat())
    _add(entry, "AcctSvcrRef", archive_id)
    code = _add(entry, "BkTxCd")
    domain = _add(code, "Domn")
    _add(domain, "Cd", "PMNT")
    family = _add(domain, "Fmly")
    _add(family, "Cd", "RCDT" if is_credit else "ICDT")
    _add(family, "SubFmlyCd", "ESCT")
    if is_credit:
        # The Finnish transaction code of a reference payment ("viitesiirto").
        proprietary = _add(code, "Prtry")
        _add(proprietary, "Cd", "705")
        _add(proprietary, "Issr", "FFFS")

    transaction = _add(_add(entry, "NtryDtls"), "TxDtls")
    refs = _add(transaction, "Refs")
    _add(refs, "AcctSvcrRef", archive_id)
    _add(refs, "EndToEndId", "NOTPROVIDED")
    _add(_add(_add(transaction, "AmtDtls"), "TxAmt"), "Amt", text_amount, Ccy=currency)
    payer_name = payment.get("payer_name")
    payer_iban = payment.get("payer_iban")
    if payer_name or payer_iban:
        parties = _add(transaction, "RltdPties")
        if payer_name:
            _add(_add(parties, "Dbtr"), "Nm", payer_name)
        if payer_iban:
            _add(_add(_add(parties, "DbtrAcct"), "Id"), "IBAN", payer_iban)
    message = payment.get("message", "")
    remittance = _add(transaction, "RmtInf") if reference or message else None
    if message:
        # Unstructured before structured, as the schema orders them; 140 characters each.
        for start in range(0, len(message), 140):
            _add(remittance, "Ustrd", message[start : start + 140])
    if reference:
        creditor_reference = _add(_add(remittance, "Strd"), "CdtrRefInf")
        kind = _add(creditor_reference, "Tp")
        _add(_add(kind, "CdOrPrtry"), "Cd", "SCOR")
        if reference.upper().startswith("RF"):
            _add(kind, "Issr", "ISO")
        _add(creditor_reference, "Ref", reference)


def _archive_id(iban: str, position: int, payment: dict[str, Any]) -> str:
    if explicit := payment.get("entry_reference"):
        return str(explicit)
    # Shaped like a Finnish archive id: booking date, then 12 characters unique to the payment.
    seed = repr((iban, position, sorted(payment.items()))).encode()
    digest = hashlib.sha256(seed).hexdigest()[:12].upper()
    return f"{payment['booking_date']:%y%m%d}{digest}"


def _add(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, name, attributes)
    if text is not None:
        element.text = text
    return element
