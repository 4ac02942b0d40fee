"""Celery tasks of the gdpr app: thin wrappers that take ids and call one service.

Each task imports its service when it runs (the habit of Celery tasks here): the services
enqueue these tasks, so importing them at the top would make the two modules need each
other to load."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

# Retries of an export build, with exponential backoff (1 s, 2 s, 4 s … at most 10 min).
EXPORT_BUILD_RETRIES = 5


@shared_task(
    bind=True,
    name="gdpr.tasks.build_export",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=EXPORT_BUILD_RETRIES,
)
def build_export(self, export_id: str) -> None:
    """Build an access/portability export. Idempotent: the service claims the export row,
    so a second delivery (acks_late) or a second call leaves one export."""
    from gdpr.exports.services import export_build, export_fail

    try:
        export_build(export_id)
    except Exception as error:
        if self.request.retries >= self.max_retries:
            export_fail(export_id, error=f"{type(error).__name__}: {error}")
        raise


@shared_task(name="gdpr.tasks.purge_expired_exports")
def purge_expired_exports() -> int:
    """Delete exports whose download link has expired (hourly, CELERY_BEAT_SCHEDULE, and
    with the daily jobs), logged as a run of the retention job."""
    from gdpr.retention.jobs import run_job
    from gdpr.retention.purges import EXPORTS_JOB

    return run_job(EXPORTS_JOB, raise_errors=False).total


@shared_task(name="gdpr.tasks.run_retention_jobs")
def run_retention_jobs() -> dict[str, int]:
    """Every registered retention job once, each logged as a RetentionRun (daily,
    CELERY_BEAT_SCHEDULE). Safe on several workers: a job already running, or done within
    RETENTION_RERUN_AFTER_MINUTES, is skipped."""
    from gdpr.retention.jobs import run_all_jobs

    since = timezone.now() - datetime.timedelta(minutes=settings.RETENTION_RERUN_AFTER_MINUTES)
    return {run.job: run.total for run in run_all_jobs(unless_done_since=since)}


@shared_task(name="gdpr.tasks.run_retention_runs")
def run_retention_runs(run_ids: list[int]) -> dict[str, int]:
    """The retention runs the controller's staff asked for in the admin, in order, each
    logged on its ``RetentionRun``. Idempotent: a run already carried out is skipped."""
    from gdpr.retention.services import retention_runs_carry_out

    return {run.job: run.total for run in retention_runs_carry_out(run_ids)}
