"""The one pagination: the page sizes offered, the default, and the query string kept."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from registry.pagination import DEFAULT_PAGE_SIZE, page_size, paginate


@pytest.mark.parametrize(
    ("asked", "given"),
    [("25", 25), ("200", 200), ("", 50), ("7", 50), ("100000", 50), ("x", 50), (None, 50)],
)
def test_only_an_offered_page_size_is_used(asked, given):
    params = {} if asked is None else {"per_page": asked}
    assert page_size(RequestFactory().get("/", params)) == given


def test_a_fixed_size_list_ignores_the_page_size_asked():
    request = RequestFactory().get("/", {"per_page": "25"})
    assert page_size(request, sizes=(), default=DEFAULT_PAGE_SIZE) == DEFAULT_PAGE_SIZE


@pytest.mark.django_db
def test_it_pages_and_keeps_the_query_without_the_page():
    from accounts.models import User

    request = RequestFactory().get("/", {"page": "99", "per_page": "25", "q": "ä"})
    page, query = paginate(request, User.objects.order_by("pk"))
    assert page.number == 1
    assert page.paginator.per_page == 25
    assert query == "per_page=25&q=%C3%A4"


# --- A search's ids first (SearchRows): the same pages as counting, then slicing ---------


def _people(count: int):
    from tests.factories import UserFactory

    # Several share a last name: the list's order needs its tie-breaker.
    return [
        UserFactory(email=f"haku{n:03d}@example.fi", last_name=f"Haku{n % 4}") for n in range(count)
    ]


def _search_rows(cap: int):
    from accounts.models import User
    from registry.pagination import SearchRows

    order = ("last_name", "pk")
    found = User.objects.filter(email__contains="haku").order_by(*order)
    return SearchRows(
        ids=lambda limit: list(found.values_list("pk", flat=True)[:limit]),
        by_id=lambda ids: (
            User.objects.filter(pk__in=ids).order_by(*order).values_list("pk", "email")
        ),
        values=lambda: found.values_list("pk", "email"),
        row=tuple,
        cap=cap,
    ), found


@pytest.mark.django_db
@pytest.mark.parametrize("cap", [1, 5, 12, 13, 100])
@pytest.mark.parametrize("per_page", ["5", "25"])
def test_a_search_read_ids_first_gives_every_page_as_counting_and_slicing(cap, per_page):
    _people(13)  # with 5 a page: 3 pages; caps below, at and above the count
    for number in ("1", "2", "3", "4", "x"):
        request = RequestFactory().get("/", {"page": number, "per_page": per_page})
        rows, found = _search_rows(cap)
        page, _query = paginate(request, rows, sizes=(5, 25), default=5)
        plain, _query = paginate(request, found.values_list("pk", "email"), sizes=(5, 25))
        assert page.paginator.count == plain.paginator.count == 13
        assert (page.number, list(page)) == (plain.number, list(plain))


@pytest.mark.django_db
def test_a_search_under_the_cap_scans_once_and_reads_the_page_by_id():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _people(13)
    request = RequestFactory().get("/", {"page": "2", "per_page": "5"})
    rows, _found = _search_rows(cap=50)
    with CaptureQueriesContext(connection) as queries:
        page, _query = paginate(request, rows, sizes=(5,), default=5)
        list(page)
    assert page.paginator.count == 13
    searched = [q["sql"] for q in queries.captured_queries if "haku" in q["sql"]]
    assert len(queries.captured_queries) == 2
    assert len(searched) == 1  # the ids; the page's rows by id, without the search


@pytest.mark.django_db
def test_a_search_over_the_cap_counts_and_still_reads_the_first_pages_by_id():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _people(13)
    request = RequestFactory().get("/", {"page": "3", "per_page": "5"})
    rows, found = _search_rows(cap=4)
    with CaptureQueriesContext(connection) as queries:
        page, _query = paginate(request, rows, sizes=(5,), default=5)
        shown = list(page)
    # ids (5 of them: over the cap), the count, and page 3 past the ids read: as a slice.
    assert len(queries.captured_queries) == 3
    assert shown == list(found.values_list("pk", "email")[10:15])
