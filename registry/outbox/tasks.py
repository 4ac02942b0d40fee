"""The outbox's sweep, every minute (CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="outbox.publish_pending", ignore_result=True)
def publish_pending() -> int:
    from registry.outbox.services import outbox_publish_pending

    return outbox_publish_pending()
