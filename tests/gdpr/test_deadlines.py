"""Deadlines of data-subject requests: one calendar month from receipt (GDPR Art. 12(3)),
counted as Regulation 1182/71 counts, rolled to the next Finnish working day; extensions
by one or two further months."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine

from gdpr.models import RequestEvent
from gdpr.requests.deadlines import (
    add_months,
    due_date,
    extended_due_date,
    is_working_day,
    next_working_day,
)
from gdpr.requests.services import RequestError, request_due_on, request_extend

from .factories import DataSubjectRequestFactory

pytestmark = pytest.mark.usefixtures("english")

HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")
D = datetime.date


# --- Month arithmetic -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # 31 January: February has no 31st, so the last day of February.
        (D(2025, 1, 31), D(2025, 2, 28)),  # Friday
        (D(2024, 1, 31), D(2024, 2, 29)),  # leap year, Thursday
        # 30- and 31-day months.
        (D(2025, 4, 30), D(2025, 5, 30)),  # Friday
        (D(2025, 3, 31), D(2025, 4, 30)),  # April has 30 days; Wednesday
        (D(2024, 3, 31), D(2024, 4, 30)),  # Tuesday
        (D(2025, 8, 31), D(2025, 9, 30)),  # Tuesday
        # The day of receipt is not counted: the same date a month later.
        (D(2025, 3, 12), D(2025, 4, 14)),  # 12 April is a Saturday → Monday
        (D(2025, 12, 15), D(2026, 1, 15)),  # across the year, Thursday
    ],
)
def test_it_ends_on_the_same_date_of_the_next_month_or_its_last_day(received, due):
    assert due_date(received) == due


def test_it_adds_months_to_the_last_day_of_a_shorter_month():
    assert add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2025, 1, 31), 3) == D(2025, 4, 30)
    assert add_months(D(2025, 11, 30), 3) == D(2026, 2, 28)


def test_29_february_in_a_leap_year_is_due_29_march_rolled_past_easter():
    # 29.3.2024 is Good Friday; 30.3 Saturday, 31.3 Easter Sunday, 1.4 Easter Monday.
    assert add_months(D(2024, 2, 29), 1) == D(2024, 3, 29)
    assert due_date(D(2024, 2, 29)) == D(2024, 4, 2)


# --- Weekends and Finnish public holidays --------------------------------------------------


def test_a_deadline_on_a_weekend_moves_to_monday():
    # 31.3.2023 → 30.4.2023 is a Sunday, and 1.5 is May Day: Tuesday 2.5.
    assert due_date(D(2023, 3, 31)) == D(2023, 5, 2)
    # 1.2.2025 → 1.3.2025 is a Saturday: Monday 3.3.
    assert due_date(D(2025, 2, 1)) == D(2025, 3, 3)


def test_a_deadline_on_christmas_day_moves_to_the_next_working_day():
    # 25.12.2025 Christmas Day (Thu), 26.12 St Stephen's Day, then the weekend.
    assert due_date(D(2025, 11, 25)) == D(2025, 12, 29)
    # Christmas Eve counts as a holiday too (24.12.2026 is a Thursday).
    assert due_date(D(2026, 11, 24)) == D(2026, 12, 28)


def test_a_deadline_on_midsummer_eve_moves_to_the_next_working_day():
    # 20.6.2025 Midsummer Eve (Fri), 21.6 Midsummer Day (Sat), Sunday.
    assert due_date(D(2025, 5, 20)) == D(2025, 6, 23)


def test_a_deadline_on_independence_day_and_may_day_moves_on():
    assert due_date(D(2024, 11, 6)) == D(2024, 12, 9)  # 6.12.2024 Friday → Monday
    assert due_date(D(2026, 4, 1)) == D(2026, 5, 4)  # 1.5.2026 Friday → Monday


def test_working_days():
    assert is_working_day(D(2025, 6, 19))  # Thursday before Midsummer
    assert not is_working_day(D(2025, 6, 20))  # Midsummer Eve
    assert not is_working_day(D(2025, 12, 6))  # Saturday
    assert next_working_day(D(2025, 6, 19)) == D(2025, 6, 19)


# --- Receipt time and the local date ------------------------------------------------------


def test_the_deadline_counts_from_the_day_of_receipt_in_finland():
    # 31.1.2025 23:30 in Helsinki is still 31 January there.
    late_evening = datetime.datetime(2025, 1, 31, 23, 30, tzinfo=HELSINKI)
    assert request_due_on(late_evening) == D(2025, 2, 28)
    # 23:30 UTC is already 1 February in Helsinki: due 1.3 (Saturday) → Monday 3.3.
    after_midnight_there = datetime.datetime(2025, 1, 31, 23, 30, tzinfo=datetime.UTC)
    assert request_due_on(after_midnight_there) == D(2025, 3, 3)


# --- Extensions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "months", "due"),
    [
        (D(2025, 1, 31), 1, D(2025, 3, 31)),  # Monday
        (D(2025, 1, 31), 2, D(2025, 4, 30)),  # Wednesday
        (D(2024, 2, 29), 1, D(2024, 4, 29)),  # Monday
        (D(2024, 2, 29), 2, D(2024, 5, 29)),  # Wednesday
        (D(2025, 3, 20), 2, D(2025, 6, 23)),  # 20.6 Midsummer Eve → Monday
    ],
)
def test_an_extension_adds_one_or_two_months_counted_from_receipt(received, months, due):
    assert extended_due_date(received, months) == due


@pytest.mark.parametrize("months", [0, 3, -1])
def test_an_extension_is_one_or_two_months_only(months):
    with pytest.raises(ValueError, match="one or two"):
        extended_due_date(D(2025, 1, 31), months)


RECEIVED = datetime.datetime(2025, 1, 31, 10, 0, tzinfo=HELSINKI)


@pytest.fixture
def received_request(db, staff):
    return DataSubjectRequestFactory(received_at=RECEIVED, due_on=request_due_on(RECEIVED))


@pytest.mark.django_db
@pytest.mark.parametrize(("months", "due"), [(1, D(2025, 3, 31)), (2, D(2025, 4, 30))])
def test_the_service_extends_by_one_or_two_months(
    received_request, staff, months, due, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(datetime.datetime(2025, 2, 20, 12, tzinfo=HELSINKI)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        request_extend(received_request, months=months, reason="Many requests.", actor=staff)
    received_request.refresh_from_db()
    assert received_request.due_on == D(2025, 2, 28)
    assert received_request.extended_due_on == due
    assert received_request.deadline == due
    assert received_request.extension_reason == "Many requests."
    assert received_request.extension_notified_at is not None


@pytest.mark.django_db
def test_the_service_refuses_more_than_two_months(received_request, staff):
    with (
        time_machine.travel(datetime.datetime(2025, 2, 20, 12, tzinfo=HELSINKI)),
        pytest.raises(RequestError, match="one or two"),
    ):
        request_extend(received_request, months=3, reason="Complex.", actor=staff)
    received_request.refresh_from_db()
    assert received_request.extended_due_on is None


@pytest.mark.django_db
def test_the_service_allows_extending_on_the_last_day(received_request, staff):
    with time_machine.travel(datetime.datetime(2025, 2, 28, 23, 0, tzinfo=HELSINKI)):
        request_extend(received_request, months=2, reason="Complex.", actor=staff)
    received_request.refresh_from_db()
    assert received_request.extended_due_on == D(2025, 4, 30)


@pytest.mark.django_db
def test_the_service_refuses_an_extension_after_the_first_deadline(received_request, staff):
    with (
        time_machine.travel(datetime.datetime(2025, 3, 1, 0, 30, tzinfo=HELSINKI)),
        pytest.raises(RequestError, match="has passed"),
    ):
        request_extend(received_request, months=1, reason="Complex.", actor=staff)
    received_request.refresh_from_db()
    assert received_request.extended_due_on is None
    assert not received_request.events.filter(action=RequestEvent.Action.EXTENDED).exists()


@pytest.mark.django_db
def test_the_service_extends_only_once_in_total(received_request, staff):
    with time_machine.travel(datetime.datetime(2025, 2, 10, 12, tzinfo=HELSINKI)):
        request_extend(received_request, months=1, reason="Complex.", actor=staff)
        # A second month on top of the first would still be "two in total", but the law
        # requires the person be told once, with reasons: one extension only.
        with pytest.raises(RequestError, match="only once"):
            request_extend(received_request, months=1, reason="Still complex.", actor=staff)
    received_request.refresh_from_db()
    assert received_request.extended_due_on == D(2025, 3, 31)
    assert received_request.events.filter(action=RequestEvent.Action.EXTENDED).count() == 1
