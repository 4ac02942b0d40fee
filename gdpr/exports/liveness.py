"""Whether an export's build is alive: a PostgreSQL advisory lock held for the whole build.

A worker killed mid-build (SIGKILL, OOM, a lost host) leaves its export RUNNING; the lock,
held by its database session, goes when the session does. So a RUNNING export whose lock
nobody holds lost its builder, and the next delivery of the task (acks_late redelivers it)
or the desk's retry takes it over at once, instead of after the task's time limit. SQLite
(the quick start, one process) has no such locks: there the time limit still decides.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django.utils import timezone

from gdpr.models import DataExport

# A PENDING export older than this was not picked up (the broker lost it, or it waited in
# the outbox): the desk may queue it again. Building it twice is harmless (the claim).
PENDING_STALLED_AFTER = datetime.timedelta(minutes=2)


def _key(export_id: uuid.UUID | str) -> int:
    digest = hashlib.sha256(f"export-build:{export_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _has_locks() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def build_lock(export_id: uuid.UUID | str) -> Iterator[bool]:
    """Hold the export's build lock for the block (across its transactions); yields False
    when a live build holds it already."""
    if not _has_locks():
        yield True
        return
    key = _key(export_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        taken = bool(cursor.fetchone()[0])
    try:
        yield taken
    finally:
        if taken and connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def is_being_built(export: DataExport) -> bool:
    """Whether a live build holds the export now (a RUNNING export that nobody holds lost
    its worker)."""
    if export.status != DataExport.Status.RUNNING:
        return False
    if not _has_locks():
        limit = datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
        return export.started_at is not None and export.started_at > timezone.now() - limit
    with build_lock(export.pk) as free:
        return not free


def export_is_stalled(export: DataExport, *, now: datetime.datetime | None = None) -> bool:
    """A build that will not finish by itself: failed, queued long ago and never started,
    or running with no live worker behind it. The desk may queue it again."""
    now = now or timezone.now()
    if export.status == DataExport.Status.FAILED:
        return True
    if export.status == DataExport.Status.PENDING:
        return export.created_at is not None and export.created_at < now - PENDING_STALLED_AFTER
    if export.status == DataExport.Status.RUNNING:
        return not is_being_built(export)
    return False
