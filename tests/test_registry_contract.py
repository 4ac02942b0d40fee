"""The personal-data declarations are the whole contract between an app and gdpr.

``tests.flightlog`` exists only in the tests and declares one model with personal data
through ``gdpr.api``, the way every app of the product does. With no line under ``gdpr/``
naming it, its rows are exported, erased, listed in the privacy notice and the records of
processing, and purged by its own retention job.
"""

from __future__ import annotations

import datetime
import io
import pathlib
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from gdpr.erasure.services import erasure_execute, erasure_plan
from gdpr.exports import archive as export_archive
from gdpr.exports import services as exports
from gdpr.models import DataExport, DataSubjectRequest, RequestKind, RequestStatus
from gdpr.notice.records import records_of_processing
from gdpr.requests.services import request_file
from gdpr.retention.jobs import registered_jobs, run_all_jobs
from tests.factories import StaffFactory, UserFactory
from tests.flightlog.models import FlightLogEntry
from tests.gdpr.distinctive import use_private_storage

pytestmark = pytest.mark.django_db

REMARKS = "Zqflightlog7x crosswind landing at EFHF, runway 29"


@pytest.fixture(autouse=True)
def _private_files(monkeypatch, tmp_path):
    use_private_storage(monkeypatch, tmp_path / "private")


@pytest.fixture
def pilot(db):
    pilot = UserFactory(preferred_language="en")
    FlightLogEntry.objects.create(
        pilot=pilot, aircraft="OH-PDX", flown_on=timezone.localdate(), remarks=REMARKS
    )
    return pilot


def test_nothing_under_gdpr_names_the_app():
    gdpr = pathlib.Path(__file__).resolve().parent.parent / "gdpr"
    for path in gdpr.rglob("*"):
        if path.suffix in {".py", ".html", ".txt"}:
            text = path.read_text(encoding="utf-8").lower()
            assert "flightlog" not in text and "flight_log" not in text, path


def test_the_rows_are_in_the_access_export(pilot, monkeypatch):
    monkeypatch.setattr(export_archive, "html_to_pdf", lambda html: b"%PDF-1.7 test")
    request = request_file(subject=pilot, kind=RequestKind.ACCESS, actor=pilot)
    export = DataExport.objects.create(request=request, subject=pilot, language="en")
    exports.export_build(export.pk)
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY, export.error
    with export.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    data = archive.read("data.json").decode()
    assert REMARKS in data
    assert "flight log entries" in data.lower()
    assert any(REMARKS.encode() in archive.read(name) for name in archive.namelist())


def test_the_erasure_keeps_the_flight_and_removes_the_person(pilot):
    controller = StaffFactory()
    plan = erasure_plan(pilot)
    assert any("flightlog" in item.model.lower() and item.count == 1 for item in plan.anonymised)

    request = request_file(subject=pilot, kind=RequestKind.ERASURE, actor=pilot)
    DataSubjectRequest.objects.filter(pk=request.pk).update(status=RequestStatus.IN_PROGRESS)
    request.refresh_from_db()
    erasure_execute(request, actor=controller)

    entry = FlightLogEntry.objects.get()
    assert entry.pilot is None
    assert entry.remarks == ""
    assert entry.aircraft == "OH-PDX"


def test_the_privacy_notice_lists_it(client):
    page = client.get(reverse("gdpr:notice"))
    assert page.status_code == 200
    # In the reader's language (Finnish by default), from the app's own catalog.
    assert "Lentopäiväkirjan merkinnät" in page.content.decode()


def test_the_records_of_processing_list_it():
    records = records_of_processing("en")
    service = [a for a in records["activities"] if "Flight log entries" in a["data"]]
    assert service, records["activities"]
    assert any("365 days" in line for line in service[0]["erasure"])


def test_its_retention_job_runs_with_the_others():
    old = timezone.localdate() - datetime.timedelta(days=400)
    FlightLogEntry.objects.create(aircraft="OH-XYZ", flown_on=old)
    FlightLogEntry.objects.create(aircraft="OH-ABC", flown_on=timezone.localdate())

    assert "flightlog.old_entries" in [job.name for job in registered_jobs()]
    runs = {run.job: run for run in run_all_jobs()}

    assert runs["flightlog.old_entries"].counts == {"flightlog.FlightLogEntry": 1}
    assert list(FlightLogEntry.objects.values_list("aircraft", flat=True)) == ["OH-ABC"]
