"""The system check of the retention jobs: their declared order holds together. Run at
start-up (``manage.py check``, ``migrate``, ``runserver``) once every app has registered
its jobs, so a job ordered against a misspelt or removed job, or a cycle, stops the
deployment instead of the nightly run."""

from __future__ import annotations

from typing import Any

from django.core import checks

from gdpr.retention.jobs import job_order_problems


def check_retention_job_order(app_configs: Any = None, **kwargs: Any) -> list[checks.Error]:
    return [
        checks.Error(
            problem,
            hint="Fix the after= or before= of the RetentionJob where it is registered.",
            id="gdpr.E001",
        )
        for problem in job_order_problems()
    ]
