"""Reads for the controller's statistics: how data-subject requests were answered, what
was erased, exported and disclosed, the marketing choices in force and the retention runs.

Aggregates only, each counted by the database (GROUP BY month or kind), so a page costs
the same few queries whatever the number of rows: ``STATISTICS_QUERIES`` of them for the
whole dashboard. Nothing here names a person; the figures hide small counts when drawn
(``registry.charts``).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DateField,
    F,
    FloatField,
    Q,
    QuerySet,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from gdpr.models import (
    Consent,
    DataSubjectRequest,
    Disclosure,
    MarketingBan,
    RequestEvent,
    RequestStatus,
    RetentionRun,
    Suppression,
)
from gdpr.selectors import DeadlineState, deadline_filter, with_deadline
from registry import aggregates
from registry.aggregates import DaysBetween, median_of, month_key

# The dashboard looks this many months back, the current month included.
MONTHS = 24
# One query per part of ``Statistics``: the whole dashboard costs this many.
STATISTICS_QUERIES = 8

Month = datetime.date  # the first day of a month, in the service's time zone


def months_back(count: int = MONTHS, *, today: datetime.date | None = None) -> list[Month]:
    """The first days of the last ``count`` months, oldest first, this month last."""
    return aggregates.months_back(today or timezone.localdate(), count)


def _since(months: list[Month]) -> datetime.datetime:
    """The start of the first month, as an aware moment in the service's time zone."""
    return datetime.datetime.combine(
        months[0], datetime.time.min, tzinfo=timezone.get_current_timezone()
    )


# --- Requests --------------------------------------------------------------------------


def requests_by_kind_and_month(months: list[Month]) -> dict[tuple[Month, str], int]:
    """Requests received, by (month, kind). One query."""
    rows = (
        DataSubjectRequest.objects.filter(received_at__gte=_since(months))
        .annotate(month=TruncMonth("received_at"))
        .order_by()
        .values_list("month", "kind")
        .annotate(n=Count("pk"))
    )
    return {(month_key(month), kind): n for month, kind, n in rows}


