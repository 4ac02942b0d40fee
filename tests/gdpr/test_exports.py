"""Access and portability exports: starting, building in Celery, retries, expiry."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
import time
import zipfile

import psycopg
import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import LoginEvent
from gdpr.exports import archive as export_archive
from gdpr.exports import liveness
from gdpr.exports import services as exports
from gdpr.models import DataExport, RequestEvent, RequestKind, RetentionRun
from gdpr.notice.document import controller_contact
from gdpr.requests.services import RequestError
from gdpr.tasks import EXPORT_BUILD_RETRIES, build_export, purge_expired_exports
from organizations import services as organizations
from registry.celery import app as celery_app
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .distinctive import use_private_storage
from .factories import DataSubjectRequestFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)"
)


@pytest.fixture
def storage(monkeypatch, tmp_path):
    return use_private_storage(monkeypatch, tmp_path / "private")


@pytest.fixture(autouse=True)
def quick_pdf(monkeypatch):
    """WeasyPrint takes seconds a page; the completeness test renders the real PDF."""
    monkeypatch.setattr(export_archive, "html_to_pdf", lambda html: b"%PDF-1.7 test")


@pytest.fixture
def access_request(member):
    return DataSubjectRequestFactory(subject=member, kind=RequestKind.ACCESS)


@pytest.fixture
def export(access_request, member) -> DataExport:
    return DataExport.objects.create(request=access_request, subject=member, language="en")


def files_of(storage, export: DataExport) -> list[str]:
    try:
        return storage.listdir(f"gdpr/exports/{export.pk}")[1]
    except FileNotFoundError:
        return []


def events(request, action: str) -> int:
    return RequestEvent.objects.filter(request=request, action=action).count()


def read_zip(export: DataExport) -> zipfile.ZipFile:
    with export.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


# --- Starting -----------------------------------------------------------------------------


def test_it_starts_an_export_in_the_subjects_language_and_builds_it_after_commit(
    storage, access_request, member, staff, django_capture_on_commit_callbacks
):
    member.preferred_language = "sv"
    member.save(update_fields=["preferred_language"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        export = exports.export_start(access_request, actor=staff)
        assert export.status == DataExport.Status.PENDING
    assert callbacks, "the build is queued on commit, not before"
    export.refresh_from_db()
    assert export.language == "sv"
    assert export.status == DataExport.Status.READY
    assert events(access_request, RequestEvent.Action.EXPORT_REQUESTED) == 1
    assert events(access_request, RequestEvent.Action.EXPORT_READY) == 1


def test_starting_twice_gives_one_export(storage, access_request, staff):
    first = exports.export_start(access_request, actor=staff)
    second = exports.export_start(access_request, actor=staff)
    assert first.pk == second.pk
    assert DataExport.objects.filter(request=access_request).count() == 1
    assert events(access_request, RequestEvent.Action.EXPORT_REQUESTED) == 1


def test_it_answers_a_portability_request_too(storage, member, staff):
    request = DataSubjectRequestFactory(subject=member, kind=RequestKind.PORTABILITY)
    assert exports.export_start(request, actor=staff).request == request


@pytest.mark.parametrize("kind", [RequestKind.ERASURE, RequestKind.RECTIFICATION])
def test_it_refuses_other_kinds_of_request(member, staff, kind):
    request = DataSubjectRequestFactory(subject=member, kind=kind)
    with pytest.raises(RequestError):
        exports.export_start(request, actor=staff)
    assert not DataExport.objects.exists()


def test_it_refuses_a_request_without_an_account(staff):
    request = DataSubjectRequestFactory(subject=None, subject_name="Kirjeen Kirjoittaja")
    with pytest.raises(RequestError):
        exports.export_start(request, actor=staff)


# --- Building -----------------------------------------------------------------------------


def test_the_build_stores_one_complete_zip_and_sets_expiry_with_readiness(storage, export, member):
    before = timezone.now()
    build_export.delay(str(export.pk))
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    assert export.progress == 100
    assert export.ready_at >= before
    assert export.expires_at == export.ready_at + datetime.timedelta(
        days=settings.DATA_EXPORT_VALID_DAYS
    )
    assert files_of(storage, export) == [export.file.name.rsplit("/", 1)[1]]
    archive = read_zip(export)
    names = set(archive.namelist())
    assert {"data.json", "schema.json", "report.html", "report.pdf", "README.txt"} <= names
    assert "tables/accounts.User.csv" in names
    with export.file.open("rb") as handle:
        content = handle.read()
    assert export.size == len(content)
    assert export.sha256 == hashlib.sha256(content).hexdigest()


def test_running_the_task_twice_gives_one_export_and_one_file(storage, export, access_request):
    build_export.delay(str(export.pk))
    export.refresh_from_db()
    first_file = export.file.name
    build_export.delay(str(export.pk))
    export.refresh_from_db()
    assert export.file.name == first_file
    assert export.attempts == 1
    assert len(files_of(storage, export)) == 1
    assert events(access_request, RequestEvent.Action.EXPORT_READY) == 1


@contextlib.contextmanager
def build_lock_held_elsewhere(export_id):
    """Another worker's live build: its database session holds the export's build lock
    (a session of its own, as another process would have). Yields that session's
    connection; closing it is what a killed worker's death does."""
    if connection.vendor != "postgresql":
        yield None
        return
    other = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [liveness._key(export_id)])
        yield other
    finally:
        other.close()


