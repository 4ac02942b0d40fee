"""Reads for the controller's desk: which requests need attention, and how urgently."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Count, DateField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from gdpr.models import OPEN_STATUSES, DataSubjectRequest, ProcessingRestriction

if TYPE_CHECKING:
    from accounts.models import User

# A request is "due soon" when its deadline is at most this many days away.
DUE_SOON_DAYS = 7


class DeadlineState:
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    OK = "ok"
    CLOSED = "closed"


def restriction_in_force(user: User | None) -> bool:
    """Whether the processing of ``user``'s data is restricted now (Art. 18): the pages
    that show the person to others say so."""
    if user is None:
        return False
    return ProcessingRestriction.objects.in_force().filter(user=user).exists()


# The name the pages that show one person already use.
is_restricted = restriction_in_force


def restricted_users(user_ids: Iterable[int]) -> set[int]:
    """Which of ``user_ids`` have their processing restricted now (one query)."""
    ids = [pk for pk in user_ids if pk is not None]
    if not ids:
        return set()
    return set(
        ProcessingRestriction.objects.in_force()
        .filter(user_id__in=ids)
        .values_list("user_id", flat=True)
        .distinct()
    )


def annotate_restriction_in_force(
    queryset: QuerySet, *, user_field: str = "user", name: str = "processing_restricted"
) -> QuerySet:
    """``queryset`` with a boolean ``name`` per row: whether the person its ``user_field``
    points at has their processing restricted now. A subquery of the same SELECT, so a
    list of people pays no query per row and none more per page."""
    in_force = ProcessingRestriction.objects.in_force().filter(user=OuterRef(user_field))
    return queryset.annotate(**{name: Exists(in_force)})


def with_deadline(queryset: QuerySet[DataSubjectRequest]) -> QuerySet[DataSubjectRequest]:
    """Annotate ``deadline_on``: the extended deadline if there is one, else the first."""
    return queryset.annotate(
        deadline_on=Coalesce("extended_due_on", "due_on", output_field=DateField())
    )


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def deadline_filter(state: str, *, today: datetime.date | None = None) -> Q:
    """A ``Q`` on a queryset annotated by ``with_deadline``: the open requests in
    ``state`` (overdue, due soon), or the extended ones (``"extended"``)."""
    today = _today(today)
    is_open = Q(status__in=OPEN_STATUSES)
    match state:
        case DeadlineState.OVERDUE:
            return is_open & Q(deadline_on__lt=today)
        case DeadlineState.DUE_SOON:
            soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
            return is_open & Q(deadline_on__gte=today, deadline_on__lte=soon)
        case "extended":
            return Q(extended_due_on__isnull=False)
    raise ValueError(state)


def requests_for_desk(
    *,
    status: str | None = None,
    kind: str | None = None,
    deadline: str | None = None,
    handler: User | None = None,
    open_only: bool = False,
    today: datetime.date | None = None,
) -> QuerySet[DataSubjectRequest]:
    """The requests on the desk, most urgent first, with what a list row shows (subject,
    handler) in the same query."""
    queryset = with_deadline(DataSubjectRequest.objects.select_related("subject", "handler"))
    if open_only:
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    if status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    if deadline:
        queryset = queryset.filter(deadline_filter(deadline, today=today))
    if handler is not None:
        queryset = queryset.filter(handler=handler)
    return queryset.order_by("deadline_on", "received_at", "pk")


def deadline_state(request: DataSubjectRequest, today: datetime.date | None = None) -> str:
    """How urgent the request is: overdue, due soon (within 7 days), ok, or closed."""
    if not request.is_open:
        return DeadlineState.CLOSED
    today = _today(today)
    deadline = request.deadline
    if deadline < today:
        return DeadlineState.OVERDUE
    if deadline <= today + datetime.timedelta(days=DUE_SOON_DAYS):
        return DeadlineState.DUE_SOON
    return DeadlineState.OK


def desk_counts(today: datetime.date | None = None) -> dict[str, int]:
    """Open, overdue and due-soon requests, for the admin index (one query)."""
    today = _today(today)
    return with_deadline(DataSubjectRequest.objects.filter(status__in=OPEN_STATUSES)).aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=deadline_filter(DeadlineState.OVERDUE, today=today)),
        due_soon=Count("pk", filter=deadline_filter(DeadlineState.DUE_SOON, today=today)),
    )
