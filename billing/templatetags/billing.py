"""Numbers on invoices, printed the Finnish way in every language: ``1 234,50 €``, ``25,5 %``.

An invoice is a Finnish voucher: its amounts read the same whichever language the page or
mail is in, and they match what the bank shows.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from django import template
from django.utils.translation import get_language

from .. import money

register = template.Library()

_NBSP = "\N{NO-BREAK SPACE}"


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _plain(value: Decimal) -> str:
    """``1.50`` → ``1,5``; ``2.00`` → ``2``: no trailing zeros, a decimal comma."""
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


@register.filter
def eur(value) -> str:
    """``Decimal("1234.5")`` → ``1 234,50 €`` (no-break spaces, as ``money.format_eur``)."""
    amount = _decimal(value)
    return "" if amount is None else money.format_eur(amount)


@register.filter
def euro_digits(value) -> str:
    """The amount without the euro sign, for a field labelled in euros: ``1 234,50``."""
    amount = _decimal(value)
    return "" if amount is None else money.format_eur(amount).removesuffix("\N{NO-BREAK SPACE}€")


@register.filter
def quantity(value) -> str:
    """A quantity without needless decimals: ``1.00`` → ``1``, ``1.50`` → ``1,5``."""
    number = _decimal(value)
    return "" if number is None else _plain(number)


@register.filter
def vat_percent(value) -> str:
    """A VAT rate in percent: ``25.5`` → ``25,5 %``, ``14.0`` → ``14 %``."""
    rate = _decimal(value)
    return "" if rate is None else f"{_plain(rate)}{_NBSP}%"


@register.filter
def iban(value: str) -> str:
    """An IBAN in groups of four, as printed on paper: ``FI21 1234 5600 0007 85``."""
    compact = (value or "").replace(" ", "").upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


@lru_cache(maxsize=8)
def _payment_states(language: str | None) -> dict[str, str]:
    from ..models import Payment

    return {value: str(label) for value, label in Payment.State.choices}


@register.filter
def payment_state(value: str) -> str:
    """A payment's state (``Payment.State``, as the payments list annotates it) in words."""
    return _payment_states(get_language()).get(value, value)
