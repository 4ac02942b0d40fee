"""What the desk reads: how urgent a request is, and the counts on the admin's index."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gdpr.models import RequestKind, RequestStatus
from gdpr.selectors import deadline_state, desk_counts, requests_for_desk

from .factories import DataSubjectRequestFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 16)  # a Monday


def due(days: int, **kwargs):
    return DataSubjectRequestFactory(due_on=TODAY + datetime.timedelta(days=days), **kwargs)


@pytest.mark.parametrize(
    ("days", "state"),
    [(-1, "overdue"), (0, "due_soon"), (7, "due_soon"), (8, "ok"), (30, "ok")],
)
def test_the_deadline_state_of_an_open_request(days, state):
    assert deadline_state(due(days), TODAY) == state


@pytest.mark.parametrize("status", [RequestStatus.COMPLETED, RequestStatus.REFUSED])
def test_a_closed_request_is_never_overdue(status):
    assert deadline_state(due(-10, status=status), TODAY) == "closed"


def test_an_extension_moves_the_deadline_that_counts():
    request = due(-3, extended_due_on=TODAY + datetime.timedelta(days=20))
    assert deadline_state(request, TODAY) == "ok"


def test_the_counts_cover_open_requests_only():
    due(-2)
    due(-1, extended_due_on=TODAY + datetime.timedelta(days=3))  # due soon, not overdue
    due(3)
    due(20)
    due(-5, status=RequestStatus.COMPLETED)
    assert desk_counts(TODAY) == {"open": 4, "overdue": 1, "due_soon": 2}


def test_the_desk_lists_the_most_urgent_first_and_filters(staff):
    later = due(20)
    overdue = due(-2, kind=RequestKind.ERASURE)
    soon = due(3, handler=staff)
    closed = due(-9, status=RequestStatus.REFUSED)
    assert list(requests_for_desk(today=TODAY)) == [closed, overdue, soon, later]
    assert list(requests_for_desk(open_only=True, today=TODAY)) == [overdue, soon, later]
    assert list(requests_for_desk(deadline="overdue", today=TODAY)) == [overdue]
    assert list(requests_for_desk(deadline="due_soon", today=TODAY)) == [soon]
    assert list(requests_for_desk(handler=staff)) == [soon]
    assert list(requests_for_desk(kind=RequestKind.ERASURE)) == [overdue]


def test_the_counts_take_one_query(django_assert_num_queries):
    for days in range(-3, 10):
        due(days)
    with django_assert_num_queries(1):
        counts = desk_counts(timezone.localdate())
    assert counts["open"] == 13
