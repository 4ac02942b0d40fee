"""Scheduled retention jobs: each app registers the purges of its own data here, and one
runner logs every run (``RetentionRun``) and makes sure two workers never do the same job
at once.

A job is a function ``(now) -> {"app.Model": count}`` that is idempotent: it deletes or
anonymises what has passed its date and nothing else, so a second run finds nothing to do.

Jobs run in an explicit order: a job names the jobs that must run before it (``after``) or
after it (``before``), by name, so an app can order its job against another app's without
importing it (billing, which knows organizations, puts its voucher purge before the
purges of memberships). Among jobs free to run, the order is by name. A name nobody
registered or a cycle is a configuration error: the system check ``gdpr.E001`` reports it
at start-up, and computing the order raises ``RetentionOrderError``.
"""

from __future__ import annotations

import datetime
import hashlib
import heapq
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from gdpr.ledger import ledger_append
from gdpr.models import ErasureLedgerEntry, RetentionRun

logger = logging.getLogger(__name__)

JobFunction = Callable[[datetime.datetime], dict[str, int]]


@dataclass(frozen=True)
class RetentionJob:
    name: str
    label: str | Promise
    run: JobFunction
    # Names of jobs that must run before this one / after this one in a run of all jobs.
    after: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    # Whether a run that purged something goes to the erasure ledger, to be run again at
    # the same time after a backup is restored (``gdpr.ledger``). Off for jobs about the
    # ledger and the backups themselves, which a restore does not bring back.
    replayed_after_restore: bool = True


class RetentionOrderError(ImproperlyConfigured):
    """The declared order of the jobs names an unknown job or goes round in a circle."""


_jobs: dict[str, RetentionJob] = {}


def register_job(job: RetentionJob) -> RetentionJob:
    """Add (or replace, by name) a retention job. Its ``after`` and ``before`` may name
    jobs registered later (another app's): they are checked when the order is computed."""
    _jobs[job.name] = job
    return job


def _order_edges(jobs: dict[str, RetentionJob]) -> tuple[dict[str, set[str]], list[str]]:
    """``{job: jobs that must run after it}``, and the problems: names nobody registered."""
    runs_before: dict[str, set[str]] = {name: set() for name in jobs}
    problems = []
    for name, retention_job in sorted(jobs.items()):
        ordered = [(other, name) for other in retention_job.after]
        ordered += [(name, other) for other in retention_job.before]
        for first, then in ordered:
            other = then if first == name else first
            if other not in jobs:
                problems.append(
                    f"Retention job {name!r} is ordered against {other!r}, "
                    "which is not a registered job."
                )
            elif other == name:
                problems.append(f"Retention job {name!r} is ordered against itself.")
            else:
                runs_before[first].add(then)
    return runs_before, problems


def _topological_order(runs_before: dict[str, set[str]]) -> tuple[list[str], list[str]]:
    """Kahn's algorithm, taking the first by name among the jobs free to run (so the
    order is the same on every worker). Returns the order and the jobs it could not
    place (in a cycle, or after one)."""
    waiting_for = dict.fromkeys(runs_before, 0)
    for successors in runs_before.values():
        for successor in successors:
            waiting_for[successor] += 1
    ready = [name for name, count in waiting_for.items() if not count]
    heapq.heapify(ready)
    order = []
    while ready:
        name = heapq.heappop(ready)
        order.append(name)
        for successor in runs_before[name]:
            waiting_for[successor] -= 1
            if not waiting_for[successor]:
                heapq.heappush(ready, successor)
    return order, sorted(name for name, count in waiting_for.items() if count)


def job_order_problems() -> list[str]:
    """What is wrong with the declared order of the registered jobs (empty when nothing)."""
    runs_before, problems = _order_edges(_jobs)
    stuck = _topological_order(runs_before)[1]
    if stuck:
        problems.append(
            "Retention jobs in an ordering cycle (or waiting on one): " + ", ".join(stuck) + "."
        )
    return problems


