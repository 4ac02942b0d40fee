"""One page of a list view: ``?page=`` and, where the visitor may choose, ``?per_page=``.

Every list of the project pages the same way: a page number out of range or not a number
gives the nearest page (``Paginator.get_page``), and a page size other than the ones
offered gives the default, so a hand-edited address can never ask for the whole table.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50


def page_size(
    request: HttpRequest,
    *,
    sizes: tuple[int, ...] = PAGE_SIZES,
    default: int = DEFAULT_PAGE_SIZE,
) -> int:
    """The ``?per_page=`` asked for if it is one of ``sizes``, else ``default``."""
    try:
        size = int(request.GET.get("per_page", default))
    except ValueError:
        return default
    return size if size in sizes else default


def paginate(
    request: HttpRequest,
    queryset: QuerySet,
    *,
    sizes: tuple[int, ...] = PAGE_SIZES,
    default: int = DEFAULT_PAGE_SIZE,
    count: int | None = None,
) -> tuple[Page, str]:
    """One page of ``queryset`` and the query string without the page, for the pagination
    links. Two queries: the count and the page.

    A list with a fixed page size passes ``sizes=()``: ``?per_page=`` is then ignored.
    ``count``: the number of rows when the caller already knows it (a tally kept by the
    database), so that the paginator does not count them again.
    """
    paginator = Paginator(queryset, page_size(request, sizes=sizes, default=default))
    if count is not None:
        paginator.count = count  # a cached_property: the value is used as if counted
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
