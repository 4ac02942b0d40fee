"""Streaming CSV downloads for spreadsheet programs: UTF-8 with a byte-order mark,
semicolon-separated (what Finnish Excel expects), cells that cannot run as formulas."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from typing import Any

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
    header: Sequence[str], rows: Iterable[Iterable[Any]], *, filename: str
) -> StreamingHttpResponse:
    """Stream ``rows`` (any iterable, consumed lazily) under ``header`` as an attachment
    that no cache keeps."""
    writer = SafeWriter(_Echo(), delimiter=";")

    def lines():
        yield "\ufeff"  # so spreadsheet programs read the file as UTF-8
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    return response
