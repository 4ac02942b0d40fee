"""A real Celery worker on the Redis broker builds an access export end to end."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from django.conf import settings

from gdpr.exports import services as exports
from gdpr.models import DataExport, RequestEvent, RequestKind
from gdpr.requests.services import request_file
from registry.celery import app as celery_app

from .distinctive import use_private_storage

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL, reason="needs CELERY_BROKER_URL (CI sets it)"
    ),
]


@pytest.fixture
def celery_worker():
    from celery.contrib.testing.worker import start_worker

    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def wait_for(condition, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.2)


def test_a_real_worker_builds_an_export(member, staff, monkeypatch, tmp_path, celery_worker):
    storage = use_private_storage(monkeypatch, tmp_path / "private")
    request = request_file(subject=member, kind=RequestKind.ACCESS, actor=member)
    # Autocommit: the build is queued when export_start's transaction commits.
    export = exports.export_start(request, actor=staff)

    # No result backend: the database and the storage are the proof the worker ran.
    def ready() -> bool:
        return DataExport.objects.filter(pk=export.pk, status=DataExport.Status.READY).exists()

    wait_for(ready)
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY, export.error
    assert export.attempts == 1
    assert export.progress == 100
    with storage.open(export.file.name, "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    assert member.email in archive.read("data.json").decode()
    assert archive.read("report.pdf").startswith(b"%PDF")
    assert RequestEvent.objects.filter(
        request=request, action=RequestEvent.Action.EXPORT_READY
    ).exists()
