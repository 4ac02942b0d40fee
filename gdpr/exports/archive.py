"""Writes an export's ZIP into a file object: ``data.json``, ``schema.json``, a CSV per
table, ``report.html`` and ``report.pdf`` in the active language, the person's attachments
and a ``README.txt``.

Rows stream from the database (``iterator``) into a CSV entry of the ZIP and a temporary
file that becomes ``data.json``; only the readable report, which WeasyPrint needs whole,
is kept in memory.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from gdpr.exports import data as export_data
from gdpr.exports import information as export_information
from gdpr.exports.acted import acted_references
from gdpr.exports.schema import export_schema
from gdpr.unlinked.search import attached_counts
from registry.csv_download import SafeWriter
from registry.pdf import html_to_pdf

if TYPE_CHECKING:
    from gdpr.models import DataExport

REPORT_TEMPLATE = "gdpr/export_report.html"
README_TEMPLATE = "gdpr/export_readme.txt"
REPORT_STYLESHEET = "gdpr/export-report.css"

# Progress: building the tables takes most of the time, then the report and the PDF.
TABLES_DONE = 80
JSON_DONE = 85
HTML_DONE = 88
PDF_DONE = 96
# Progress is written (one UPDATE, which also tells whether the export is still this
# worker's) when it passes one of these marks, the last just before the PDF, or when this
# long has gone since the last write; not at every step: a write per table was a third of
# the export's queries. Storing the ZIP checks once more that the export is still ours.
PROGRESS_MARKS = (30, 60, HTML_DONE)
PROGRESS_INTERVAL_SECONDS = 10.0
# The PDF shows each table's first rows only: WeasyPrint lays out every cell, and a person
# with a thousand rows took over a minute. report.html, data.json and tables/*.csv hold
# every row, and the PDF says so where it stops.
PDF_ROWS_PER_TABLE = 10
PDF_ACTED_ROWS = 50


class Superseded(Exception):
    """Another worker took the export over; this build stops without storing anything."""


@dataclass
class ReportTable:
    label: str
    verbose_name_plural: str
    rows: list[list[tuple[str, str]]] = field(default_factory=list)
    # The rows left out of this (shortened) copy of the table, found in the files.
    more: int = 0

    @property
    def total(self) -> int:
        return len(self.rows) + self.more

    def first(self, count: int) -> ReportTable:
        """This table with its first ``count`` rows only."""
        return ReportTable(
            self.label,
            self.verbose_name_plural,
            self.rows[:count],
            more=self.more + max(0, len(self.rows) - count),
        )


class _Progress:
    """Reports progress a few times per build (``PROGRESS_MARKS``, or after a pause)."""

    def __init__(self, progress: Callable[[int], bool]) -> None:
        self.progress = progress
        self.written = 0
        self.at = time.monotonic()

    def __call__(self, percent: int) -> None:
        now = time.monotonic()
        passed_mark = any(self.written < mark <= percent for mark in PROGRESS_MARKS)
        if not passed_mark and now - self.at < PROGRESS_INTERVAL_SECONDS:
            return
        self.written, self.at = percent, now
        if not self.progress(percent):
            raise Superseded


def write_archive(
    out: io.BufferedIOBase,
    *,
    export: DataExport,
    controller: dict[str, str],
    generated_at,
    progress: Callable[[int], bool],
) -> None:
    """Write the whole ZIP for ``export`` into ``out``. ``progress(percent)`` is called as
    the build goes; when it answers False the build stops (``Superseded``)."""
    user = export.subject
    collected = export_data.Collected()

    step = _Progress(progress)

    stamp = timezone.localtime(generated_at).timetuple()[:6]

    def entry(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    with (
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        tempfile.TemporaryFile("w+", encoding="utf-8") as records,
    ):
        report_tables, record_ids = _write_records(
            archive, records, export=export, collected=collected, entry=entry, step=step
        )
        acted = list(acted_references(user, skip=record_ids))
        information = export_information.information(collected=collected, controller=controller)
        attachments = _copy_attachments(archive, collected.attachments, entry)
        head = _head(export, generated_at=generated_at, information=information)
        with archive.open(entry("data.json"), "w") as handle:
            text = io.TextIOWrapper(handle, encoding="utf-8")
            text.write(json.dumps(head, ensure_ascii=False, indent=1)[:-2])
            text.write(',\n "records": ')
            records.seek(0)
            shutil.copyfileobj(records, text)
            text.write(',\n "acted": ' + json.dumps(acted, ensure_ascii=False))
            text.write(',\n "attachments": ' + json.dumps(attachments, ensure_ascii=False))
            text.write("\n}\n")
            text.close()
        schema = json.dumps(export_schema(), ensure_ascii=False, indent=2)
        archive.writestr(entry("schema.json"), schema)
        step(JSON_DONE)

        context = {
            "head": head,
            "subject": user,
            "data_request": export.request,
            "generated_at": generated_at,
            "information": information,
            "tables": report_tables,
            "acted": acted,
            "attachments": attachments,
            # Rows no key pointed at, attached to the person's request by the handler.
            "found_under_details": attached_counts(user),
            "stylesheet": _stylesheet(),
        }
        html = render_to_string(REPORT_TEMPLATE, context)
        archive.writestr(entry("report.html"), html)
        step(HTML_DONE)
        archive.writestr(entry("report.pdf"), html_to_pdf(_pdf_report(context)))
        step(PDF_DONE)
        archive.writestr(entry("README.txt"), render_to_string(README_TEMPLATE, context))


def _pdf_report(context: dict[str, Any]) -> str:
    """The report as the PDF shows it: each table's first rows, and where the rest are."""
    acted = context["acted"]
    return render_to_string(
        REPORT_TEMPLATE,
        {
            **context,
            "shortened": True,
            "tables": [table.first(PDF_ROWS_PER_TABLE) for table in context["tables"]],
            "acted": acted[:PDF_ACTED_ROWS],
            "acted_more": max(0, len(acted) - PDF_ACTED_ROWS),
        },
    )


