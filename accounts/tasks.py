from __future__ import annotations

import datetime

from celery import shared_task


@shared_task(name="accounts.tasks.purge_login_events")
def purge_login_events() -> int:
    from django.conf import settings
    from django.utils import timezone

    from .services import login_events_purge

    cutoff = timezone.now() - datetime.timedelta(days=settings.LOGIN_EVENT_RETENTION_DAYS)
    return login_events_purge(older_than=cutoff)
