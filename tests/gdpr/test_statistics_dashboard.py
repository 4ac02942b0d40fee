"""The controller's statistics dashboard in the admin: figures counted right from a known
set of requests, counts of fewer than five people hidden everywhere, the desk's
permissions, and a query budget that does not grow with the rows."""

from __future__ import annotations

import csv
import datetime
import io
import statistics
from collections import Counter

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from gdpr.admin.statistics import figure_url_name
from gdpr.admin.statistics_figures import FIGURES
from gdpr.models import (
    DataSubjectRequest,
    Disclosure,
    MarketingBan,
    RequestEvent,
    RequestKind,
    RequestStatus,
    RetentionRun,
)
from gdpr.retention.jobs import registered_jobs
from gdpr.statistics import (
    STATISTICS_QUERIES,
    answers_by_month,
    answers_by_month_counted,
    months_back,
    statistics_for,
)
from registry.aggregates import median_of, month_label
from tests.factories import StaffFactory, UserFactory
from tests.gdpr.factories import DataSubjectRequestFactory

pytestmark = pytest.mark.django_db

PAGE = "admin:gdpr_datasubjectrequest_statistics"
FIGURE_URLS = [f"admin:{figure_url_name(slug)}" for slug in FIGURES]


def _at(month: datetime.date, day: int = 1, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(
        month.replace(day=day), datetime.time(hour), tzinfo=timezone.get_current_timezone()
    )


def _answered(
    month: datetime.date,
    days: int,
    *,
    kind: str = RequestKind.ACCESS,
    due_in: int = 14,
    extended_to: int | None = None,
) -> DataSubjectRequest:
    received = _at(month)
    request = DataSubjectRequestFactory(
        kind=kind,
        received_at=received,
        due_on=received.date() + datetime.timedelta(days=due_in),
        extended_due_on=(
            received.date() + datetime.timedelta(days=extended_to) if extended_to else None
        ),
        status=RequestStatus.COMPLETED,
        responded_at=received + datetime.timedelta(days=days),
        closed_at=received + datetime.timedelta(days=days),
    )
    if extended_to:
        RequestEvent.objects.create(
            request=request,
            action=RequestEvent.Action.EXTENDED,
            at=received + datetime.timedelta(days=1),
        )
    return request


@pytest.fixture
def months() -> list[datetime.date]:
    return months_back()


@pytest.fixture
def dataset(months):
    """Month A (four months back): seven access requests answered in 2, 4, 9, 11, 15, 20
    (extended to 25) and 27 days, deadline 14 days: median 11, five of seven (71.4 %) by
    the deadline. Month B: three erasure requests answered, two of them erased — too few to
    show. Month
    C: six portability requests still open and past their deadline (overdue now)."""
    a, b, c = months[-5], months[-4], months[-3]
    for days in (2, 4, 9, 11, 15, 27):
        _answered(a, days)
    _answered(a, 20, extended_to=25)
    for days in (3, 5):
        request = _answered(b, days, kind=RequestKind.ERASURE)
        RequestEvent.objects.create(
            request=request, action=RequestEvent.Action.ERASURE_EXECUTED, at=_at(b, 10)
        )
    _answered(b, 8, kind=RequestKind.ERASURE)
    for _ in range(6):
        DataSubjectRequestFactory(
            kind=RequestKind.PORTABILITY,
            received_at=_at(c),
            due_on=_at(c).date() + datetime.timedelta(days=14),
        )
    return {"a": a, "b": b, "c": c}


@pytest.fixture
def controller_client(client):
    client.force_login(StaffFactory(preferred_language="en"))
    return client


def _cells(figure, series_index=0) -> dict[str, str]:
    return {
        category: str(cells[series_index])
        for category, cells in zip(figure.categories, zip(*figure.cells, strict=True), strict=True)
    }


# --- The figures ----------------------------------------------------------------------


def test_it_counts_requests_per_kind_and_month(dataset):
    with translation.override("en"):
        figure = FIGURES["requests"](statistics_for())
        assert [series.name for series in figure.series] == [str(k.label) for k in RequestKind]
        a, b, c = (month_label(dataset[key]) for key in "abc")
    kinds = list(RequestKind)
    access = _cells(figure, kinds.index(RequestKind.ACCESS))
    assert len(figure.categories) == 24
    assert access[a] == "7"
    assert access[b] == "0"
    assert _cells(figure, kinds.index(RequestKind.ERASURE))[b] == "< 5"
    assert _cells(figure, kinds.index(RequestKind.PORTABILITY))[c] == "6"


def test_it_gives_the_median_days_and_the_share_answered_by_the_deadline(dataset):
    with translation.override("en"):
        stats = statistics_for()
        days = FIGURES["answer-days"](stats)
        share = FIGURES["within-deadline"](stats)
        a, b = month_label(dataset["a"]), month_label(dataset["b"])
    # Only the months something was answered in.
    assert days.categories == [a, b]
    assert days.cells[0][0].value == 11.0
    assert share.cells[0][0].value == 71.4
    # Three answers in month B: too few to show either figure.
    assert days.cells[0][1].hidden
    assert share.cells[0][1].hidden
    answered = stats.answers[dataset["a"]]
    assert (answered.answered, answered.within_deadline, answered.extended) == (7, 5, 1)


def test_the_median_without_the_databases_own_is_the_same(dataset, months):
    assert answers_by_month_counted(months) == answers_by_month(months)


def test_an_even_number_of_answers_has_the_mean_of_the_middle_two_as_median(months):
    for days in (1, 2, 3, 4, 8, 30):
        _answered(months[-2], min(days, 27))
    median = answers_by_month(months)[months[-2]].median_days
    assert median == 3.5
    assert answers_by_month_counted(months)[months[-2]].median_days == 3.5


@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=60))
def test_the_median_from_counts_is_the_median(days):
    assert median_of(Counter(days)) == statistics.median(days)


