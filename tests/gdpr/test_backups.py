"""Backups never bring an erased person back.

The distinctive person is backed up, then erased through the normal flow; the backup is
restored (``manage.py restore``, in its own process, as an operator runs it) into a new
empty database, which is then scanned like the live one after an erasure: none of the
person's values outside the records the erasure keeps. The backup cannot be read without
the key, a wrong key is refused, old backups go, and the erasure ledger (in the database
and its copies in private storage) holds none of the person's values.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pyrage
import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from gdpr import backups
from gdpr.backups import BackupError, backup_create, backups_list, backups_prune
from gdpr.erasure.replay import ledger_replay
from gdpr.erasure.services import erasure_execute, erasure_plan, redaction_for
from gdpr.ledger import LEDGER_FOLDER, entry_as_json, ledger_append, ledger_from_storage
from gdpr.models import ErasureLedgerEntry
from gdpr.notice.document import notice_content
from gdpr.notice.records import records_of_processing
from gdpr.requests.services import request_complete, request_note
from gdpr.retention import jobs as retention_jobs
from gdpr.retention.jobs import RetentionJob, run_job
from tests.factories import StaffFactory

from .distinctive import build_person, use_private_storage
from .test_erasure_scan import Hit, _text, erasure_request_for, scan_database

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="backups are of PostgreSQL databases"
    ),
    pytest.mark.skipif(
        not (shutil.which("pg_dump") and shutil.which("pg_restore")),
        reason="pg_dump and pg_restore are needed",
    ),
]


@pytest.fixture
def private_root(monkeypatch, tmp_path, settings) -> Path:
    root = tmp_path / "private"
    use_private_storage(monkeypatch, root)
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "registry.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


@pytest.fixture
def age_key(settings) -> pyrage.x25519.Identity:
    identity = pyrage.x25519.Identity.generate()
    settings.BACKUP_AGE_RECIPIENTS = str(identity.to_public())
    settings.BACKUP_AGE_IDENTITY = str(identity)
    return identity


def _server(dbname: str) -> dict[str, str]:
    db = connection.settings_dict
    return {
        "host": db["HOST"] or "127.0.0.1",
        "port": str(db["PORT"] or 5432),
        "user": db["USER"],
        "password": db["PASSWORD"] or "",
        "dbname": dbname,
    }


@pytest.fixture
def empty_database():
    """A new, empty database beside the test database; dropped afterwards."""
    name = f"registry_backup_restore_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(**_server("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(**_server("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(*args: str, database: str, root: Path, identity: str) -> subprocess.CompletedProcess:
    """``manage.py`` in its own process against ``database``, with this test's keys and
    private storage (what an operator restoring on a fresh machine runs)."""
    server = _server(database)
    password = f":{server['password']}" if server["password"] else ""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DEBUG": "true",
        "DATABASE_URL": (
            f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{database}"
        ),
        "PRIVATE_MEDIA_ROOT": str(root),
        "BACKUP_AGE_IDENTITY": identity,
        "SECRET_KEY": settings.SECRET_KEY,
        "GDPR_HASH_KEY": settings.GDPR_HASH_KEY,
    }
    env.pop("CELERY_BROKER_URL", None)  # nothing is sent: tasks would run in-process
    return subprocess.run(  # noqa: S603 (this interpreter, this project's manage.py)
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def scan_other_database(dbname: str, values: dict[str, str]) -> list[Hit]:
    """``scan_database`` on another database: every text-like column of every table."""
    by_table = {
        m._meta.db_table: (m._meta.label, m._meta.pk.column)
        for m in apps.get_models(include_auto_created=True)
    }
    text_types = ("character varying", "text", "json", "jsonb", "inet", "character")
    hits: list[Hit] = []
    with psycopg.connect(**_server(dbname)) as conn:
        columns: dict[str, list[str]] = {}
        for table, column in conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'public' AND data_type = ANY(%s)"
            " ORDER BY table_name, ordinal_position",
            [list(text_types)],
        ):
            columns.setdefault(table, []).append(column)
        for table, names in columns.items():
            label, pk = by_table.get(table, (None, None))
            selected = [pk, *names] if pk else names
            quoted = ", ".join(f'"{c}"' for c in selected)
            for row in conn.execute(f'SELECT {quoted} FROM "{table}"'):  # noqa: S608
                key = str(row[0]) if pk else None
                cells = row[1:] if pk else row
                for column, cell in zip(names, cells, strict=True):
                    text = _text(cell)
                    hits += [
                        Hit(table, key, column, name, label)
                        for name, value in values.items()
                        if value in text
                    ]
    return hits


def _table_count(dbname: str) -> int:
    with psycopg.connect(**_server(dbname)) as conn:
        (count,) = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    return count


def _erase(x, staff) -> None:
    """The controller's erasure, as the erasure page and the scan test do it."""
    request = erasure_request_for(x.user, staff)
    address, redaction = x.user.email, redaction_for(x.user)
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
        note=f"Called again from {x.written['written.phone_dashed']}.",
        actor=staff,
    )


