"""Enqueue Celery tasks through the outbox, and re-publish what the broker did not take.

``enqueue_on_commit(task, *args, **kwargs)`` writes an ``OutboxMessage`` in the caller's
transaction and, once that commits, hands the task to the broker with a short connection
retry. Taken: the row is deleted. Not taken (the broker is down): the row stays, nothing is
raised (the person's rows are committed; a 500 would only hide that), and the request is
told through ``delayed()`` so the page can say the work follows shortly.
``outbox_publish_pending`` (every minute from beat, and at a worker's start) publishes
what is still waiting, oldest first. Every task is safe to run twice, which covers the rare
double publish (a process that dies between the broker's ack and the row's delete).
"""

from __future__ import annotations

import contextvars
import datetime
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from celery import Task, current_app
from django.db import transaction
from django.utils import timezone

from registry.outbox.models import OutboxMessage

logger = logging.getLogger(__name__)

# Three tries within about a second before a web request gives up and leaves the task to
# the sweep; Celery's default retries for much longer. (A broker host that does not answer
# at all is bounded by CELERY_BROKER_CONNECTION_TIMEOUT.)
PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
# Rows published per sweep: a broker that comes back after an hour is not flooded at once.
BATCH_SIZE = 200
# A row younger than this is left to the after-commit publish of the process that wrote it.
GRACE = datetime.timedelta(seconds=10)


@dataclass
class Delays:
    """The tasks the broker did not take during one ``watch()``."""

    tasks: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.tasks)


_watching: contextvars.ContextVar[Delays | None] = contextvars.ContextVar(
    "outbox_watching", default=None
)


@contextmanager
def watch() -> Iterator[Delays]:
    """Collect the tasks that could not be published inside the block (a request, a
    command): the caller tells the person that the mail or export follows shortly."""
    delays = Delays()
    token = _watching.set(delays)
    try:
        yield delays
    finally:
        _watching.reset(token)


def delayed() -> bool:
    """Whether a task enqueued in the current ``watch()`` is still waiting for the broker."""
    delays = _watching.get()
    return bool(delays)


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Queue ``task(*args, **kwargs)`` to run once the current transaction commits, with
    the promise kept in the database: if the broker does not take it now, it is published
    later. Arguments must be JSON (ids, not objects)."""
    if current_app.conf.task_always_eager:
        # No broker (the quick start, the tests): run in-process after commit, as Celery's
        # own delay_on_commit does, errors propagating.
        transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs))
        return
    message = OutboxMessage.objects.create(task=task.name, args=list(args), kwargs=kwargs)
    delays = _watching.get()
    transaction.on_commit(lambda: _publish_after_commit(message.pk, delays))


def _publish_after_commit(message_id: int, delays: Delays | None) -> None:
    try:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=message_id)
                .first()
            )
            if message is None:  # published by a sweep already
                return
            if _publish(message):
                return
    except Exception:
        # The database itself failed: the row is there (committed) and the sweep finds it.
        logger.exception("Outbox message %s: publish after commit failed", message_id)
    if delays is not None:
        delays.tasks.append(str(message_id))


def _publish(message: OutboxMessage) -> bool:
    """Hand one locked row to the broker; delete it if taken, count the attempt if not."""
    try:
        current_app.send_task(
            message.task,
            args=message.args,
            kwargs=message.kwargs,
            retry=True,
            retry_policy=PUBLISH_RETRY_POLICY,
        )
    except Exception as error:  # kombu's and the transports' errors of any kind
        logger.warning("Outbox message %s (%s) not published: %s", message.pk, message.task, error)
        message.attempts += 1
        message.last_attempt_at = timezone.now()
        message.last_error = (f"{type(error).__name__}: {error}")[:300]
        message.save(update_fields=["attempts", "last_attempt_at", "last_error"])
        return False
    message.delete()
    return True


def outbox_publish_pending(*, limit: int = BATCH_SIZE, grace: datetime.timedelta = GRACE) -> int:
    """Publish up to ``limit`` waiting rows, oldest first; stops at the first the broker
    refuses (it is down: the rest would fail the same way). Rows another process is
    publishing are skipped (row locks), so two workers never publish the same row. Returns
    how many were published."""
    published = 0
    with transaction.atomic():
        waiting = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
            created_at__lte=timezone.now() - grace
        )[:limit]
        for message in waiting:
            if not _publish(message):
                break
            published += 1
    if published:
        logger.info("Outbox: published %s waiting task(s)", published)
    return published