def test_it_counts_the_overdue_requests_now(dataset):
    stats = statistics_for()
    assert stats.overdue == 6
    DataSubjectRequest.objects.filter(kind=RequestKind.PORTABILITY).first().delete()
    assert statistics_for().overdue == 5


def test_it_counts_extensions_erasures_and_exports(dataset):
    stats = statistics_for()
    a, b = dataset["a"], dataset["b"]
    assert stats.steps[(a, RequestEvent.Action.EXTENDED.value)] == 1
    assert stats.steps[(b, RequestEvent.Action.ERASURE_EXECUTED.value)] == 2
    extensions = FIGURES["extensions"](stats)
    assert extensions.cells[0][stats.months.index(a)].hidden


def test_it_counts_bans_disclosures_and_retention_runs(months):
    people = UserFactory.create_batch(6)
    for person in people:
        MarketingBan.objects.create(user=person, channel="email")
    disclosure = Disclosure.objects.create(
        kind=Disclosure.Kind.AUTHORITY,
        recipient_name="Poliisi",
        purpose="Esitutkinta",
        legal_basis="Laki",
        starts_on=months[-2].replace(day=3),
    )
    disclosure.subjects.set(people[:2])
    for status in ("done", "done", "failed"):
        RetentionRun.objects.create(job="accounts.login_events", status=status)
    with translation.override("en"):
        stats = statistics_for()
        marketing = FIGURES["marketing"](stats)
        disclosures = FIGURES["disclosures"](stats)
        retention = FIGURES["retention"](stats)
    assert str(marketing.cells[0][0]) == "6"  # email bans
    authority = list(Disclosure.Kind).index(Disclosure.Kind.AUTHORITY)
    # One disclosure of two people: hidden.
    assert disclosures.cells[authority][-2].hidden
    job = [job.name for job in registered_jobs()].index("accounts.login_events")
    # Runs are no people: small counts are shown.
    assert (retention.cells[0][job].value, retention.cells[1][job].value) == (3, 1)


# --- Small cells hidden in the page, the CSV and the SVG ---------------------------------


