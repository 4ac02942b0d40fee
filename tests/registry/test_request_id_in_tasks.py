"""A task enqueued during a request logs with that request's id, on a real worker."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from registry.celery import app as celery_app
from registry.request_log import request_id

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL, reason="needs CELERY_BROKER_URL (CI sets it)"
    ),
]

seen: list[str | None] = []


@celery_app.task(name="tests.registry.remember_request_id")
def remember_request_id() -> None:
    seen.append(request_id.get())


@pytest.fixture
def celery_worker():
    from celery.contrib.testing.worker import start_worker

    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def test_the_worker_runs_the_task_with_the_requests_id(celery_worker):
    seen.clear()
    token = request_id.set("req-0123456789abcdef")
    try:
        remember_request_id.delay()
    finally:
        request_id.reset(token)
    remember_request_id.delay()  # enqueued outside any request
    deadline = time.monotonic() + 30
    while len(seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert seen == ["req-0123456789abcdef", None]
