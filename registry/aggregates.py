"""What the statistics of every app count with: months, days between dates, medians.

The organization's and the controller's dashboards both look back a number of months,
label them in the user's language, count days between two dates in the database and take
medians of distributions the database grouped, so that no figure lists its rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.db.models import Func, IntegerField
from django.utils import timezone
from django.utils.formats import date_format


def months_back(today: datetime.date, count: int) -> list[datetime.date]:
    """The first days of the ``count`` months up to and including ``today``'s, oldest first."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def month_key(value: datetime.date | datetime.datetime) -> datetime.date:
    """A month the database truncated (a date, or a datetime on some backends; an aware
    one read in the service's time zone) as the first day of that month."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.date()
    return value.replace(day=1)


def month_label(month: datetime.date) -> str:
    """A month as the user's language writes it (``YEAR_MONTH_FORMAT``)."""
    return date_format(month, "YEAR_MONTH_FORMAT")


class DaysBetween(Func):
    """Whole calendar days from the second date to the first (``end - start``)."""

    output_field = IntegerField()
    arity = 2
    # PostgreSQL: date minus date is a number of days.
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def median_of(distribution: Mapping[int, int]) -> float | int | None:
    """The median of values given as {value: how many times}, without listing them (a busy
    month has thousands of answers and a few dozen distinct numbers of days); None when
    empty, a whole number when the median is one."""
    total = sum(distribution.values())
    if total == 0:
        return None
    # The middle value (odd total) or the two middle ones (even), counted from the lowest.
    wanted = (total - 1) // 2, total // 2
    found: list[int] = []
    seen = 0
    for value in sorted(distribution):
        seen += distribution[value]
        while len(found) < 2 and wanted[len(found)] < seen:
            found.append(value)
        if len(found) == 2:
            break
    middle = (found[0] + found[1]) / 2
    return int(middle) if middle.is_integer() else middle