def registered_jobs() -> list[RetentionJob]:
    """Every registered job in the order a run of all jobs takes: each after the jobs it
    names in ``after`` and before those in ``before``, the rest by name.

    Raises ``RetentionOrderError`` if the order names an unknown job or has a cycle."""
    problems = job_order_problems()
    if problems:
        raise RetentionOrderError(" ".join(problems))
    order = _topological_order(_order_edges(_jobs)[0])[0]
    return [_jobs[name] for name in order]


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


def job_is_running(name: str) -> bool:
    """Whether another session holds the job's lock now (a run is under way). Takes the
    lock and lets it go at once: it answers for this moment only, and the run itself
    still takes the lock (a run that finds it held is logged as skipped)."""
    if connection.vendor != "postgresql":
        return False
    key = _lock_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        taken = bool(cursor.fetchone()[0])
        if taken:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
    return not taken


def run_job(
    name: str,
    *,
    now: datetime.datetime | None = None,
    raise_errors: bool = True,
    run: RetentionRun | None = None,
    unless_done_since: datetime.datetime | None = None,
) -> RetentionRun:
    """Run one job once, logged; a run that finds the job already running is logged as
    skipped and does nothing. A failure is logged on the run (and raised, unless not
    wanted: the scheduled run of all jobs carries on with the next one). ``run``: the row
    logged when the run was asked for (from the admin), which this run fills in.
    ``unless_done_since``: skip the job if a run of it finished since then — the scheduled
    run sent to two workers runs each job once, whether the two overlap or follow."""
    retention_job = _jobs[name]
    now = now or timezone.now()
    if run is None:
        run = RetentionRun.objects.create(job=name, started_at=timezone.now())
    else:
        run.started_at = timezone.now()
        run.save(update_fields=["started_at"])
    try:
        with transaction.atomic():
            counts: dict[str, int] = {}
            if not _take_lock(name) or _done_since(name, unless_done_since):
                run.status = RetentionRun.Status.SKIPPED
            else:
                _close_interrupted(name, before=run)
                counts = {label: n for label, n in retention_job.run(now).items() if n}
                if counts and retention_job.replayed_after_restore:
                    ledger_append(
                        kind=ErasureLedgerEntry.Kind.RETENTION,
                        payload={"job": name, "now": now.isoformat(), "counts": counts},
                    )
                run.status = RetentionRun.Status.DONE
            # Logged before the lock goes with the transaction: a run that takes the lock
            # next sees this one done.
            run.counts = counts
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "counts", "finished_at"])
    except Exception as error:
        logger.exception("Retention job %s failed", name)
        run.status = RetentionRun.Status.FAILED
        run.error = f"{type(error).__name__}: {error}"[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        if raise_errors:
            raise
        return run
    return run


def _done_since(name: str, since: datetime.datetime | None) -> bool:
    return since is not None and (
        RetentionRun.objects.filter(
            job=name, status=RetentionRun.Status.DONE, finished_at__gte=since
        ).exists()
    )


def run_all_jobs(
    *, now: datetime.datetime | None = None, unless_done_since: datetime.datetime | None = None
) -> list[RetentionRun]:
    """Every registered job once, in order; one failing job does not stop the others."""
    return [
        run_job(
            retention_job.name, now=now, raise_errors=False, unless_done_since=unless_done_since
        )
        for retention_job in registered_jobs()
    ]


def run_jobs(names: Iterable[str], *, now: datetime.datetime | None = None) -> dict[str, int]:
    """The named jobs once each, in the order of a run of all jobs (a failure is raised);
    the counts per model, added up over the jobs."""
    wanted = set(names)
    unknown = wanted - _jobs.keys()
    if unknown:
        raise KeyError(f"Unknown retention jobs: {', '.join(sorted(unknown))}")
    counts: dict[str, int] = {}
    for retention_job in registered_jobs():
        if retention_job.name in wanted:
            for label, n in run_job(retention_job.name, now=now).counts.items():
                counts[label] = counts.get(label, 0) + n
    return counts
