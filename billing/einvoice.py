"""E-invoice addresses: their forms, the intermediators people choose from, and the
writes (kept here: ``services.py`` is at its size limit).

An organization's e-invoice address is its OVT/EDI identifier: ``0037``, its Y-tunnus
without the dash and an optional suffix of up to five characters naming a unit (TIEKE's
OVT code). The intermediator is the operator's identifier (an OVT code such as Apix's
003723327487, or a BIC-like code such as Basware's BAWCFI22). A consumer's e-invoice
address is what their online bank gave them, and the intermediator is that bank's BIC
(Finvoice's ``InvoiceRecipientIntermediatorAddress`` takes 8 to 11 characters).

An association (ry) has a Y-tunnus too once it is in the trade register or pays taxes;
its register number (``stdnum.fi.associationid``) never makes an OVT code, so it is not
accepted here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fi import ytunnus

from gdpr.api import acting_as

from .models import EInvoiceAddress

if TYPE_CHECKING:
    from accounts.models import User
    from organizations.models import Membership

OVT_PREFIX = "0037"
_OVT = re.compile(r"0037([0-9]{8})([0-9A-Z]{0,5})")
# A consumer's address as banks hand them out: letters, digits and a few separators.
_CONSUMER_ADDRESS = re.compile(r"[0-9A-Za-z][0-9A-Za-z._@-]{1,34}", re.ASCII)

# The operators' intermediator identifiers as the operators and their customers publish
# them (checked against their invoicing-address pages, 2026).
OPERATORS: tuple[tuple[str, str], ...] = (
    ("003723327487", "Apix Messaging"),
    ("BAWCFI22", "Basware"),
    ("003721291126", "Maventa"),
    ("003708599126", "OpenText (Liaison)"),
    # The banks' network: for operators that route through Danske Bank.
    ("DABAFIHH", "Danske Bank"),
)
# The banks whose customers receive consumer e-invoices, with their BICs.
BANKS: tuple[tuple[str, str], ...] = (
    ("AABAFI22", "Ålandsbanken"),
    ("DABAFIHH", "Danske Bank"),
    ("HANDFIHH", "Handelsbanken"),
    ("HELSFIHH", "Aktia"),
    ("ITELFIHH", "Säästöpankki"),
    ("NDEAFIHH", "Nordea"),
    ("OKOYFIHH", "OP"),
    ("POPFFI22", "POP Pankki"),
    ("SBANFIHH", "S-Pankki"),
)

KIND_HELP = gettext_lazy(
    "An organization gives its OVT/EDI identifier (0037 and its business ID) and its"
    " operator; a private person gives the e-invoice address their online bank shows and"
    " the bank."
)


def _compact(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "").upper()


def ovt_validate(value: str) -> str:
    """An OVT code in its compact form; its Y-tunnus part must pass the check digit."""
    compact = _compact(value)
    match = _OVT.fullmatch(compact)
    if match is None:
        raise ValidationError(
            _("An OVT identifier is 0037, the business ID without the dash and an optional suffix.")
        )
    try:
        ytunnus.validate(match.group(1))
    except StdnumError:
        raise ValidationError(
            _("The business ID in the OVT identifier is not valid (check digit).")
        ) from None
    return compact


def bic_validate(value: str) -> str:
    try:
        return str(BIC(_compact(value)))
    except (SchwiftyException, ValueError):
        raise ValidationError(_("This is not a valid BIC.")) from None


def operator_address_validate(value: str) -> str:
    """An organization's e-invoice address: its OVT code, or an IBAN some receive at."""
    compact = _compact(value)
    # An IBAN starts with its country's letters, an OVT code with digits.
    if compact[:1].isdigit():
        return ovt_validate(compact)
    try:
        return IBAN(compact).compact
    except (SchwiftyException, ValueError):
        raise ValidationError(
            _("Give the OVT identifier (0037 and the business ID) or an IBAN.")
        ) from None


def intermediator_validate(value: str, *, kind: str) -> str:
    """An operator's identifier (an OVT code or a BIC-like code), or a consumer's bank BIC."""
    compact = _compact(value)
    if kind == EInvoiceAddress.Kind.CONSUMER:
        return bic_validate(compact)
    if compact[:1].isdigit():
        return ovt_validate(compact)
    return bic_validate(compact)


def consumer_address_validate(value: str) -> str:
    value = (value or "").strip()
    if not _CONSUMER_ADDRESS.fullmatch(value):
        raise ValidationError(
            _("Give the e-invoice address as your online bank shows it (2 to 35 characters).")
        )
    return value


def einvoice_address_clean(*, kind: str, address: str, intermediator: str) -> dict[str, str]:
    """The address and intermediator in their stored forms; a ValidationError per field."""
    errors: dict[str, ValidationError] = {}
    cleaned: dict[str, str] = {"kind": kind}
    if kind not in EInvoiceAddress.Kind.values:
        raise ValidationError({"kind": _("Choose the type of the address.")})
    check = (
        operator_address_validate
        if kind == EInvoiceAddress.Kind.OPERATOR
        else consumer_address_validate
    )
    try:
        cleaned["address"] = check(address)
    except ValidationError as error:
        errors["address"] = error
    try:
        cleaned["intermediator"] = intermediator_validate(intermediator, kind=kind)
    except ValidationError as error:
        errors["intermediator"] = error
    if errors:
        raise ValidationError(errors)
    return cleaned


def intermediator_name(code: str) -> str:
    """The operator's or bank's name for a known code, else empty."""
    return dict((*BANKS, *OPERATORS)).get(code, "")


@transaction.atomic
def einvoice_address_save(
    *, membership: Membership, kind: str, address: str, intermediator: str, actor: User | None
) -> EInvoiceAddress:
    """Set the member's e-invoice address (validated here too: the admin, a rectification
    and the page all come through)."""
    cleaned = einvoice_address_clean(kind=kind, address=address, intermediator=intermediator)
    with acting_as(actor):
        found, created = EInvoiceAddress.objects.select_for_update().get_or_create(
            membership=membership,
            defaults={**cleaned, "updated_by": actor},
        )
        if not created:
            for name, value in cleaned.items():
                setattr(found, name, value)
            found.updated_at = timezone.now()
            found.updated_by = actor
            found.save()
    return found


@transaction.atomic
def einvoice_address_remove(*, membership: Membership, actor: User | None) -> None:
    """The member's invoices go by mail or email again."""
    with acting_as(actor):
        for found in EInvoiceAddress.objects.filter(membership=membership):
            found.delete()