@pytest.mark.django_db(transaction=True)
def test_a_restored_backup_forgets_the_people_erased_after_it(
    private_root, age_key, empty_database
):
    x = build_person("X")
    y = build_person("Y")
    staff = StaffFactory()
    kept = {(k.model, k.object_id): k for k in erasure_plan(x.user).kept}
    subject_id = x.user.pk

    backup = backup_create()
    # Erased after the backup was taken, on a request filed after it too.
    _erase(x, staff)
    y_live = {hit.label for hit in scan_database(y.all_values())}

    # The backup itself: age's header, then ciphertext; no dump header, no table, no value.
    data = storages["private"].open(backup.name, "rb").read()
    assert data.startswith(b"age-encryption.org/v1\n")
    assert b"PGDMP" not in data
    assert b"accounts_user" not in data
    assert not [label for label, v in x.all_values().items() if v.encode() in data]

    result = manage(
        "restore",
        backup.name.removeprefix("backups/"),
        database=empty_database,
        root=private_root,
        identity=str(age_key),
    )
    assert result.returncode == 0, result.stderr
    # What was replayed is printed, one line an entry: the erasure among them.
    assert " erasure " in result.stdout, result.stdout

    # The restored database holds the person no more than the live one does.
    hits = scan_other_database(empty_database, x.all_values())
    assert hits, "the scan sees nothing at all"
    leftovers = [
        hit
        for hit in hits
        if not (hit.model and (hit.model, hit.pk) in kept and kept[(hit.model, hit.pk)].until)
    ]
    assert leftovers == [], "\n".join(map(str, leftovers))
    assert {hit.label for hit in hits} == x.kept
    # The other person is all there, as in the live database.
    assert {hit.label for hit in scan_other_database(empty_database, y.all_values())} == y_live

    # Replaying again (the ledger rows gone from the restored database, the erased rows
    # gone too) is harmless and leaves it as it was.
    with psycopg.connect(**_server(empty_database)) as conn:
        conn.execute(f'DELETE FROM "{ErasureLedgerEntry._meta.db_table}"')  # noqa: S608
    again = manage(
        "shell",
        "-c",
        "from gdpr.erasure.replay import ledger_replay; from gdpr.ledger import"
        " ledger_from_storage; print(len(ledger_replay(ledger_from_storage())))",
        database=empty_database,
        root=private_root,
        identity=str(age_key),
    )
    assert again.returncode == 0, again.stderr
    assert int(again.stdout.strip().splitlines()[-1]) >= 1
    hits_again = scan_other_database(empty_database, x.all_values())
    assert {hit.label for hit in hits_again} == x.kept

    # The ledger, in the database and in private storage, holds none of the values.
    entries = list(ErasureLedgerEntry.objects.all())
    assert [e.subject_id for e in entries if e.kind == "erasure"] == [subject_id]
    assert [e.kind for e in entries if e.kind == ErasureLedgerEntry.Kind.ERASURE] == ["erasure"]
    ledger_text = json.dumps([e.payload for e in entries], ensure_ascii=False)
    mirrored = sorted((private_root / LEDGER_FOLDER).glob("*.json"))
    assert len(mirrored) == len(entries)
    ledger_text += "".join(p.read_text() for p in mirrored)
    assert not [label for label, v in x.all_values().items() if v in ledger_text]


@pytest.mark.django_db(transaction=True)
def test_a_wrong_key_is_refused_and_nothing_restored(private_root, age_key, empty_database):
    build_person("W")
    backup = backup_create()
    result = manage(
        "restore",
        backup.name,
        database=empty_database,
        root=private_root,
        identity=str(pyrage.x25519.Identity.generate()),
    )
    assert result.returncode != 0
    assert "salausta ei voi purkaa annetulla avaimella" in result.stderr
    assert _table_count(empty_database) == 0


