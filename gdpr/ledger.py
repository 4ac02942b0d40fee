"""The erasure ledger: what every erasure did, so that a restored backup forgets the same
people again (``gdpr.backups``, ``gdpr.erasure.replay``).

An entry holds no readable personal data: the time, the request and account ids, the
model labels and row ids deleted, anonymised (with which fields) or held, the names of the
files deleted, and keyed hashes (``gdpr.keys``) of the values redacted from free texts.

Why a copy outside the database: a backup holds the ledger as it was when the backup was
taken, so restoring an older dump alone would also forget every later erasure. Each entry
is therefore written twice: as a row, in the erasure's own transaction (it exists exactly
when the erasure happened), and, once that commits, as an append-only JSON file in
private storage (``erasure-ledger/``), which a restore does not touch. A restore replays
every file whose entry the restored database does not hold. If the process dies between
the commit and the file, the job ``gdpr.erasure_ledger_copies`` writes the missing copies.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import json
import logging
from collections.abc import Iterator
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.utils import timezone

from gdpr.models import ErasureLedgerEntry

logger = logging.getLogger(__name__)

LEDGER_FOLDER = "erasure-ledger"

# While a restore replays the ledger, what it re-does is not recorded a second time: the
# replayed entry itself is copied into the restored database instead.
_replaying: contextvars.ContextVar[bool] = contextvars.ContextVar("ledger_replaying", default=False)


def ledger_storage() -> Storage:
    return storages["private"]


@contextlib.contextmanager
def ledger_replaying() -> Iterator[None]:
    token = _replaying.set(True)
    try:
        yield
    finally:
        _replaying.reset(token)


def ledger_append(
    *,
    kind: str,
    payload: dict[str, Any],
    request_id: int | None = None,
    subject_id: int | None = None,
) -> ErasureLedgerEntry | None:
    """Record what was just done, inside the caller's transaction; the copy in private
    storage is written once it commits."""
    if _replaying.get():
        return None
    entry = ErasureLedgerEntry.objects.create(
        kind=kind, payload=payload, request_id=request_id, subject_id=subject_id
    )
    transaction.on_commit(lambda: _mirror_quietly(entry.pk))
    return entry


def entry_as_json(entry: ErasureLedgerEntry) -> dict[str, Any]:
    return {
        "id": str(entry.pk),
        "recorded_at": entry.recorded_at.isoformat(),
        "kind": entry.kind,
        "request_id": entry.request_id,
        "subject_id": entry.subject_id,
        "payload": entry.payload,
    }


def mirror_name(entry: ErasureLedgerEntry) -> str:
    # The time first, so a listing sorts in the order the erasures happened.
    return f"{LEDGER_FOLDER}/{entry.recorded_at:%Y%m%dT%H%M%S%fZ}-{entry.pk}.json"


def ledger_mirror(pk: Any) -> bool:
    """Write the entry's copy to private storage unless it is there; ``True`` if written.
    Safe to run twice: the name is the entry's own."""
    entry = ErasureLedgerEntry.objects.filter(pk=pk, mirrored_at__isnull=True).first()
    if entry is None:
        return False
    storage = ledger_storage()
    name = mirror_name(entry)
    written = False
    if not storage.exists(name):
        data = json.dumps(entry_as_json(entry), sort_keys=True).encode()
        storage.save(name, ContentFile(data))
        written = True
    ErasureLedgerEntry.objects.filter(pk=entry.pk).update(mirrored_at=timezone.now())
    return written


def _mirror_quietly(pk: Any) -> None:
    # The erasure has committed; a storage outage must not turn it into an error page. The
    # job below writes the copy later.
    try:
        ledger_mirror(pk)
    except Exception:
        logger.exception("Erasure ledger entry %s not copied to storage yet", pk)


# An entry younger than this is left to the copy its own commit writes.
_CATCH_UP_AFTER = datetime.timedelta(minutes=5)


def ledger_mirror_pending(now: datetime.datetime) -> dict[str, int]:
    """Retention job: copy every entry not yet in storage (a crash after the commit).

    Entries are taken by the real clock, not the job's ``now``: what is late here is a
    write, not a date in the data."""
    pending = ErasureLedgerEntry.objects.filter(
        mirrored_at__isnull=True, recorded_at__lt=timezone.now() - _CATCH_UP_AFTER
    ).values_list("pk", flat=True)
    written = sum(1 for pk in list(pending) if ledger_mirror(pk))
    if written:
        logger.info("Copied %d erasure ledger entries to storage", written)
    return {ErasureLedgerEntry._meta.label: written}


def ledger_from_storage() -> list[dict[str, Any]]:
    """Every entry copied to private storage, oldest first."""
    storage = ledger_storage()
    try:
        _folders, names = storage.listdir(LEDGER_FOLDER)
    except FileNotFoundError:
        return []
    entries = []
    for name in sorted(names):
        if not name.endswith(".json"):
            continue
        with storage.open(f"{LEDGER_FOLDER}/{name}", "rb") as handle:
            entries.append(json.loads(handle.read()))
    entries.sort(key=lambda e: (e["recorded_at"], e["id"]))
    return entries


def ledger_known_ids() -> set[str]:
    """The entries the database holds (in a restored one: those the backup had)."""
    return {str(pk) for pk in ErasureLedgerEntry.objects.values_list("pk", flat=True)}


def ledger_store_replayed(data: dict[str, Any]) -> None:
    """The replayed entry, in the restored database: replaying again skips it."""
    ErasureLedgerEntry.objects.get_or_create(
        pk=data["id"],
        defaults={
            "recorded_at": datetime.datetime.fromisoformat(data["recorded_at"]),
            "kind": data["kind"],
            "request_id": data.get("request_id"),
            "subject_id": data.get("subject_id"),
            "payload": data.get("payload", {}),
            "mirrored_at": timezone.now(),
        },
    )
