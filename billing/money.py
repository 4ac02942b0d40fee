"""Money on invoices: Finnish VAT rates, line and invoice amounts, euro formatting.

Pure functions on ``Decimal`` (a float is refused with ``TypeError``). Every amount is
rounded to whole cents with ``ROUND_HALF_UP`` (ties away from zero, so a credit line is the
exact negative of the line it cancels).

The rounding rule of an invoice:

* a line's net is ``quantity * unit_price`` rounded once (unit prices exclude VAT); its VAT
  is ``net * rate`` rounded once, and its gross is ``net + vat``;
* the invoice's VAT is computed per rate, from the sum of that rate's (rounded) line nets
  and rounded once — that is what the invoice shows in its VAT breakdown, as Finnish
  invoices do; the invoice's VAT is the sum of the breakdown, its net the sum of the line
  nets and its gross ``net + vat``.

So the breakdown always adds up to the totals, but the line VATs (and line grosses) may
add up to a few cents more or less than the invoice's: at most half a cent for each line
plus half a cent for the rate. The invoice's totals are what the member owes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
_HUNDRED = Decimal(100)
_NBSP = "\N{NO-BREAK SPACE}"


class VatRate(Decimal, models.Choices):
    """Finnish VAT rates in percent. The members are Decimals: ``net * VatRate.STANDARD``."""

    STANDARD = "25.5", _("25.5 %")  # general rate since 1.9.2024
    REDUCED_13_5 = "13.5", _("13.5 %")  # replaced 14 % on 1.1.2026 (HE 93/2025 vp)
    REDUCED_14 = "14", _("14 %")  # until 31.12.2025: credit notes of older invoices need it
    REDUCED_10 = "10", _("10 %")
    ZERO = "0", _("0 %")

    def __str__(self) -> str:
        # As a plain Decimal would print, so templates show "25.5" and not "VatRate.STANDARD".
        return str(self.value)


@dataclass(frozen=True, slots=True)
class LineAmounts:
    """The rounded amounts of one invoice line, with the VAT rate (percent) they used."""

    net: Decimal
    vat: Decimal
    gross: Decimal
    vat_rate: Decimal


@dataclass(frozen=True, slots=True)
class VatBreakdown:
    """One row of an invoice's VAT breakdown: the lines at ``rate`` summed, VAT rounded once."""

    rate: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal


@dataclass(frozen=True, slots=True)
class Totals:
    """An invoice's totals; ``vat_breakdown`` lists the rates in use, highest first."""

    net: Decimal
    vat: Decimal
    gross: Decimal
    vat_breakdown: tuple[VatBreakdown, ...]


def _decimal(value: Decimal | int, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} must be a Decimal (or an int), not {type(value).__name__}.")
    # Decimal(...) also turns a VatRate member into a plain Decimal.
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"{name} must be a finite number.")
    return value


def round_cents(amount: Decimal | int) -> Decimal:
    """Round to whole cents, half up (ties away from zero): ``0.005`` → ``0.01``."""
    return _decimal(amount, "amount").quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal | int) -> int:
    """Return a whole-cent amount in cents: ``Decimal("12.30")`` → ``1230``.

    Raises ``ValueError`` for fractions of a cent: round first (``round_cents``), so that a
    missing rounding step shows up instead of being papered over here.
    """
    value = _decimal(amount, "amount")
    if value != value.quantize(CENT):
        raise ValueError(f"{value} has fractions of a cent; round it first.")
    return int(value * 100)


def _vat(net: Decimal, rate: Decimal) -> Decimal:
    return round_cents(net * rate / _HUNDRED)


def line_amounts(
    *, quantity: Decimal | int, unit_price: Decimal | int, vat_rate: Decimal | int
) -> LineAmounts:
    """Return a line's net, VAT and gross, each in whole cents.

    ``unit_price`` excludes VAT and ``vat_rate`` is in percent (``Decimal("25.5")`` or a
    ``VatRate``). The net is rounded first and the VAT computed from the rounded net, so the
    printed line checks out by hand; gross is ``net + vat``. A negative quantity (a credit
    note) gives exactly the negated amounts.
    """
    quantity = _decimal(quantity, "quantity")
    unit_price = _decimal(unit_price, "unit_price")
    rate = _decimal(vat_rate, "vat_rate")
    if not 0 <= rate < _HUNDRED:
        raise ValueError(f"A VAT rate is a percentage at least 0 and below 100, not {rate}.")
    net = round_cents(quantity * unit_price)
    vat = _vat(net, rate)
    return LineAmounts(net=net, vat=vat, gross=net + vat, vat_rate=rate)


def invoice_totals(lines: Iterable[LineAmounts]) -> Totals:
    """Return an invoice's totals and VAT breakdown from its lines (see the module docstring).

    Per rate, the rounded line nets are summed and the VAT computed on that sum and rounded
    once; the invoice's VAT is the sum of those, its net the sum of the line nets and its
    gross ``net + vat``. No lines give zero totals and an empty breakdown.
    """
    net_by_rate: dict[Decimal, Decimal] = {}
    for line in lines:
        rate = Decimal(line.vat_rate)
        net_by_rate[rate] = net_by_rate.get(rate, Decimal("0.00")) + line.net
    breakdown = []
    for rate in sorted(net_by_rate, reverse=True):
        net = net_by_rate[rate]
        vat = _vat(net, rate)
        breakdown.append(VatBreakdown(rate=rate, net=net, vat=vat, gross=net + vat))
    net = sum((row.net for row in breakdown), Decimal("0.00"))
    vat = sum((row.vat for row in breakdown), Decimal("0.00"))
    return Totals(net=net, vat=vat, gross=net + vat, vat_breakdown=tuple(breakdown))


def format_eur(amount: Decimal | int) -> str:
    """Format euros the Finnish way: ``Decimal("1234.5")`` → ``"1 234,50 €"``.

    The spaces are no-break spaces (U+00A0, as in Django's Finnish number format), so a PDF
    or an e-mail never wraps inside an amount. The amount is rounded half up to cents.
    """
    value = round_cents(amount)
    sign = "-" if value < 0 else ""
    # Decimal's own formatting: no float on the way.
    digits = f"{abs(value):,.2f}".translate(str.maketrans({",": _NBSP, ".": ","}))
    return f"{sign}{digits}{_NBSP}€"
