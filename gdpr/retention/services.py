"""Runs of the retention jobs asked for by the controller's staff ("run now" in the admin).

The run goes through the same runner as the scheduled ones (``gdpr.retention.jobs``): the
same advisory lock, the same log. Each asked-for run is logged at once (a ``RetentionRun``
naming who asked) and carried out by a worker once the request's transaction commits, as
the access exports are."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction

from gdpr.audit import acting_as
from gdpr.models import RetentionRun
from gdpr.retention.jobs import job_is_running, registered_jobs, run_job
from gdpr.tasks import run_retention_runs
from registry.outbox.services import enqueue_on_commit

if TYPE_CHECKING:
    from collections.abc import Iterable

    from accounts.models import User


@dataclass
class RetentionStart:
    """What a "run now" did: the runs it logged and queued, the jobs it left alone
    because a run of theirs holds the lock."""

    queued: list[RetentionRun] = field(default_factory=list)
    already_running: list[str] = field(default_factory=list)


def retention_run_start(*, names: Iterable[str], started_by: User) -> RetentionStart:
    """Log a run of each named job, started by ``started_by``, and hand them to a worker
    (in the order of a run of all jobs) once the transaction commits. A job whose lock
    another run holds is not queued. Raises ``KeyError`` for a name nobody registered."""
    wanted = set(names)
    order = [retention_job.name for retention_job in registered_jobs()]
    unknown = wanted - set(order)
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    started = RetentionStart()
    with transaction.atomic(), acting_as(started_by):
        for name in order:
            if name not in wanted:
                continue
            if job_is_running(name):
                started.already_running.append(name)
                continue
            started.queued.append(RetentionRun.objects.create(job=name, started_by=started_by))
        if started.queued:
            enqueue_on_commit(run_retention_runs, [run.pk for run in started.queued])
    return started


def retention_runs_carry_out(run_ids: Iterable[int]) -> list[RetentionRun]:
    """Carry out runs logged by ``retention_run_start``, in the given order; a run already
    carried out (a task delivered twice) is left as it is."""
    run_ids = list(run_ids)
    done = []
    runs = RetentionRun.objects.select_related("started_by").in_bulk(run_ids)
    for run_id in run_ids:
        run = runs.get(run_id)
        if run is None or run.status != RetentionRun.Status.RUNNING or run.finished_at:
            continue
        with acting_as(run.started_by):
            done.append(run_job(run.job, run=run, raise_errors=False))
    return done
