"""The scenarios P1-P6 and the payments list, each measured against its baseline.

A scenario runs the real thing and its baseline interleaved (real, bare, bare, real, …) in
the same process, so that whatever else the machine does weighs on both alike; timings
are taken without tracemalloc, and the peak memory of each side in one more run with it.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User

HOST = "127.0.0.1"


@dataclass
class Goal:
    text: str
    met: bool
    value: str = ""


@dataclass
class Side:
    runs_ms: list[float] = field(default_factory=list)
    queries: int | None = None
    peak_kib: float | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.runs_ms) if self.runs_ms else None

    @property
    def p95(self) -> float | None:
        if not self.runs_ms:
            return None
        if len(self.runs_ms) < 2:
            return self.runs_ms[0]
        return statistics.quantiles(self.runs_ms, n=20, method="inclusive")[18]


@dataclass
class Result:
    key: str
    label: str
    baseline: str
    real: Side
    bare: Side
    goals: list[Goal] = field(default_factory=list)
    notes: str = ""

    @property
    def ratio(self) -> float | None:
        if self.real.p95 is None or not self.bare.p95:
            return None
        return self.real.p95 / self.bare.p95

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for side in ("real", "bare"):
            data[side]["median_ms"] = getattr(self, side).median
            data[side]["p95_ms"] = getattr(self, side).p95
        data["ratio_p95"] = self.ratio
        return data


class ScenarioFailed(Exception):
    """A page answered with an error: the suite is broken, whatever the timings."""


# Transaction control is not a query: BEGIN, COMMIT and savepoints are counted by no budget
# (the tests' budgets leave them out the same way).
_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def _timed(action: Callable[[], object]) -> tuple[float, int]:
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        action()
        elapsed = (time.perf_counter() - started) * 1000
    queries = [q for q in captured if not q["sql"].startswith(_TRANSACTION_CONTROL)]
    return elapsed, len(queries)


def _peak(action: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        action()
        return tracemalloc.get_traced_memory()[1] / 1024
    finally:
        tracemalloc.stop()


def interleaved(
    real: Callable[[], object],
    bare: Callable[[], object],
    repeat: int,
    memory: bool = True,
    *also: Callable[[], object],
    settle: Callable[[], object] | None = None,
) -> tuple[Side, ...]:
    """Warm them up, then time them alternately (ABBA…); then their peak memory. ``also``:
    more pages timed in the same rounds (a side each, after the two). ``settle``: run,
    untimed, before each timed run of the real page."""
    actions = (real, bare, *also)
    for action in actions:
        action()
    sides = tuple(Side() for _ in actions)
    for n in range(repeat):
        order = range(len(actions)) if n % 2 == 0 else reversed(range(len(actions)))
        for index in order:
            if index == 0 and settle is not None:
                settle()
            elapsed, queries = _timed(actions[index])
            sides[index].runs_ms.append(elapsed)
            sides[index].queries = queries
    if memory:
        for action, side in zip(actions, sides, strict=True):
            side.peak_kib = _peak(action)
    reset_queries()
    return sides


def frame_note(real: Side, bare: Side, frame: Side) -> str:
    """How much of the page is its frame (admin-rights check, count, menus): the frame
    against the bare rows, and the page against its frame, both at p95."""
    return (
        f"frame alone (rights check, count, menus; no rows): {frame.p95:,.1f} ms p95, "
        f"{frame.p95 / bare.p95:.2f}x bare; the page is {real.p95 / frame.p95:.2f}x its frame"
    )


def signed_in(user: User) -> Client:
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client


def page(client: Client, url: str, **params) -> Callable[[], None]:
    def get() -> None:
        response = client.get(url, params, secure=True)
        if response.status_code != 200:
            raise ScenarioFailed(f"{url} {params} answered {response.status_code}")
        if response.streaming:
            for _chunk in response.streaming_content:
                pass

    return get


def ratio_goal(result: Result, limit: float) -> Goal:
    ratio = result.ratio
    return Goal(f"p95 ≤ {limit:g}x baseline", ratio is not None and ratio <= limit, f"{ratio:.2f}x")


def plan_goal(sql_plan: str, table: str, ordered: bool = False) -> Goal:
    """No sequential scan of ``table`` in the plan; ``ordered``: nor a sort (the page's
    rows come from an index in the page's order)."""
    seq = f"Seq Scan on {table}" in sql_plan
    sort = ordered and "Sort Key" in sql_plan
    text = f"index scan{' in order' if ordered else 's'} on {table}"
    found = "seq scan" if seq else "sort" if sort else "index"
    return Goal(text, not (seq or sort), found)


def explain(queryset) -> str:
    return queryset.explain(analyze=True)


# --- P1, P2, payments: pages against their bare twins ----------------------------------------


def member_list(admin: Client, organization_id: int, members: int, repeat: int) -> list[Result]:
    url = reverse("organizations:members", args=[organization_id])
    bare = reverse("bench_members", args=[organization_id])
    frame = reverse("bench_members_frame", args=[organization_id])
    pages = -(-members // 50)
    deep = max(1, round(pages * 500 / 601))
    results = []
    for key, label, params in (
        ("P1-page1", "P1 member list, page 1 (50 a page)", {"per_page": 50}),
        ("P1-deep", f"P1 member list, page {deep} of {pages}", {"per_page": 50, "page": deep}),
    ):
        real_side, bare_side, frame_side = interleaved(
            page(admin, url, **params),
            page(admin, bare, **params),
            repeat,
            True,
            page(admin, frame, **params),
        )
        result = Result(
            key,
            label,
            "bare rows (one query)",
            real_side,
            bare_side,
            notes=frame_note(real_side, bare_side, frame_side),
        )
        result.goals.append(ratio_goal(result, 2))
        if key == "P1-page1":
            result.goals.append(
                Goal("≤ 8 queries", real_side.queries <= 8, f"{real_side.queries} queries")
            )
        results.append(result)
    return results


def member_search(admin: Client, organization_id: int, term: str, repeat: int) -> Result:
    url = reverse("organizations:members", args=[organization_id])
    bare = reverse("bench_members", args=[organization_id])
    real_side, bare_side = interleaved(
        page(admin, url, q=term, per_page=50), page(admin, bare, q=term, per_page=50), repeat
    )
    result = Result(
        "P2-members", f"P2 member search {term!r}", "bare rows (one query)", real_side, bare_side
    )
    result.goals.append(ratio_goal(result, 2))
    return result


def people_search(staff: Client, term: str, repeat: int) -> Result:
    url = reverse("admin:accounts_user_changelist")
    bare = reverse("bench_people")
    real_side, bare_side = interleaved(page(staff, url, q=term), page(staff, bare, q=term), repeat)
    result = Result(
        "P2-people", f"P2 people search {term!r} (admin)", "bare rows (one query)", real_side,
        bare_side,
    )  # fmt: skip
    result.goals.append(ratio_goal(result, 2))
    result.goals.append(plan_goal(explain(admin_people_search(staff, term)[:100]), "accounts_user"))
    return result


def admin_people_search(staff: Client, term: str):
    """The query the admin's people search runs: its own ``get_search_results``, the page's
    ordering and joins, so the plan checked is the plan the page gets."""
    from django.contrib import admin
    from django.test import RequestFactory

    from accounts.models import User

    model_admin = admin.site._registry[User]
    request = RequestFactory().get("/", {"q": term})
    request.user = User.objects.get(pk=staff.session["_auth_user_id"])
    queryset, _duplicates = model_admin.get_search_results(
        request, model_admin.get_queryset(request), term
    )
    return queryset.order_by(*model_admin.get_ordering(request) or ["-pk"])


def payment_list(admin: Client, organization_id: int, repeat: int) -> Result:
    from billing import selectors as billing_selectors
    from organizations.models import Organization

    url = reverse("billing:payments", args=[organization_id])
    bare = reverse("bench_payments", args=[organization_id])
    real_side, bare_side = interleaved(page(admin, url), page(admin, bare), repeat)
    result = Result(
        "payments", "Payments list, page 1", "bare rows (one query)", real_side, bare_side
    )
    result.goals.append(ratio_goal(result, 2))
    rows = billing_selectors.payment_list_rows(organization=Organization(pk=organization_id))
    page_plan = rows.query.explain(rows.args, limit=50, analyze=True)
    result.goals.append(plan_goal(page_plan, "billing_payment", ordered=True))
    return result


# --- P3: the CSV export against COPY ---------------------------------------------------------


def _autovacuum_off() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        return cursor.fetchone()[0] == "off"


def member_export(admin: Client, organization_id: int, repeat: int) -> Result:
    from organizations import selectors
    from organizations.models import Organization

    url = reverse("organizations:members_export", args=[organization_id])
    memberships = selectors.member_list(
        organization=Organization(pk=organization_id), filters=selectors.MemberFilter()
    )
    profile = [f"user__{name}" for name in selectors.EXPORT_PROFILE_FIELDS]
    sql, params = memberships.values_list(
        "status", *selectors.MEMBERSHIP_EXPORT_FIELDS, *profile
    ).query.sql_with_params()
    statement = connection.ops.compose_sql(
        f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)", params
    )
    rows = [0]

    def copy() -> None:
        lines = 0
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as out:
            for block in out:
                lines += bytes(block).count(b"\n")
        rows[0] = lines - 1

    merges: list[float] = []

    def merge() -> None:
        # What autovacuum does between two exports on a server that runs it: the read log's
        # GIN pending list merged into the index (organizations migration 0011), so that no
        # export pays for the ones before it. Timed apart, and shown in the notes.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT gin_clean_pending_list('memberexport_members_gin')")
        merges.append((time.perf_counter() - started) * 1000)

    settle = merge if _autovacuum_off() else None
    real_side, bare_side = interleaved(page(admin, url), copy, repeat, settle=settle)
    notes = f"{rows[0]:,} rows; the real side includes the read log"
    if merges:
        notes += (
            f"; autovacuum is off here: the log's index merged between runs, untimed "
            f"(median {statistics.median(merges):,.0f} ms)"
        )
    result = Result(
        "P3", "P3 CSV export of the members", "COPY … TO STDOUT", real_side, bare_side,
        notes=notes,
    )  # fmt: skip
    result.goals.append(ratio_goal(result, 2))
    limit = 64 * 1024
    result.goals.append(
        Goal("peak memory ≤ 64 MiB", real_side.peak_kib <= limit, f"{real_side.peak_kib:,.0f} KiB")
    )
    return result


# --- P4, P5: the access export and erasure of a person with many rows ------------------------


def access_export(person_id: int, staff: User, rows: int) -> Result:
    from gdpr.declarations import registered_models
    from gdpr.exports import services as exports
    from gdpr.models import DataExport, RequestKind
    from gdpr.requests.services import request_file
    from registry.pdf import preload

    person = User.objects.get(pk=person_id)
    request = request_file(subject=person, kind=RequestKind.ACCESS, actor=staff)
    export = DataExport.objects.create(request=request, subject=person, language="fi")
    # A worker loads the PDF renderer when it starts (registry.celery), not in the build.
    preload()
    elapsed, queries = _timed(lambda: exports.export_build(export.pk))
    export.refresh_from_db()
    if export.status != DataExport.Status.READY:
        raise ScenarioFailed(f"the access export ended {export.status}: {export.error}")
    size = export.file.size
    export.file.delete(save=False)
    budget = len(registered_models()) + 5
    result = Result(
        "P4", f"P4 access export, person with ~{rows:,} rows", "— (absolute goals)",
        Side([elapsed], queries), Side(), notes=f"ZIP {size / 1024:,.0f} KiB",
    )  # fmt: skip
    result.goals.append(Goal("≤ 10 s", elapsed <= 10_000, f"{elapsed / 1000:.1f} s"))
    result.goals.append(
        Goal(f"≤ {budget} queries (models + 5)", queries <= budget, f"{queries} queries")
    )
    return result


def erasure(staff: User, rows: int, repeat: int, seed: int) -> Result:
    from benchmarks.dataset import make_person
    from gdpr.erasure.services import erasure_execute
    from gdpr.models import DataSubjectRequest, RequestKind, RequestStatus
    from gdpr.requests.services import request_file

    small = max(1, rows // 10)
    # Both in the same organizations: the larger one differs only in its number of rows.
    spread = max(1, min(20, rows // 50))

    def erase(size: int) -> Callable[[], None]:
        person = User.objects.get(
            pk=make_person(rows=size, tag="erasure", seed=seed, organizations=spread)
        )
        request = request_file(subject=person, kind=RequestKind.ERASURE, actor=person)
        DataSubjectRequest.objects.filter(pk=request.pk).update(status=RequestStatus.IN_PROGRESS)
        return lambda: erasure_execute(request, actor=staff)

    big_side, small_side = Side(), Side()
    for n in range(repeat):
        for size, side in ((rows, big_side), (small, small_side))[:: 1 if n % 2 == 0 else -1]:
            elapsed, queries = _timed(erase(size))
            side.runs_ms.append(elapsed)
            side.queries = queries
    result = Result(
        "P5", f"P5 erasure, person with ~{rows:,} rows", f"person with ~{small:,} rows",
        big_side, small_side,
    )  # fmt: skip
    growth = big_side.queries - small_side.queries
    result.goals.append(
        Goal(
            "no per-row growth (queries ≤ smaller + 2)",
            growth <= 2,
            f"{big_side.queries} vs {small_side.queries} queries",
        )
    )
    return result


# --- P7: the organization's statistics dashboard ----------------------------------------------

# Signing in, the session and the admin check the page makes before its sections' queries.
DASHBOARD_REQUEST_QUERIES = 6
DASHBOARD_GOAL_MS = 500


def _absolute(real: Callable[[], None], repeat: int) -> Side:
    """A page measured alone (an absolute goal, no baseline): one warm-up, ``repeat`` timed
    runs, the queries of the last, the peak memory of one more."""
    real()
    side = Side()
    for _ in range(repeat):
        elapsed, queries = _timed(real)
        side.runs_ms.append(elapsed)
        side.queries = queries
    side.peak_kib = _peak(real)
    return side


def dashboard(admin: Client, organization_id: int, repeat: int) -> Result:
    """The dashboard of the large organization: aggregates only, so its time and queries
    stay flat however many members and invoices it has."""
    from organizations.statistics import query_budget

    url = reverse("organizations:statistics", args=[organization_id])
    figure = reverse("organizations:statistics_figure", args=[organization_id, "billing-by-month"])
    side = _absolute(page(admin, url), repeat)
    _figure_ms, figure_queries = _timed(page(admin, figure, format="svg"))
    reset_queries()
    budget = query_budget() + DASHBOARD_REQUEST_QUERIES
    result = Result(
        "P7", "P7 organization dashboard", "— (absolute goals)", side, Side(),
        notes=f"one figure's SVG: {_figure_ms:,.0f} ms, {figure_queries} queries",
    )  # fmt: skip
    result.goals.append(
        Goal(
            f"p95 ≤ {DASHBOARD_GOAL_MS} ms",
            side.p95 is not None and side.p95 <= DASHBOARD_GOAL_MS,
            f"{side.p95:,.0f} ms",
        )
    )
    result.goals.append(
        Goal(
            f"≤ {budget} queries (sections' {query_budget()} + request's)",
            side.queries <= budget,
            f"{side.queries} queries",
        )
    )
    return result


# --- P8: the controller's statistics dashboard ----------------------------------------------


def controller_dashboard(staff: Client, repeat: int) -> Result:
    """The controller's dashboard in the admin over two years of requests (a request per
    20 people): aggregates only, a fixed number of queries."""
    from gdpr.models import DataSubjectRequest
    from gdpr.statistics import STATISTICS_QUERIES

    url = reverse("admin:gdpr_datasubjectrequest_statistics")
    figure = reverse("admin:gdpr_datasubjectrequest_statistics_answer_days")
    side = _absolute(page(staff, url), repeat)
    figure_ms, figure_queries = _timed(page(staff, figure, format="svg"))
    reset_queries()
    # The admin's own: the session, the user, the second factor's check, the desk counts.
    budget = STATISTICS_QUERIES + 8
    result = Result(
        "P8", "P8 controller dashboard", "— (absolute goals)", side, Side(),
        notes=(
            f"{DataSubjectRequest.objects.count():,} requests; one figure's SVG:"
            f" {figure_ms:,.0f} ms, {figure_queries} queries"
        ),
    )  # fmt: skip
    result.goals.append(
        Goal(
            f"p95 ≤ {DASHBOARD_GOAL_MS} ms",
            side.p95 is not None and side.p95 <= DASHBOARD_GOAL_MS,
            f"{side.p95:,.0f} ms",
        )
    )
    result.goals.append(
        Goal(
            f"≤ {budget} queries (statistics' {STATISTICS_QUERIES} + the admin's)",
            side.queries <= budget,
            f"{side.queries} queries",
        )
    )
    return result
