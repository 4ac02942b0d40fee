"""Reads for the admin's list of the retention jobs: each registered job with its last run."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Max
from django.utils import timezone
from django.utils.functional import Promise

from gdpr.models import RetentionRun
from gdpr.retention.jobs import registered_jobs

# The scheduled run of all jobs is daily (CELERY_BEAT_SCHEDULE): a job whose last
# successful run is older than that (or that never ran) is due.
DUE_AFTER = datetime.timedelta(days=1)


@dataclass(frozen=True)
class JobStatus:
    name: str
    label: str | Promise
    last_run: RetentionRun | None
    last_done_at: datetime.datetime | None
    due: bool


def retention_job_statuses(*, now: datetime.datetime | None = None) -> list[JobStatus]:
    """Every registered job, in the order of a run of all jobs, with its latest run and
    whether it is due. Two queries, however many jobs and runs."""
    now = now or timezone.now()
    jobs = registered_jobs()
    names = [retention_job.name for retention_job in jobs]
    latest_ids = (
        RetentionRun.objects.filter(job__in=names)
        .values("job")
        .annotate(last=Max("pk"))
        .values("last")
    )
    latest = {
        run.job: run
        for run in RetentionRun.objects.filter(pk__in=latest_ids).select_related("started_by")
    }
    done_at = dict(
        RetentionRun.objects.filter(job__in=names, status=RetentionRun.Status.DONE)
        .values("job")
        .annotate(last=Max("finished_at"))
        .values_list("job", "last")
    )
    return [
        JobStatus(
            name=retention_job.name,
            label=retention_job.label,
            last_run=latest.get(retention_job.name),
            last_done_at=done_at.get(retention_job.name),
            due=_due(done_at.get(retention_job.name), now),
        )
        for retention_job in jobs
    ]


def _due(last_done_at: datetime.datetime | None, now: datetime.datetime) -> bool:
    return last_done_at is None or last_done_at <= now - DUE_AFTER


def retention_due_jobs(*, now: datetime.datetime | None = None) -> list[str]:
    """The names of the jobs that are due (see ``DUE_AFTER``), in run order."""
    return [status.name for status in retention_job_statuses(now=now) if status.due]
