"""What every fuzz test shares: one rolled-back transaction per example, a row count of the
whole database in one query, and the count of inputs generated."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.cache import cache
from django.db import connection, transaction
from hypothesis import settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
# The ci profile's examples per weight unit, and the nightly one's: a test asks for
# ``examples(n)``, n its share of the ci run's budget.
SCALE = {"ci": 1, "nightly": 10}
# What the ci run must reach in total across the fuzz tests.
CI_MINIMUM_INPUTS = 10_000

# Inputs actually run, per test (examples skipped by assume() are not counted).
INPUTS: Counter[str] = Counter()

# Fuzz tests left out of this run (-k, -m): the total is then not checked.
DESELECTED: set[str] = set()

# Written on every request by the session middleware and allauth's session tracking; not
# data a form stores.
UNCOUNTED_TABLES = {"django_session", "usersessions_usersession"}


def whole_ci_run(items) -> bool:
    """Whether ``items`` hold every fuzz module, none deselected, in the ci profile: only
    such a run has to reach ``CI_MINIMUM_INPUTS``."""
    here = Path(__file__).parent
    modules = {p for p in here.glob("test_*.py") if p.name != "test_zz_total.py"}
    ran = {Path(item.path) for item in items}
    return PROFILE == "ci" and not DESELECTED and modules <= ran


def examples(ci_count: int) -> int:
    return ci_count * SCALE.get(PROFILE, 1)


def fuzz_settings(ci_count: int, **kwargs) -> settings:
    """The loaded profile with this test's number of examples. Function-scoped fixtures
    are fine: every example runs in its own rolled-back transaction (``example``)."""
    from hypothesis import HealthCheck

    return settings(
        max_examples=examples(ci_count),
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
        **kwargs,
    )


@contextmanager
def example(name: str) -> Iterator[None]:
    """One generated input: counted, run in a transaction that is always rolled back (a
    savepoint inside the test's own), and with rate limits reset."""
    INPUTS[name] += 1
    cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


_count_sql: str | None = None
_tables: list[str] = []


def row_counts() -> dict[str, int]:
    """Rows in every table of the database, in one query."""
    global _count_sql
    if _count_sql is None:
        names = sorted(set(connection.introspection.table_names()) - UNCOUNTED_TABLES)
        _tables[:] = names
        quote = connection.ops.quote_name
        # Table names from the database itself, quoted: nothing from outside.
        counts = ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in names)  # noqa: S608
        _count_sql = f"SELECT {counts}"
    with connection.cursor() as cursor:
        cursor.execute(_count_sql)
        values = cursor.fetchone()
    return dict(zip(_tables, values, strict=True))


def changed_tables(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {t: (before[t], after[t]) for t in before if before[t] != after[t]}


def has_errors(response) -> bool:
    """Whether the page shows a form error (a field's, the form's, or an error message).

    Read from the HTML: the test client's copies of every template context (one per
    rendered widget) would double the cost of each example.
    """
    content = response.content
    return b'class="errorlist"' in content or b"message-error" in content


def assert_refused_cleanly(response, before: dict[str, int], data: dict | None = None) -> None:
    """A refused input: the page again (200/400) with errors, and not one row written.

    An empty POST is no submission (the views bind ``request.POST or None``): the blank
    form again, without errors.
    """
    assert response.status_code in (200, 400), response.status_code
    if data is None or data:
        assert has_errors(response)
    after = row_counts()
    assert not changed_tables(before, after), changed_tables(before, after)