class Median(Aggregate):
    """The median (PostgreSQL's ``percentile_cont(0.5)``), as a float."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
    allow_distinct = False


@dataclass(frozen=True)
class AnswerMonth:
    """The requests answered in one month: how many, the median days from receipt to the
    answer, how many by their deadline (the extended one if extended), how many extended."""

    answered: int
    median_days: float
    within_deadline: int
    extended: int

    @property
    def within_deadline_percent(self) -> float:
        return 100 * self.within_deadline / self.answered if self.answered else 0.0


def _answered(months: list[Month]) -> QuerySet[DataSubjectRequest]:
    answered_at = Coalesce("responded_at", "closed_at")
    return (
        with_deadline(DataSubjectRequest.objects.all())
        .annotate(answered_at=answered_at)
        .filter(
            status__in=(RequestStatus.COMPLETED, RequestStatus.REFUSED),
            answered_at__gte=_since(months),
        )
        .annotate(
            month=TruncMonth("answered_at"),
            answered_on=TruncDate("answered_at"),
            days=DaysBetween(TruncDate("answered_at"), TruncDate("received_at")),
        )
        .order_by()
    )


_ANSWER_COUNTS = {
    "n": Count("pk"),
    "within": Count("pk", filter=Q(answered_on__lte=F("deadline_on"))),
    "extended": Count("pk", filter=Q(extended_due_on__isnull=False)),
}


def answers_by_month(months: list[Month]) -> dict[Month, AnswerMonth]:
    """The requests answered (completed or refused) in each month. One query: the median
    by the database where it has one (PostgreSQL), else from the days counted per month."""
    if connection.vendor == "postgresql":
        rows = (
            _answered(months)
            .values("month")
            .annotate(median=Median("days", output_field=FloatField()), **_ANSWER_COUNTS)
        )
        return {
            month_key(row["month"]): AnswerMonth(
                row["n"], float(row["median"]), row["within"], row["extended"]
            )
            for row in rows
        }
    return answers_by_month_counted(months)


def answers_by_month_counted(months: list[Month]) -> dict[Month, AnswerMonth]:
    """``answers_by_month`` for a database without a median: the requests counted per
    (month, days), the median taken from those counts. One query, a row per distinct
    number of days."""
    rows = _answered(months).values("month", "days").annotate(**_ANSWER_COUNTS)
    days: dict[Month, Counter[int]] = defaultdict(Counter)
    totals: dict[Month, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        month = month_key(row["month"])
        days[month][row["days"]] += row["n"]
        total = totals[month]
        total[0] += row["n"]
        total[1] += row["within"]
        total[2] += row["extended"]
    return {
        month: AnswerMonth(n, float(median_of(days[month])), within, extended)
        for month, (n, within, extended) in totals.items()
    }


def overdue_now(today: datetime.date | None = None) -> int:
    """Open requests past their deadline today. One query."""
    return (
        with_deadline(DataSubjectRequest.objects.all())
        .filter(deadline_filter(DeadlineState.OVERDUE, today=today))
        .count()
    )


STEPS_COUNTED = (
    RequestEvent.Action.EXTENDED,
    RequestEvent.Action.ERASURE_EXECUTED,
    RequestEvent.Action.EXPORT_READY,
)


def steps_by_month(months: list[Month]) -> dict[tuple[Month, str], int]:
    """Requests that took a counted step (extended, erased, export ready) in each month,
    by (month, step). One query."""
    rows = (
        RequestEvent.objects.filter(at__gte=_since(months), action__in=STEPS_COUNTED)
        .annotate(month=TruncMonth("at"))
        .order_by()
        .values_list("month", "action")
        .annotate(n=Count("request", distinct=True))
    )
    return {(month_key(month), action): n for month, action, n in rows}


# --- Marketing, disclosures, retention --------------------------------------------------


def marketing_bans_by_channel() -> dict[str, int]:
    """Bans in force per channel, those of erased people (kept as keyed hashes) too. One
    query."""
    rows = (
        MarketingBan.objects.filter(lifted_at__isnull=True)
        .order_by()
        .values("channel")
        .annotate(n=Count("pk"))
        .values_list("channel", "n")
        .union(
            Suppression.objects.order_by()
            .values("channel")
            .annotate(n=Count("pk"))
            .values_list("channel", "n"),
            all=True,
        )
        .order_by()
    )
    counts: Counter[str] = Counter()
    for channel, n in rows:
        counts[channel] += n
    return dict(counts)


def consents_by_purpose() -> dict[str, int]:
    """Consents in force per consent purpose (the purpose names its channel). One query."""
    return dict(
        Consent.objects.filter(withdrawn_at__isnull=True, user__isnull=False)
        .order_by()
        .values("purpose")
        .annotate(n=Count("pk"))
        .values_list("purpose", "n")
    )


@dataclass(frozen=True)
class DisclosureCount:
    disclosures: int
    people: int


def disclosures_by_month_and_kind(months: list[Month]) -> dict[tuple[Month, str], DisclosureCount]:
    """Disclosures by the month they started and the kind of recipient, with the people
    in them. One query."""
    since = months[0]
    rows = (
        Disclosure.objects.filter(starts_on__gte=since)
        .annotate(month=TruncMonth("starts_on", output_field=DateField()))
        .order_by()
        .values_list("month", "kind")
        .annotate(n=Count("pk", distinct=True), people=Count("subjects", distinct=True))
    )
    return {(month_key(month), kind): DisclosureCount(n, people) for month, kind, n, people in rows}


@dataclass(frozen=True)
class JobRuns:
    runs: int = 0
    failed: int = 0


def retention_runs_by_job(months: list[Month]) -> dict[str, JobRuns]:
    """Runs and failed runs of each retention job in the period. One query."""
    rows = (
        RetentionRun.objects.filter(started_at__gte=_since(months))
        .order_by()
        .values("job")
        .annotate(
            runs=Count("pk"),
            failed=Count("pk", filter=Q(status=RetentionRun.Status.FAILED)),
        )
        .values_list("job", "runs", "failed")
    )
    return {job: JobRuns(runs, failed) for job, runs, failed in rows}


# --- All of it --------------------------------------------------------------------------


class Statistics:
    """The dashboard's figures, each read (one query) when first asked for: the page reads
    them all, a figure's own address only its own."""

    def __init__(self, *, today: datetime.date | None = None) -> None:
        self.today = today or timezone.localdate()
        self.months = months_back(today=self.today)

    @cached_property
    def requests(self) -> dict[tuple[Month, str], int]:
        return requests_by_kind_and_month(self.months)

    @cached_property
    def answers(self) -> dict[Month, AnswerMonth]:
        return answers_by_month(self.months)

    @cached_property
    def overdue(self) -> int:
        return overdue_now(self.today)

    @cached_property
    def steps(self) -> dict[tuple[Month, str], int]:
        return steps_by_month(self.months)

    @cached_property
    def bans(self) -> dict[str, int]:
        return marketing_bans_by_channel()

    @cached_property
    def consents(self) -> dict[str, int]:
        return consents_by_purpose()

    @cached_property
    def disclosures(self) -> dict[tuple[Month, str], DisclosureCount]:
        return disclosures_by_month_and_kind(self.months)

    @cached_property
    def runs(self) -> dict[str, JobRuns]:
        return retention_runs_by_job(self.months)


def statistics_for(*, today: datetime.date | None = None) -> Statistics:
    """The dashboard's statistics as of ``today``: at most ``STATISTICS_QUERIES`` queries,
    each made when its figure is first drawn."""
    return Statistics(today=today)
