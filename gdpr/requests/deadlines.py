"""Statutory deadlines of data-subject requests (GDPR Art. 12(3)), counted the way
Regulation (EEC, Euratom) No 1182/71 counts periods.

A period in months ends on the same date of the later month as the day of receipt (the
day of receipt itself is not counted); when that month is shorter, on its last day
(received 31 January → due 28 or 29 February). A period ending on a Saturday, Sunday or
Finnish public holiday runs to the next working day.
"""

from __future__ import annotations

import calendar
import datetime
from functools import lru_cache

import holidays

RESPONSE_MONTHS = 1
MAX_EXTENSION_MONTHS = 2


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same date ``months`` later, or the last day of that month if it is shorter."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(day.day, last))


@lru_cache(maxsize=64)
def _finnish_holidays(year: int) -> holidays.HolidayBase:
    return holidays.Finland(years=year)


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _finnish_holidays(day.year)


def next_working_day(day: datetime.date) -> datetime.date:
    """``day`` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def due_date(received_on: datetime.date, months: int = RESPONSE_MONTHS) -> datetime.date:
    """The last day to answer a request received on ``received_on``."""
    return next_working_day(add_months(received_on, months))


def extended_due_date(received_on: datetime.date, extra_months: int) -> datetime.date:
    """The deadline after an extension of ``extra_months`` (1 or 2) further months; counted
    from receipt, so the extension adds whole months to the original period."""
    if not 1 <= extra_months <= MAX_EXTENSION_MONTHS:
        raise ValueError("an extension is one or two further months")
    return due_date(received_on, RESPONSE_MONTHS + extra_months)