def test_a_count_of_three_appears_nowhere(controller_client, dataset):
    # Month B has three erasure requests: hidden in the table, the CSV and the chart.
    page = controller_client.get(reverse(PAGE)).content.decode()
    assert '<td class="num">3</td>' not in page
    assert "&lt; 5" in page
    csv_body = b"".join(
        controller_client.get(reverse(FIGURE_URLS[0]), {"format": "csv"}).streaming_content
    ).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(csv_body), delimiter=";"))
    assert "3" not in {cell for row in rows for cell in row}
    assert "< 5" in {cell for row in rows for cell in row}
    svg = controller_client.get(reverse(FIGURE_URLS[0]), {"format": "svg"})
    assert svg["Content-Type"] == "image/svg+xml"
    body = svg.content.decode()
    assert '<desc class="value">3</desc>' not in body
    assert '<desc class="value">7</desc>' in body
    assert "<script" not in body


def test_the_overdue_headline_hides_a_small_count(controller_client, months):
    for _ in range(3):
        DataSubjectRequestFactory(received_at=_at(months[-3]), due_on=_at(months[-3]).date())
    page = controller_client.get(reverse(PAGE)).content.decode()
    assert '<span class="gdpr-counts__number">&lt; 5</span>' in page
    assert '<span class="gdpr-counts__number">3</span>' not in page


# --- Who may see it ---------------------------------------------------------------------


@pytest.mark.parametrize("name", [PAGE, *FIGURE_URLS])
def test_anonymous_and_members_are_sent_to_the_admin_login(client, member, name):
    assert reverse("admin:login") in client.get(reverse(name))["Location"]
    client.force_login(member)
    assert reverse("admin:login") in client.get(reverse(name))["Location"]


@pytest.mark.parametrize("name", [PAGE, *FIGURE_URLS])
def test_staff_without_the_permission_are_refused(client, name):
    clerk = StaffFactory(is_superuser=False)
    client.force_login(clerk)
    assert client.get(reverse(name)).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="view_datasubjectrequest"))
    assert client.get(reverse(name)).status_code == 200


def test_the_controller_sees_every_figure_linked_from_the_desk(controller_client, dataset):
    page = controller_client.get(reverse(PAGE))
    assert page.status_code == 200
    body = page.content.decode()
    for name in FIGURE_URLS:
        assert f'{reverse(name)}?format=csv"' in body
    # A figure with something to show is drawn; one with only hidden cells is not.
    assert f'{reverse(FIGURE_URLS[0])}?format=svg"' in body
    assert f'{reverse("admin:" + figure_url_name("extensions"))}?format=svg"' not in body
    assert reverse(PAGE) in controller_client.get(reverse("admin:index")).content.decode()
    desk = controller_client.get(reverse("admin:gdpr_datasubjectrequest_changelist"))
    assert reverse(PAGE) in desk.content.decode()


def test_staff_without_the_permission_get_no_link(client):
    client.force_login(StaffFactory(is_superuser=False))
    assert reverse(PAGE) not in client.get(reverse("admin:index")).content.decode()


def test_a_figures_address_answers_svg_unless_csv_is_asked(controller_client):
    url = reverse(FIGURE_URLS[0])
    assert controller_client.get(url)["Content-Type"] == "image/svg+xml"
    assert controller_client.get(url, {"format": "pdf"})["Content-Type"] == "image/svg+xml"
    assert controller_client.get(url, {"format": "csv"})["Content-Type"].startswith("text/csv")


# --- Cost ---------------------------------------------------------------------------------


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(PAGE)).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_few_queries_whatever_the_rows(
    controller_client, dataset, months, django_assert_max_num_queries
):
    controller_client.get(reverse(PAGE))  # the session and the notice settle
    few = _page_queries(controller_client)
    for month in months[-12:-6]:
        for days in range(1, 9):
            _answered(month, days, kind=RequestKind.RECTIFICATION)
    assert _page_queries(controller_client) == few
    with django_assert_max_num_queries(STATISTICS_QUERIES + 8):
        controller_client.get(reverse(PAGE))


@pytest.mark.parametrize("name", FIGURE_URLS)
def test_a_figure_costs_a_fixed_few_queries(controller_client, dataset, name):
    controller_client.get(reverse(name))
    with CaptureQueriesContext(connection) as queries:
        controller_client.get(reverse(name), {"format": "csv"})
    before = len(queries)
    for days in (1, 2, 3, 4, 5, 6):
        _answered(dataset["a"], days, kind=RequestKind.RESTRICTION)
    with CaptureQueriesContext(connection) as queries:
        controller_client.get(reverse(name), {"format": "csv"})
    assert len(queries) == before
