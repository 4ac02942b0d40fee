from __future__ import annotations

from celery import shared_task


@shared_task(name="accounts.tasks.purge_login_events")
def purge_login_events() -> int:
    """Sign-in history past its period; the daily retention run does the same, logged."""
    from gdpr.api import run_job

    return run_job("accounts.login_events").total