def _head(export: DataExport, *, generated_at, information: dict[str, Any]) -> dict[str, Any]:
    """data.json's opening: the schema, the request and the Art. 15 information."""
    request = export.request
    user = export.subject
    return {
        "schema_version": export_data.SCHEMA_VERSION,
        "generated_at": export_data.plain(generated_at),
        "language": get_language(),
        "request": {
            "id": str(request.public_id),
            "kind": request.kind,
            "kind_label": str(request.get_kind_display()),
            "received_at": export_data.plain(request.received_at),
        },
        "subject": {"id": user.pk, "name": user.get_full_name(), "email": user.email},
        "information": information,
    }


def _write_records(
    archive: zipfile.ZipFile,
    records: IO[str],
    *,
    export: DataExport,
    collected: export_data.Collected,
    entry: Callable[[str], zipfile.ZipInfo],
    step: Callable[[int], None],
) -> tuple[list[ReportTable], dict[str, set[Any]]]:
    """Each table's rows into ``tables/<label>.csv`` and, as JSON, into ``records`` (a
    temporary file, copied into data.json once its head is known). Returns the tables for
    the report and the ids of the person's records per table. The export being built is
    left out of its own content: it is this package, not yet data about the person."""
    user = export.subject
    tables = export_data.tables()
    report_tables: list[ReportTable] = []
    record_ids: dict[str, set[Any]] = {}
    records.write("{")
    for index, table in enumerate(tables, start=1):
        exclude = frozenset({export.pk}) if table.entry.model is type(export) else frozenset()
        writer = export_data.RowWriter(table, user, collected, exclude=exclude)
        report, ids = _write_table(
            archive, records, table, writer.rows(user), entry, first=not report_tables
        )
        if report is not None:
            report_tables.append(report)
            record_ids[table.label] = ids
        step(5 + (TABLES_DONE - 5) * index // len(tables))
    records.write("\n}")
    return report_tables, record_ids


def _write_table(
    archive: zipfile.ZipFile,
    records: IO[str],
    table: export_data.Table,
    rows: Iterator[tuple[dict[str, Any], list[tuple[str, str]], list]],
    entry: Callable[[str], zipfile.ZipInfo],
    *,
    first: bool,
) -> tuple[ReportTable | None, set[Any]]:
    """One table; nothing at all (no CSV, no JSON key) when the person has no rows in it."""
    report = ReportTable(table.label, table.verbose_name_plural)
    ids: set[Any] = set()
    csv_text = None
    for data, readable, flat in rows:
        if csv_text is None:
            csv_entry = archive.open(entry(f"tables/{table.label}.csv"), "w")
            # A byte-order mark, so spreadsheet programs read the file as UTF-8.
            csv_text = io.TextIOWrapper(csv_entry, encoding="utf-8-sig", newline="")
            csv_rows = SafeWriter(csv_text)
            csv_rows.writerow(table.csv_columns())
            header = json.dumps(table.header(), ensure_ascii=False)
            records.write(("" if first else ",") + "\n")
            records.write(json.dumps(table.label) + ": " + header[:-1] + ', "rows": [\n')
        else:
            records.write(",\n")
        records.write(json.dumps(data, ensure_ascii=False))
        csv_rows.writerow(flat)
        report.rows.append(readable)
        ids.add(data.get("id"))
    if csv_text is None:
        return None, ids
    records.write("\n]}")
    csv_text.close()
    return report, ids


def _copy_attachments(
    archive: zipfile.ZipFile,
    attachments: list[export_data.Attachment],
    entry: Callable[[str], zipfile.ZipInfo],
) -> list[dict[str, Any]]:
    listed = []
    for attachment in attachments:
        item = attachment.as_json()
        try:
            with (
                attachment.storage.open(attachment.name, "rb") as source,
                archive.open(entry(attachment.path), "w") as target,
            ):
                shutil.copyfileobj(source, target, 1024 * 1024)
        except FileNotFoundError:
            item["missing"] = True
        listed.append(item)
    return listed


def _stylesheet() -> str:
    """The report's CSS, put inside the document: the file is read from the ZIP, offline."""
    path = finders.find(REPORT_STYLESHEET)
    if not path:  # pragma: no cover - the file ships with the code
        raise FileNotFoundError(REPORT_STYLESHEET)
    with open(path, encoding="utf-8") as handle:
        return handle.read()
