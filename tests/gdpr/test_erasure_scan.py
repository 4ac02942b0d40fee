"""After erasing a person, none of their values is left anywhere in the database or the
private files — except in the records the preview listed as kept, each with its date.
The values are in the handlers' free texts too (answers, notes, audit changes, the admin's
log, other people's records), in the forms people write them, and in the answer and the
note written to the request after the erasure.

The scan reads every text-like column (char, text, JSON, IP address) of every table the
database has (Django's, allauth's, guardian's, the admin log, sessions: introspected, not
listed by hand) and every file under private storage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection

from gdpr.erasure.services import erasure_execute, erasure_plan, redaction_for
from gdpr.models import DataSubjectRequest, RequestKind, RequestStatus
from gdpr.requests.services import request_complete, request_file, request_note
from tests.factories import StaffFactory

from .distinctive import build_person, use_private_storage

pytestmark = pytest.mark.django_db

TEXT_TYPES = {
    "CharField",
    "TextField",
    "JSONField",
    "GenericIPAddressField",
    "EmailField",
    "SlugField",
    "URLField",
    "FileField",
}


@dataclass(frozen=True)
class Hit:
    table: str
    pk: str | None
    column: str
    label: str
    model: str | None  # "app.Model" of the table, when Django has one


def _models_by_table() -> dict[str, str]:
    return {m._meta.db_table: m._meta.label for m in apps.get_models(include_auto_created=True)}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "ignore")
    return str(value)


def _holds_text(introspection, column) -> bool:
    try:
        return introspection.get_field_type(column.type_code, column) in TEXT_TYPES
    except KeyError:
        # Arrays of ids (bigint[]) and other types Django does not map hold no text. (Asked
        # with ``in`` first, SQLite's lookup dictionary iterates itself and fails.)
        return False


def scan_database(values: dict[str, str]) -> list[Hit]:
    """Every place in every text-like column of every table where one of ``values`` is."""
    hits: list[Hit] = []
    introspection = connection.introspection
    quote = connection.ops.quote_name
    tables = _models_by_table()
    with connection.cursor() as cursor:
        for table in introspection.table_names(cursor):
            description = introspection.get_table_description(cursor, table)
            columns = [c.name for c in description if _holds_text(introspection, c)]
            if not columns:
                continue
            pk = introspection.get_primary_key_column(cursor, table)
            selected = [pk, *columns] if pk else columns
            cursor.execute(
                f"SELECT {', '.join(quote(c) for c in selected)} FROM {quote(table)}"  # noqa: S608
            )
            for row in cursor.fetchall():
                key = str(row[0]) if pk else None
                cells = row[1:] if pk else row
                for column, cell in zip(columns, cells, strict=True):
                    text = _text(cell)
                    hits += [
                        Hit(table, key, column, label, tables.get(table))
                        for label, value in values.items()
                        if value in text
                    ]
    return hits


def scan_files(root: Path, values: dict[str, str]) -> list[tuple[str, str]]:
    """(file, label) for every private file whose name or content holds a value."""
    found = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        text = str(path.relative_to(root)) + "\n" + path.read_bytes().decode("utf-8", "ignore")
        found += [(str(path), label) for label, value in values.items() if value in text]
    return found


@pytest.fixture
def private_root(monkeypatch, tmp_path) -> Path:
    root = tmp_path / "private"
    use_private_storage(monkeypatch, root)
    return root


def erasure_request_for(user, actor) -> DataSubjectRequest:
    request = request_file(subject=user, kind=RequestKind.ERASURE, actor=user)
    DataSubjectRequest.objects.filter(pk=request.pk).update(status=RequestStatus.IN_PROGRESS)
    request.refresh_from_db()
    return request


def test_nothing_of_the_erased_person_survives_outside_the_kept_records(
    private_root, django_capture_on_commit_callbacks
):
    x = build_person("X")
    y = build_person("Y")
    staff = StaffFactory()
    # The scan sees everything before the erasure (it is not blind).
    before = {hit.label for hit in scan_database(x.all_values())}
    before |= {label for _path, label in scan_files(private_root, x.all_values())}
    assert before == set(x.all_values())

    request = erasure_request_for(x.user, staff)
    plan = erasure_plan(x.user)
    kept = {(k.model, k.object_id): k for k in plan.kept}
    # The unmatched payment and the hand-logged call the handler attached are the person's:
    # the call goes, the payment is a voucher kept with its date (billing.Payment.payer_iban
    # and payer_name#2 in ``x.kept``).
    assert {item["model"] for item in plan.attached} == {
        "billing.Payment",
        "communications.CommunicationRecord",
    }
    # As the controller's erasure page does: the values are taken before the erasure, the
    # answer naming the person is sent after it, and a call from them is noted later.
    address, redaction = x.user.email, redaction_for(x.user)
    with django_capture_on_commit_callbacks(execute=True):
        erasure_execute(request, actor=staff)
        request_complete(
            request,
            response=x.free_text(),
            actor=staff,
            notify_to=address,
            notify_language="en",
            redact=redaction,
        )
    request_note(
        request,
        note=(
            f"Called again from {x.written['written.phone_dashed']}, asking that"
            f" {x.values['account.EmailAddress.email']} get a copy."
        ),
        actor=staff,
    )
    # The answer sent says what it must; only the copy kept is redacted.
    (answer,) = [m for m in mail.outbox if m.to == [address]]
    assert x.values["organizations.Membership.member_number"] in answer.body

    leftovers = [
        hit
        for hit in scan_database(x.all_values())
        if not (hit.model and (hit.model, hit.pk) in kept and kept[(hit.model, hit.pk)].until)
    ]
    assert leftovers == [], "\n".join(map(str, leftovers))
    assert scan_files(private_root, x.all_values()) == []
    # What survives is exactly the vouchers' copies the person was told of.
    survived_hits = scan_database(x.all_values())
    survived = {hit.label for hit in survived_hits}
    assert survived == x.kept
    _print_figures(x, survived_hits, kept)

    # The other person is untouched, every value of theirs still where it was.
    found = {hit.label for hit in scan_database(y.all_values())}
    found |= {label for _path, label in scan_files(private_root, y.all_values())}
    assert found == set(y.all_values())


def _print_figures(x, survived_hits: list[Hit], kept: dict) -> None:
    """The scan's figures and its retention list, for whoever reads the run (``-s``)."""
    print(
        f"\nerasure scan: {len(x.all_values())} values planted ({len(x.values)} in the"
        f" person's records, {len(x.secrets)} secrets, {len(x.unregistered)} in the admin's"
        f" log, {len(x.written)} as written in free texts); {len(survived_hits)} copies of"
        f" {len({h.label for h in survived_hits})} values survive, all in kept records:"
    )
    by_model: dict[str, list[Hit]] = {}
    for hit in survived_hits:
        by_model.setdefault(hit.model, []).append(hit)
    for model, hits in sorted(by_model.items()):
        records = {hit.pk: kept[(model, hit.pk)] for hit in hits}
        until = max(record.until for record in records.values())
        basis = next(iter(records.values())).basis
        labels = ", ".join(sorted({hit.label for hit in hits}))
        print(f"  {model}, {len(records)} rows until {until} ({basis}): {labels}")


def test_the_kept_records_each_carry_their_date_and_basis(private_root):
    x = build_person("X")
    plan = erasure_plan(x.user)
    models_kept = {k.model for k in plan.kept}
    assert models_kept == {
        "billing.CollectionClaim",
        "billing.Invoice",
        "billing.InvoiceLine",
        "billing.Payment",
        "billing.PaymentEvent",
        "billing.Reminder",
        "gdpr.Consent",
    }
    for record in plan.kept:
        assert record.until is not None, record
        assert str(record.basis), record
