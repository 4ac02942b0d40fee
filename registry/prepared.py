"""The few queries run on nearly every request of the organization pages, made cheaper
than the ORM makes them: prepared on PostgreSQL, and compiled once per process.

**Prepared.** Django's psycopg 3 backend binds parameters on the client: the values go
into the SQL text, so PostgreSQL parses and plans each query anew. For most queries that
is a small part of their cost. The admin-rights check of every organization page is the
exception: planning its two ``EXISTS`` with their joins took 0.7 ms of PostgreSQL's CPU and
running it 0.07 ms, and under the benchmark's 50 concurrent users (``benchmarks``, P6) the
database shares the machine's cores with the web workers. Here such a query runs on a
cursor with server-side binding over the request's own connection (the same
transaction), behind Django's cursor wrapper (query logging, the tests' query counts and
``execute_wrapper`` hooks see it as any other query). psycopg prepares a query after it
has run ``prepare_threshold`` times on a connection: Django sets that to None (never),
``registry.settings`` to 2 unless ``DATABASE_PREPARED_STATEMENTS=false`` (for a
transaction-pooling proxy without prepared statements). PostgreSQL then plans it once
for all values where that plan is as good. Other databases (SQLite in the quick start)
run the query as it is.

**Compiled once** (``compile_query``). Building a long list's queryset (filters, a
subquery, the columns) and compiling it cost more of its page than running it. A list's
query is compiled once per shape with stand-in ids, and each page puts its own in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models


def fetch_all(
    sql: str, params: Sequence[Any], using: str = DEFAULT_DB_ALIAS, *, prepare: bool = True
) -> list[tuple]:
    """The rows of ``sql`` (Django's ``%s`` placeholders), prepared on PostgreSQL unless
    ``prepare`` is false."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not prepare:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    import psycopg
    from psycopg.types.numeric import Int8

    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)  # server-side binding: preparable
    if connection.queries_logged:
        cursor = connection.make_debug_cursor(raw)
    else:
        cursor = connection.make_cursor(raw)
    # psycopg sends an int as the smallest integer type it fits, and prepares a query once
    # for each combination of its parameters' types: a page of 50 ids, some under 32,768
    # and some over, was a new statement almost every time. Every id is a bigint here.
    params = [Int8(value) if type(value) is int else value for value in params]
    with cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def instances[ModelT: models.Model](
    model: type[ModelT], sql: str, params: Sequence[Any], using: str = DEFAULT_DB_ALIAS
) -> list[ModelT]:
    """``model.objects.raw(sql, params)`` for a query that selects the model's concrete
    fields in their order, prepared on PostgreSQL. Each value goes
    through its field's converters, as the ORM's own queries do (a phone number comes back
    a ``PhoneNumber``, a time aware on SQLite)."""
    names = concrete_attnames(model)
    rows = _converted(fetch_all(sql, params, using), _converters(model, using), using)
    return [model.from_db(using, names, values) for values in rows]


def _converted(rows: list[tuple], converters: tuple, using: str) -> list[tuple]:
    """``rows`` with each value through its column's converters: ``(column, functions,
    expression)`` as the ORM's compiler applies them."""
    if not converters:
        return rows
    connection = connections[using]
    converted = []
    for row in rows:
        values = list(row)
        for index, functions, expression in converters:
            for convert in functions:
                values[index] = convert(values[index], expression, connection)
        converted.append(tuple(values))
    return converted