def wait_until_released(export_id) -> None:
    """PostgreSQL ends a closed session (and frees its locks) a moment after the close."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with liveness.build_lock(export_id) as free:
            if free:
                return
        time.sleep(0.05)
    raise AssertionError("the dead session's lock was never released")


def test_it_leaves_an_export_being_built_by_another_worker_alone(storage, export):
    DataExport.objects.filter(pk=export.pk).update(
        status=DataExport.Status.RUNNING, started_at=timezone.now(), attempts=1
    )
    with build_lock_held_elsewhere(export.pk):
        exports.export_build(export.pk)
    export.refresh_from_db()
    assert export.status == DataExport.Status.RUNNING
    assert export.attempts == 1
    assert files_of(storage, export) == []


def test_it_takes_over_a_build_older_than_the_task_time_limit(storage, export):
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    DataExport.objects.filter(pk=export.pk).update(
        status=DataExport.Status.RUNNING, started_at=long_ago, attempts=1
    )
    exports.export_build(export.pk)
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    assert export.attempts == 2


@on_postgresql
def test_a_redelivered_build_takes_over_from_a_worker_that_died(storage, export, access_request):
    """A worker killed mid-build (SIGKILL) leaves the export RUNNING at 88 % and maybe a
    file it was writing; its session, and the lock with it, is gone. The redelivered task
    (acks_late) builds the export at once, not after the task's time limit."""
    with build_lock_held_elsewhere(export.pk) as dying_worker:
        DataExport.objects.filter(pk=export.pk).update(
            status=DataExport.Status.RUNNING, started_at=timezone.now(), progress=88, attempts=1
        )
        storage.save(f"gdpr/exports/{export.pk}/half-written.zip", io.BytesIO(b"PK\x03"))
        exports.export_build(export.pk)  # delivered while the first one still lives
        assert DataExport.objects.get(pk=export.pk).status == DataExport.Status.RUNNING
        dying_worker.close()  # SIGKILL: the process and its session are gone
        wait_until_released(export.pk)
    build_export.delay(str(export.pk))  # the redelivery
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    assert export.progress == 100
    assert export.attempts == 2
    assert files_of(storage, export) == [export.file.name.rsplit("/", 1)[1]]
    assert DataExport.objects.filter(request=access_request).count() == 1
    assert events(access_request, RequestEvent.Action.EXPORT_READY) == 1


def test_a_worker_whose_build_was_taken_over_stores_nothing(storage, export, monkeypatch):
    def taken_over(html):
        # Another worker claims the export while this one renders.
        DataExport.objects.filter(pk=export.pk).update(attempts=99)
        return b"%PDF"

    monkeypatch.setattr(export_archive, "html_to_pdf", taken_over)
    exports.export_build(export.pk)
    export.refresh_from_db()
    assert export.status == DataExport.Status.RUNNING
    assert not export.file
    assert files_of(storage, export) == []


def test_progress_and_status_are_written_while_the_build_runs(storage, export, monkeypatch):
    seen = []

    def spy(html):
        seen.append(DataExport.objects.values_list("status", "progress").get(pk=export.pk))
        return b"%PDF"

    monkeypatch.setattr(export_archive, "html_to_pdf", spy)
    exports.export_build(export.pk)
    status, progress = seen[0]
    assert status == DataExport.Status.RUNNING
    assert export_archive.TABLES_DONE <= progress < 100


