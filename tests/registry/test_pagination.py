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
