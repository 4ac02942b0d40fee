"""One page of a list view: ``?page=`` and, where the visitor may choose, ``?per_page=``.

Every list of the project pages the same way: a page number out of range or not a number
gives the nearest page (``Paginator.get_page``), and a page size other than the ones
offered gives the default, so a hand-edited address can never ask for the whole table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

from registry.prepared import CompiledQuery

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
# How many matches of a search ``SearchRows`` reads the ids of before it counts instead.
SEARCH_CAP = 500


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


class CompiledRows:
    """A list's rows for the paginator from a query compiled once per process and shape
    (``registry.prepared.compile_query``), run with the list's own ids (``args``) and the
    page's limit and offset; each row made by ``row`` from its values. ``count``: how the
    rows are counted when the caller does not know (a tally does), called only then.

    Building a long list's queryset and compiling it anew on every page cost more of the
    page than running it."""

    def __init__(
        self,
        query: CompiledQuery,
        args: Sequence[Any],
        row: Callable[[tuple], Any],
        count: Callable[[], int],
    ) -> None:
        self.query = query
        self.args = args
        self.row = row
        self._count = count

    def count(self) -> int:
        return self._count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list:
        start = index.start or 0
        limit = None if index.stop is None else max(0, index.stop - start)
        return [
            self.row(values) for values in self.query.rows(self.args, limit=limit, offset=start)
        ]


class SearchRows:
    """A search's rows for the paginator, when an index finds them but cannot give them in
    the list's order (a trigram index): counting them, then reading the page, scanned the
    index twice. Here one query takes the ids of the matches in the list's order, up to
    ``cap`` (``ids(limit)``); when there are no more, their number is the count and the
    page's rows are read by id (``by_id``: their values, without the search's conditions,
    so the database goes by primary key). A search that finds more counts them and reads
    the pages past the ids it has as a slice of ``values()``, the search's rows, built only
    then.
    """

    def __init__(
        self,
        ids: Callable[[int], list],
        by_id: Callable[[list], Iterable[tuple]],
        values: Callable[[], QuerySet],
        row: Callable[[tuple], Any],
        cap: int = SEARCH_CAP,
    ) -> None:
        self.ids = ids
        self.by_id = by_id
        self.values = values
        self.row = row
        self.cap = cap
        self._ids: list | None = None

    def _found(self) -> list:
        if self._ids is None:
            self._ids = self.ids(self.cap + 1)
        return self._ids

    def count(self) -> int:
        found = self._found()
        return len(found) if len(found) <= self.cap else self.values().count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list:
        found = self._found()
        known = found[: self.cap]
        if len(found) > self.cap and (index.stop is None or index.stop > len(known)):
            return [self.row(values) for values in self.values()[index]]
        ids = known[index]
        return [self.row(values) for values in self.by_id(ids)] if ids else []


def paginate(
    request: HttpRequest,
    queryset: QuerySet | CompiledRows | SearchRows,
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