@pytest.fixture
def retries_in_process():
    """Eager tasks retry in-process only when their errors are not raised to the caller
    (a real worker retries after the backoff; see test_worker_export.py)."""
    previous = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = previous


def test_a_failure_half_way_is_retried_and_never_exposes_a_partial_zip(
    storage, export, monkeypatch, retries_in_process
):
    calls = []

    def fails_once(html):
        calls.append(files_of(storage, export))
        if len(calls) == 1:
            raise OSError("font cache locked")
        return b"%PDF"

    monkeypatch.setattr(export_archive, "html_to_pdf", fails_once)
    build_export.delay(str(export.pk))
    export.refresh_from_db()
    # Half-way through both attempts nothing was in storage yet.
    assert calls == [[], []]
    assert export.status == DataExport.Status.READY
    assert export.attempts == 2
    assert len(files_of(storage, export)) == 1


def test_a_build_that_keeps_failing_ends_failed_with_no_file(
    storage, export, access_request, monkeypatch, retries_in_process
):
    def always_fails(html):
        raise OSError("disk full")

    monkeypatch.setattr(export_archive, "html_to_pdf", always_fails)
    result = build_export.delay(str(export.pk))
    with pytest.raises(OSError, match="disk full"):
        result.get()
    export.refresh_from_db()
    assert export.status == DataExport.Status.FAILED
    assert export.attempts == EXPORT_BUILD_RETRIES + 1
    assert "disk full" in export.error
    assert not export.file
    assert files_of(storage, export) == []
    failed = RequestEvent.objects.get(
        request=access_request, action=RequestEvent.Action.EXPORT_FAILED
    )
    assert failed.internal
    with pytest.raises(exports.ExportNotReady):
        exports.export_open(export, user=access_request.subject, ip=None)


def test_starting_a_failed_export_again_builds_it(
    storage, export, access_request, staff, django_capture_on_commit_callbacks
):
    DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.FAILED, attempts=6)
    with django_capture_on_commit_callbacks(execute=True):
        exports.export_start(access_request, actor=staff)
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    assert export.attempts == 7


