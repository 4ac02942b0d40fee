"""Streaming CSV downloads for spreadsheet programs: UTF-8 with a byte-order mark,
semicolon-separated (what Finnish Excel expects), cells that cannot run as formulas."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import StreamingHttpResponse


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _is_phone_number(text: str) -> bool:
    return text.startswith("+") and text[1:].isdigit()


def safe_cells(row: Iterable[Any]) -> list[str]:
    """The row as text; a cell that starts like a formula (spreadsheet formula injection)
    gets a leading apostrophe, except an international phone number."""
    cleaned = []
    for value in row:
        text = "" if value is None else str(value)
        if text[:1] in ("=", "+", "-", "@") and not _is_phone_number(text):
            text = "'" + text
        cleaned.append(text)
    return cleaned


def csv_download(
    header: Sequence[str], rows: Iterable[Iterable[Any]], *, filename: str
) -> StreamingHttpResponse:
    """Stream ``rows`` (any iterable, consumed lazily) under ``header`` as an attachment
    that no cache keeps."""
    writer = csv.writer(_Echo(), delimiter=";")

    def lines():
        yield "\ufeff"  # so spreadsheet programs read the file as UTF-8
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(safe_cells(row))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
