"""Streaming CSV downloads for spreadsheet programs: UTF-8 with a byte-order mark,
semicolon-separated (what Finnish Excel expects), cells that cannot run as formulas."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.db import connection, models
from django.db.models import F, QuerySet
from django.http import StreamingHttpResponse


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


# What makes a spreadsheet program read a cell as a formula (OWASP's list): = + - @, and a
# tab or carriage return, which some programs skip before looking for one.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PHONE_NUMBER = re.compile(r"\+[0-9]{1,15}")  # E.164: at most 15 digits


def safe_cell(value: Any) -> str:
    """``value`` as text that no spreadsheet runs as a formula (CSV injection): a leading
    apostrophe when it starts like one, except an international phone number, which a
    spreadsheet reads as a number and people must be able to read as it is."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS) and not _PHONE_NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_cells(row: Iterable[Any]) -> list[str]:
    return [safe_cell(value) for value in row]


class SafeWriter:
    """``csv.writer`` whose every cell goes through ``safe_cell``: the one way the product
    writes CSV, so no file can carry a formula."""

    def __init__(self, stream: Any, **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_cells(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_download(
    header: Sequence[str],
    rows: Iterable[Iterable[Any]],
    *,
    filename: str,
) -> StreamingHttpResponse:
    """Stream ``rows`` (any iterable, consumed lazily) under ``header`` as an attachment
    that no cache keeps."""
    writer = SafeWriter(_Echo(), delimiter=";")

    def lines():
        yield "\ufeff"  # so spreadsheet programs read the file as UTF-8
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    return _attachment(StreamingHttpResponse(lines()), filename)


def _attachment(response: StreamingHttpResponse, filename: str) -> StreamingHttpResponse:
    response["Content-Type"] = "text/csv; charset=utf-8"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    return response


# The same rule as ``safe_cell`` in SQL: an apostrophe before a formula's first character
# (= + - @ tab CR), unless the whole cell is an international phone number. ascii() first:
# testing one character is cheap, and a regular expression per cell tripled the export.
_SQL_FORMULA_GUARD = (
    "CASE WHEN ascii({0}) IN (61, 43, 45, 64, 9, 13) AND {0} !~ '^\\+[0-9]{{1,15}}$'"
    " THEN '''' || {0} ELSE NULLIF({0}, '') END"
)
_COPY_BUFFER = 64 * 1024


def query_csv_download(
    header: Sequence[str],
    rows: QuerySet,
    columns: Mapping[str, Any],
    *,
    filename: str,
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> StreamingHttpResponse:
    """Stream ``rows`` as CSV, one column per entry of ``columns`` (an alias and a field
    path or an expression), codes in ``labels`` turned into words.

    On PostgreSQL the database writes the file itself (``COPY … TO STDOUT``), with the same
    formula guard and the labels applied in SQL: a list of 30,000 members costs about what
    the copy does, instead of a Python object and a ``csv.writer`` call per cell. Elsewhere the
    rows go through ``csv_download``. Either way nothing is held in memory."""
    labels = labels or {}
    selected = rows.values(
        **{alias: F(value) if isinstance(value, str) else value for alias, value in columns.items()}
    )
    if connection.vendor != "postgresql":
        return csv_download(header, _labelled(selected, list(columns), labels), filename=filename)

    inner_sql, inner_params = selected.query.sql_with_params()
    outer, params = [], []
    for alias in columns:
        cell = f'src."{alias}"'
        written_by_us = isinstance(
            selected.query.annotations[alias].output_field,
            (models.DateField, models.DateTimeField, models.TimeField, models.BooleanField),
        )
        if alias in labels:
            # The product's own words for a code the model's choices validated.
            params.append(json.dumps(dict(labels[alias])))
            outer.append(f"COALESCE(%s::jsonb ->> {cell}::text, {cell}::text)")
        elif written_by_us:
            outer.append(f"{cell}::text")
        else:
            # NULLIF (inside the guard): COPY writes an empty text as "" and NULL as nothing;
            # csv.writer writes both as nothing.
            outer.append(_SQL_FORMULA_GUARD.format(f"{cell}::text"))
    # The subquery keeps its ORDER BY: PostgreSQL scans it in order when nothing is joined.
    sql = (
        f"COPY (SELECT {', '.join(outer)} FROM ({inner_sql}) AS src) "  # noqa: S608
        "TO STDOUT WITH (FORMAT csv, DELIMITER ';')"
    )
    # COPY ends its lines with LF (and quotes a CR inside a cell): the header does the same.
    head = io.StringIO()
    SafeWriter(head, delimiter=";", lineterminator="\n").writerow(header)

    def chunks():
        yield ("\ufeff" + head.getvalue()).encode()
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(sql, [*params, *inner_params]) as copy,
        ):
            buffer = bytearray()
            for data in copy:
                buffer += data
                if len(buffer) >= _COPY_BUFFER:
                    yield bytes(buffer)
                    buffer.clear()
            yield bytes(buffer)

    return _attachment(StreamingHttpResponse(chunks()), filename)


def _labelled(
    rows: QuerySet, columns: list[str], labels: Mapping[str, Mapping[str, str]]
) -> Iterator[list[Any]]:
    for row in rows.iterator(chunk_size=2000):
        yield [
            labels[alias].get(row[alias], row[alias]) if alias in labels else row[alias]
            for alias in columns
        ]
