"""Scheduled retention jobs: each app registers the purges of its own data here, and one
runner logs every run (``RetentionRun``) and makes sure two workers never do the same job
at once.

A job is a function ``(now) -> {"app.Model": count}`` that is idempotent: it deletes or
anonymises what has passed its date and nothing else, so a second run finds nothing to do.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from gdpr.models import RetentionRun

logger = logging.getLogger(__name__)

JobFunction = Callable[[datetime.datetime], dict[str, int]]


@dataclass(frozen=True)
class RetentionJob:
    name: str
    label: str | Promise
    run: JobFunction


_jobs: dict[str, RetentionJob] = {}


def register_job(job: RetentionJob) -> RetentionJob:
    """Add (or replace, by name) a retention job."""
    _jobs[job.name] = job
    return job


def registered_jobs() -> list[RetentionJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def job(name: str) -> RetentionJob:
    return _jobs[name]


def _lock_key(name: str) -> int:
    # A stable signed 64-bit key for PostgreSQL's advisory locks.
    digest = hashlib.sha256(f"retention:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _take_lock(name: str) -> bool:
    """Hold the job's lock until the surrounding transaction ends; False if another run
    holds it. PostgreSQL: a transaction-level advisory lock. SQLite allows one writer at a
    time anyway, so the write lock taken by the job itself serialises runs."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_lock_key(name)])
        return bool(cursor.fetchone()[0])


# No job runs this long: an older run still marked running lost its worker.
INTERRUPTED_AFTER = datetime.timedelta(hours=6)


def _close_interrupted(name: str, *, before: RetentionRun) -> None:
    """Runs of this job left "running" by a worker that stopped mid-run: they did not
    finish (their work was rolled back), and the admin should see it."""
    RetentionRun.objects.filter(
        job=name,
        status=RetentionRun.Status.RUNNING,
        pk__lt=before.pk,
        started_at__lt=before.started_at - INTERRUPTED_AFTER,
    ).update(
        status=RetentionRun.Status.FAILED,
        error=_("Interrupted: the worker stopped before the run finished."),
        finished_at=before.started_at,
    )


def failing_jobs() -> list[str]:
    """Jobs whose latest finished run failed (two queries, however many runs)."""
    latest = (
        RetentionRun.objects.filter(
            status__in=[RetentionRun.Status.DONE, RetentionRun.Status.FAILED]
        )
        .values("job")
        .annotate(last=Max("pk"))
        .values_list("last", flat=True)
    )
    return sorted(
        RetentionRun.objects.filter(
            pk__in=list(latest), status=RetentionRun.Status.FAILED
        ).values_list("job", flat=True)
    )


def run_job(
    name: str, *, now: datetime.datetime | None = None, raise_errors: bool = True
) -> RetentionRun:
    """Run one job once, logged; a run that finds the job already running is logged as
    skipped and does nothing. A failure is logged on the run (and raised, unless not
    wanted: the scheduled run of all jobs carries on with the next one)."""
    retention_job = _jobs[name]
    now = now or timezone.now()
    run = RetentionRun.objects.create(job=name, started_at=timezone.now())
    try:
        with transaction.atomic():
            if not _take_lock(name):
                run.status = RetentionRun.Status.SKIPPED
                counts: dict[str, int] = {}
            else:
                _close_interrupted(name, before=run)
                counts = {label: n for label, n in retention_job.run(now).items() if n}
                run.status = RetentionRun.Status.DONE
    except Exception as error:
        logger.exception("Retention job %s failed", name)
        run.status = RetentionRun.Status.FAILED
        run.error = f"{type(error).__name__}: {error}"[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        if raise_errors:
            raise
        return run
    run.counts = counts
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "counts", "finished_at"])
    return run


def run_all_jobs(*, now: datetime.datetime | None = None) -> list[RetentionRun]:
    """Every registered job once; one failing job does not stop the others."""
    return [
        run_job(retention_job.name, now=now, raise_errors=False)
        for retention_job in registered_jobs()
    ]
