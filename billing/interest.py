"""Late-payment interest by the Interest Act (korkolaki 633/1982).

4 § 1 mom.: on a debt with a due date, interest runs from the due date at the reference rate
(12 §) plus seven percentage points a year. 12 §: the reference rate is set for each
half-year (1.1.-30.6. and 1.7.-31.12.) and the Bank of Finland publishes it (12 a §); the
rates are kept in ``ReferenceRate`` (the Django admin), and interest over a change of rate is
counted period by period, each day at the rate of the half-year it falls in.

Day count: the Act prescribes none. We count the actual days from the due date (the due
date itself not counted, the day of the reminder counted) over a year of 365 days, leap
years included (actual/365 fixed): the convention of Finnish creditors' and collection
agencies' interest calculations. 29 February is a day like any other; the year still has
365 days, so a leap year's interest is 366/365 of a common year's.

Amounts are carried unrounded through the periods and rounded to the cent once, half up.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from organizations.services import RuleError

from .models import ReferenceRate
from .money import CENT

# 4 § 1 mom.: the reference rate plus seven percentage points.
MARGIN = Decimal(7)
DAYS_IN_YEAR = Decimal(365)


class MissingReferenceRate(RuleError):
    """No reference rate is kept for a half-year the interest runs through."""


@dataclass(frozen=True)
class Period:
    """Days of the interest at one rate: ``first`` to ``last``, both counted."""

    first: datetime.date
    last: datetime.date
    reference_rate: Decimal

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def annual_rate(self) -> Decimal:
        return self.reference_rate + MARGIN


@dataclass(frozen=True)
class Interest:
    amount: Decimal
    periods: tuple[Period, ...]


def half_year_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 1 if day.month < 7 else 7, 1)


def _half_year_end(start: datetime.date) -> datetime.date:
    if start.month == 1:
        return datetime.date(start.year, 6, 30)
    return datetime.date(start.year, 12, 31)


def periods(
    *, since: datetime.date, until: datetime.date, rates: dict[datetime.date, Decimal]
) -> list[Period]:
    """The days after ``since`` up to ``until`` split by half-year, each with its rate.

    ``rates`` maps a half-year's first day to its reference rate. Raises
    ``MissingReferenceRate`` (a ``RuleError``: a message, not a 500) for a half-year
    without one.
    """
    found: list[Period] = []
    first = since + datetime.timedelta(days=1)
    while first <= until:
        start = half_year_start(first)
        last = min(_half_year_end(start), until)
        if start not in rates:
            raise MissingReferenceRate(
                _(
                    "The reference rate for the half-year starting %(date)s is missing: "
                    "add it in the admin (Billing > Reference rates) before charging interest."
                )
                % {"date": start.strftime("%-d.%-m.%Y")}
            )
        found.append(Period(first=first, last=last, reference_rate=rates[start]))
        first = last + datetime.timedelta(days=1)
    return found


def late_interest(
    *,
    capital: Decimal,
    since: datetime.date,
    until: datetime.date,
    rates: dict[datetime.date, Decimal],
) -> Interest:
    """Interest on ``capital`` for the days after ``since`` up to ``until``, in cents."""
    if capital <= 0 or until <= since:
        return Interest(amount=Decimal("0.00"), periods=())
    split = periods(since=since, until=until, rates=rates)
    exact = sum(
        (capital * period.annual_rate / 100 * period.days / DAYS_IN_YEAR for period in split),
        Decimal(0),
    )
    return Interest(amount=exact.quantize(CENT, rounding=ROUND_HALF_UP), periods=tuple(split))


def rates_between(since: datetime.date, until: datetime.date) -> dict[datetime.date, Decimal]:
    """The kept reference rates of the half-years from ``since`` to ``until``: 1 query."""
    return dict(
        ReferenceRate.objects.filter(
            valid_from__gte=half_year_start(since), valid_from__lte=until
        ).values_list("valid_from", "rate")
    )


def describe(periods_: Iterable[Period]) -> str:
    """``"16.12.2023 - 31.12.2023: 11.00 %"`` lines, for the reminder to show."""
    return "\n".join(
        f"{p.first:%-d.%-m.%Y} - {p.last:%-d.%-m.%Y}: {p.annual_rate:.2f} %" for p in periods_
    )