def test_the_subject_is_mailed_when_the_export_is_ready(
    storage, export, member, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        exports.export_build(export.pk)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [member.email]
    assert exports.export_download_url(export) in message.body


def test_the_query_count_of_a_build_does_not_grow_with_the_rows(storage, member, staff):
    organization = organization_with_admin(name="Kyselykerho ry")
    membership = add_member(organization, member)
    viewer = UserFactory()

    def build() -> int:
        request = DataSubjectRequestFactory(subject=member, kind=RequestKind.ACCESS)
        export = DataExport.objects.create(request=request, subject=member, language="fi")
        with CaptureQueriesContext(connection) as queries:
            exports.export_build(export.pk)
        export.refresh_from_db()
        assert export.status == DataExport.Status.READY
        return len(queries)

    LoginEvent.objects.create(user=member, outcome=LoginEvent.Outcome.SUCCESS)
    organizations.member_data_view_record(viewer=viewer, membership=membership)
    few = build()
    for _ in range(30):
        LoginEvent.objects.create(user=member, outcome=LoginEvent.Outcome.SUCCESS)
        organizations.member_data_view_record(viewer=viewer, membership=membership)
    assert build() == few


# --- Expiry -------------------------------------------------------------------------------


@pytest.fixture
def ready_export(storage, export) -> DataExport:
    exports.export_build(export.pk)
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    return export


def test_the_purge_deletes_expired_exports_and_logs_it(storage, ready_export, access_request):
    name = ready_export.file.name
    later = ready_export.expires_at + datetime.timedelta(minutes=1)
    assert exports.exports_purge_expired(now=later) == 1
    ready_export.refresh_from_db()
    assert ready_export.status == DataExport.Status.EXPIRED
    assert ready_export.deleted_at == later
    assert not ready_export.file
    assert not storage.exists(name)
    assert events(access_request, RequestEvent.Action.EXPORT_EXPIRED) == 1
    # Idempotent: a second run finds nothing to do.
    assert exports.exports_purge_expired(now=later) == 0
    assert events(access_request, RequestEvent.Action.EXPORT_EXPIRED) == 1


def test_the_purge_leaves_exports_that_are_still_valid(storage, ready_export):
    assert purge_expired_exports.delay().get() == 0
    ready_export.refresh_from_db()
    assert ready_export.status == DataExport.Status.READY
    assert storage.exists(ready_export.file.name)


def test_the_hourly_purge_is_a_logged_retention_run(storage, ready_export):
    with time_machine.travel(ready_export.expires_at + datetime.timedelta(minutes=1)):
        assert purge_expired_exports.delay().get() == 1
        assert purge_expired_exports.delay().get() == 0
    runs = RetentionRun.objects.filter(job="gdpr.expired_exports").order_by("pk")
    assert [run.counts for run in runs] == [{"gdpr.DataExport": 1}, {}]
    assert {run.status for run in runs} == {RetentionRun.Status.DONE}


def test_the_purge_runs_hourly():
    schedule = settings.CELERY_BEAT_SCHEDULE["purge-expired-exports"]
    assert schedule["task"] == purge_expired_exports.name
    assert schedule["schedule"] == 60 * 60


def test_an_expired_export_is_not_built_again(storage, ready_export):
    exports.export_expire(ready_export, now=ready_export.expires_at)
    exports.export_build(ready_export.pk)
    ready_export.refresh_from_db()
    assert ready_export.status == DataExport.Status.EXPIRED
    assert files_of(storage, ready_export) == []


def test_opening_an_expired_export_deletes_its_file_at_once(storage, ready_export, member):
    name = ready_export.file.name
    DataExport.objects.filter(pk=ready_export.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    ready_export.refresh_from_db()
    with pytest.raises(exports.ExportExpired):
        exports.export_open(ready_export, user=member, ip="192.0.2.1")
    assert not storage.exists(name)
    ready_export.refresh_from_db()
    assert ready_export.status == DataExport.Status.EXPIRED


# --- Controller contact ---------------------------------------------------------------------


def test_the_controller_contact_comes_from_settings_until_saved_in_the_admin(settings):
    from gdpr.models import ControllerDetails

    settings.CONTROLLER_NAME = "Ilmailurekisteri Oy"
    settings.CONTROLLER_EMAIL = "tietosuoja@example.fi"
    assert controller_contact()["name"] == "Ilmailurekisteri Oy"
    ControllerDetails.objects.create(
        name="Rekisteri Oy",
        email="info@example.fi",
        privacy_contact_email="privacy@example.fi",
        street_address="Lentäjäntie 1",
        postal_code="01530",
        city="Vantaa",
    )
    contact = controller_contact()
    assert contact["name"] == "Rekisteri Oy"
    assert contact["email"] == "privacy@example.fi"
    assert contact["address"] == "Lentäjäntie 1, 01530 Vantaa"


def test_the_export_names_the_controller(storage, ready_export, settings):
    data = json.loads(read_zip(ready_export).read("data.json"))
    assert data["information"]["controller"]["name"] == settings.CONTROLLER_NAME


# --- On PostgreSQL: concurrent workers, committed progress -----------------------------------


def in_other_connection(function):
    """Run ``function`` in a thread, i.e. on its own database connection, like a second
    worker or the web process would."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def run():
        try:
            return function()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_build_one_export(member):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    request = DataSubjectRequestFactory(subject=member, kind=RequestKind.ACCESS)
    export = DataExport.objects.create(request=request, subject=member)
    barrier = threading.Barrier(4)

    tried = threading.Barrier(4)

    def claim():
        barrier.wait()
        try:
            # As export_build does: the claim is made holding the build lock, which the
            # winner keeps until the others have tried.
            with liveness.build_lock(export.pk) as free:
                claimed = free and exports._claim(export.pk) is not None
                tried.wait()
                return claimed
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        claimed = list(pool.map(lambda _: claim(), range(4)))
    assert sorted(claimed) == [False, False, False, True]
    export.refresh_from_db()
    assert export.attempts == 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_progress_is_committed_while_the_build_runs(member, monkeypatch, tmp_path):
    use_private_storage(monkeypatch, tmp_path / "private")
    request = DataSubjectRequestFactory(subject=member, kind=RequestKind.ACCESS)
    export = DataExport.objects.create(request=request, subject=member)
    seen = []

    def spy(html):
        # What the subject's page (another connection) sees half-way through the build.
        seen.append(
            in_other_connection(
                lambda: DataExport.objects.values_list("status", "progress").get(pk=export.pk)
            )
        )
        return b"%PDF"

    monkeypatch.setattr(export_archive, "html_to_pdf", spy)
    exports.export_build(export.pk)
    assert seen == [(DataExport.Status.RUNNING, export_archive.HTML_DONE)]
    assert (
        in_other_connection(lambda: DataExport.objects.get(pk=export.pk).status)
        == DataExport.Status.READY
    )