@pytest.mark.django_db
def test_restore_refuses_a_database_that_is_not_empty(private_root, age_key):
    storages["private"].save("backups/registry-20261201T030000Z.dump.age", ContentFile(b"x"))
    with pytest.raises(CommandError, match=r"ei ole tyhjä|not empty"):
        call_command("restore", "registry-20261201T030000Z.dump.age")


@pytest.mark.django_db
def test_backups_past_the_retention_period_are_deleted(private_root, settings):
    settings.BACKUP_RETENTION_DAYS = 35
    now = timezone.now()
    storage = storages["private"]
    for days in (40, 36, 34, 1):
        taken = now - datetime.timedelta(days=days)
        storage.save(backups._backup_name(taken), ContentFile(b"age-encryption.org/v1\n"))
    assert len(backups_list()) == 4
    assert backups_prune(now) == {"backups": 2}
    assert [round((now - b.taken_at).days) for b in backups_list()] == [34, 1]
    # The daily retention run does the same, logged.
    storage.save(backups._backup_name(now - datetime.timedelta(days=50)), ContentFile(b"age"))
    run = run_job("gdpr.expired_backups", now=now)
    assert run.counts == {"backups": 1}
    assert len(backups_list()) == 2


@pytest.mark.django_db
def test_backup_needs_the_public_keys(private_root, settings):
    settings.BACKUP_AGE_RECIPIENTS = ""
    with pytest.raises(BackupError, match="BACKUP_AGE_RECIPIENTS"):
        backup_create()
    settings.BACKUP_AGE_RECIPIENTS = "not-a-key"
    with pytest.raises(BackupError, match="BACKUP_AGE_RECIPIENTS"):
        backup_create()


def test_backup_refuses_sqlite_clearly(monkeypatch):
    class SQLite:
        vendor = "sqlite"
        display_name = "SQLite"

    monkeypatch.setattr(backups, "connection", SQLite())
    with pytest.raises(BackupError, match="PostgreSQL"):
        backups._database()


@pytest.mark.django_db
def test_the_privacy_notice_and_the_records_state_how_long_backups_are_kept(settings):
    settings.BACKUP_RETENTION_DAYS = 35
    notice = notice_content("en")
    records = records_of_processing("en")
    for security in (notice["security"], records["security"]):
        assert any("backups of the register are kept for 35 days" in line for line in security)


@pytest.mark.django_db
def test_a_ledger_entry_whose_copy_was_not_written_is_copied_by_the_daily_run(private_root):
    # No commit here: the copy the commit would write never is, as after a crash.
    entry = ledger_append(kind=ErasureLedgerEntry.Kind.ERASURE, payload={"rows": {}})
    assert run_job("gdpr.erasure_ledger_copies").counts == {}  # left to its own commit
    ErasureLedgerEntry.objects.filter(pk=entry.pk).update(
        recorded_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    assert run_job("gdpr.erasure_ledger_copies").counts == {"gdpr.ErasureLedgerEntry": 1}
    (copy,) = ledger_from_storage()
    assert copy["id"] == str(entry.pk)
    assert run_job("gdpr.erasure_ledger_copies").counts == {}


@pytest.mark.django_db
def test_a_retention_purge_is_recorded_and_replayed_as_of_the_same_moment(monkeypatch):
    moments = []

    def purge(now: datetime.datetime) -> dict[str, int]:
        moments.append(now)
        return {"flightlog.FlightLogEntry": 1}

    job = RetentionJob(name="tests.purge", label="Test purge", run=purge)
    monkeypatch.setitem(retention_jobs._jobs, job.name, job)
    at = timezone.now() - datetime.timedelta(days=3)
    run_job(job.name, now=at)
    (entry,) = ErasureLedgerEntry.objects.filter(kind=ErasureLedgerEntry.Kind.RETENTION)
    assert entry.payload["job"] == job.name
    data = entry_as_json(entry)
    entry.delete()  # as in a database restored from before the purge

    (replayed,) = ledger_replay([data])
    assert moments == [at, at]
    assert replayed.counts == {"flightlog.FlightLogEntry": 1}
    # Stored once as it was, not recorded a second time; a second replay does nothing.
    (stored,) = ErasureLedgerEntry.objects.filter(kind=ErasureLedgerEntry.Kind.RETENTION)
    assert str(stored.pk) == data["id"]
    assert ledger_replay([data]) == []
