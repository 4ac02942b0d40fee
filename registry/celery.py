"""The Celery application: configured from Django settings with the CELERY_ prefix."""

from __future__ import annotations

import os

from celery import Celery, Task
from celery.signals import before_task_publish, task_postrun, task_prerun, worker_process_init

from registry.request_log import request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")

app = Celery("registry")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# The id of the request that enqueued a task travels in the message's headers, so the
# task's log lines carry it too (registry/request_log.py).
@before_task_publish.connect
def _send_request_id(headers: dict | None = None, **_: object) -> None:
    rid = request_id.get()
    if rid and headers is not None:
        headers.setdefault("request_id", rid)


@task_prerun.connect
def _take_request_id(task: Task | None = None, **_: object) -> None:
    rid = getattr(task.request, "request_id", None) if task is not None else None
    # An eager task runs inside the request and keeps its id.
    if rid:
        request_id.set(rid)


@task_postrun.connect
def _forget_request_id(task: Task | None = None, **_: object) -> None:
    if task is not None and not task.request.is_eager:
        request_id.set(None)


@worker_process_init.connect
def _load_pdf_renderer(**_: object) -> None:
    """Load WeasyPrint (pango, fonts: about two seconds) when a worker process starts, not
    inside the first access export or invoice it builds."""
    from registry.pdf import preload

    preload()
