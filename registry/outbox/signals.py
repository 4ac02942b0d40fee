"""A worker that starts (after the broker was down, or a deploy) publishes what waited."""

from __future__ import annotations

import logging

from celery.signals import worker_ready
from django.db import close_old_connections

logger = logging.getLogger(__name__)


@worker_ready.connect
def _publish_waiting(**_: object) -> None:
    from registry.outbox.services import outbox_publish_pending

    try:
        outbox_publish_pending()
    except Exception:
        # A worker must start even if the database is down this moment; beat retries.
        logger.exception("Outbox: publishing waiting tasks at start-up failed")
    finally:
        close_old_connections()