def concrete_attnames(model: type[models.Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


@lru_cache(maxsize=64)
def _converters(model: type[models.Model], using: str) -> tuple:
    """What the ORM's compiler applies to each column of ``model`` on ``using``'s backend:
    the backend's converters, then the field's own (``from_db_value``)."""
    connection = connections[using]
    found = []
    for index, field in enumerate(model._meta.concrete_fields):
        expression = field.get_col(model._meta.db_table)
        functions = [
            *connection.ops.get_db_converters(expression),
            *expression.get_db_converters(connection),
        ]
        if functions:
            found.append((index, tuple(functions), expression))
    return tuple(found)


# Ids no row has, standing for the values a compiled query takes (``compile_query``).
STAND_IN = -7_654_000


def stand_ins(count: int) -> list[int]:
    """``count`` different ids that no row has, to build a query to compile with."""
    return [STAND_IN - n for n in range(count)]


def text_stand_in(number: int = 0) -> str:
    """A text no one searches for (private-use characters), standing for a search term:
    the parameter it comes out in (``%…%`` for ``contains``) is filled in around it."""
    return f"\ue000{number}\ue000"


@dataclass(frozen=True)
class CompiledQuery:
    """A queryset's SQL, compiled once, run with other ids in place of its stand-ins
    (``compile_query``); its rows as the queryset gives them (``values_list``'s tuples,
    each value through its converters). On PostgreSQL it is prepared (``fetch_all``)."""

    sql: str
    params: tuple
    # (position among the params, argument, and for a text what it came out between)
    slots: tuple[tuple[int, int, tuple[str, str] | None], ...]
    converters: tuple[tuple[int, tuple, Any], ...]  # (column, functions, expression)
    using: str
    prepare: bool = True

    def bound(
        self, args: Sequence[Any], *, limit: int | None = None, offset: int = 0
    ) -> tuple[str, list]:
        """The SQL and its parameters for ``args`` and the page."""
        params = list(self.params)
        for position, argument, around in self.slots:
            value = args[argument]
            params[position] = value if around is None else f"{around[0]}{value}{around[1]}"
        sql = self.sql
        if limit is not None:
            sql = f"{sql} LIMIT %s OFFSET %s"
            params += [limit, offset]
        return sql, params

    def explain(self, args: Sequence[Any], *, limit: int | None = None, **options: bool) -> str:
        """``QuerySet.explain`` of the query for ``args`` (its first ``limit`` rows)."""
        connection = connections[self.using]
        sql, params = self.bound(args, limit=limit)
        prefix = connection.ops.explain_query_prefix(**options)
        with connection.cursor() as cursor:
            cursor.execute(f"{prefix} {sql}", params)
            return "\n".join(str(row[0]) for row in cursor.fetchall())

    def rows(self, args: Sequence[Any], *, limit: int | None = None, offset: int = 0) -> list:
        sql, params = self.bound(args, limit=limit, offset=offset)
        found = fetch_all(sql, params, self.using, prepare=self.prepare)
        return _converted(found, self.converters, self.using)


def compile_query(
    queryset: models.QuerySet,
    arguments: int,
    texts: int = 0,
    *,
    prepare: bool = True,
    using: str = DEFAULT_DB_ALIAS,
) -> CompiledQuery:
    """``queryset``, built with ``stand_ins(arguments)`` for the ids that change from one
    use to the next (and ``text_stand_in(0…texts-1)`` for search terms, arguments after the
    ids), compiled for ``CompiledQuery.rows``. Building and compiling a list's queryset
    (filters, a subquery, the columns) cost more of its page than running it; a caller
    keeps the compiled query per shape (the filters chosen from a fixed set), and every
    value that is not a stand-in stays as it was compiled. A search term is put where its
    stand-in was, inside what the lookup wrapped it in (``%…%``): the caller escapes it as
    that lookup does (``like_escaped``). Unsliced: the page's ``LIMIT`` and ``OFFSET`` are
    the call's. ``prepare=False`` for a query whose best plan turns on its values (a
    search term: an index for a long one, a scan for one of two letters), which
    PostgreSQL could otherwise settle into one plan for all."""
    if queryset.query.is_sliced:
        raise ValueError("compile the query unsliced: rows() takes the limit and offset")
    compiler = queryset.query.get_compiler(using)
    sql, params = compiler.as_sql()
    ids = {value: index for index, value in enumerate(stand_ins(arguments))}
    slots: list[tuple[int, int, tuple[str, str] | None]] = []
    for position, value in enumerate(params):
        if type(value) is int and value in ids:
            slots.append((position, ids[value], None))
        elif isinstance(value, str):
            for number in range(texts):
                before, found, after = value.partition(text_stand_in(number))
                if found:
                    slots.append((position, arguments + number, (before, after)))
    if sorted({slot[1] for slot in slots}) != list(range(arguments + texts)):
        raise RuntimeError("a stand-in did not come out of the query as a parameter")
    converters = tuple(
        (index, tuple(functions), expression)
        for index, (functions, expression) in compiler.get_converters(
            [expression for expression, _sql, _alias in compiler.select]
        ).items()
    )
    return CompiledQuery(sql, tuple(params), tuple(slots), converters, using, prepare)


def like_escaped(text: str, using: str = DEFAULT_DB_ALIAS) -> str:
    """``text`` as ``contains`` and the other ``LIKE`` lookups put it in their pattern:
    ``%``, ``_`` and the escape character taken literally."""
    return connections[using].ops.prep_for_like_query(text)
