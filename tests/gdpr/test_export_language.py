"""The answer to an access request is in the person's language and in plain form: ISO 8601
in data.json and the CSVs; in the report the person's language, dates as the pages write
them (5.12.2026), every step in words of that language — whatever language the handler
used — and the audit trail in sentences."""

from __future__ import annotations

import csv
import datetime
import html
import io
import json
import re
import zipfile
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.text import capfirst

from accounts.sources import DataSource
from communications.services import communication_log_email
from gdpr.audit import REDACTED, acting_as
from gdpr.exports import archive as export_archive
from gdpr.exports import data as export_data
from gdpr.marketing.consents import EMAIL_OFFERS, consent_give
from gdpr.models import AuditEntry, DataExport, IdentityMethod, RequestChannel, RequestKind
from gdpr.requests.emails import _mail_summary
from gdpr.requests.services import request_file, request_start, request_verify_identity

from .distinctive import use_private_storage

pytestmark = pytest.mark.django_db

# 5 December 2026, 9:09 in Helsinki: 12/05/2026 in American order, 5.12.2026 here.
RECEIVED = datetime.datetime(2026, 12, 5, 9, 9, tzinfo=ZoneInfo("Europe/Helsinki"))


@pytest.fixture(autouse=True)
def quick_pdf(monkeypatch):
    monkeypatch.setattr(export_archive, "html_to_pdf", lambda html: b"%PDF-1.7 test")


@pytest.fixture(autouse=True)
def storage(monkeypatch, tmp_path):
    return use_private_storage(monkeypatch, tmp_path / "private")


def answer(member, staff, language: str, django_capture_on_commit_callbacks):
    """An access request by email, verified and started by a Finnish-speaking handler, the
    member's city changed by that handler the same day; the export's files."""
    member.preferred_language = language
    member.city = "Espoo"
    member.save(update_fields=["preferred_language", "city"])
    with time_machine.travel(RECEIVED, tick=False):
        with acting_as(staff):
            member.city = "Tampere"
            member.save(update_fields=["city"])
        request = request_file(
            subject=member, kind=RequestKind.ACCESS, actor=staff, channel=RequestChannel.EMAIL
        )
        with translation.override("fi"), django_capture_on_commit_callbacks(execute=True):
            request_verify_identity(
                request, method=IdentityMethod.KNOWN_EMAIL, note="Vastasi viestiin.", actor=staff
            )
            request_start(request, actor=staff)
    assert AuditEntry.objects.filter(subject=member, changes__has_key="city").exists()
    export = DataExport.objects.get(request=request)
    assert export.status == DataExport.Status.READY, export.error
    with export.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    return request, {name: archive.read(name) for name in archive.namelist()}


def csv_rows(files, label: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[f"tables/{label}.csv"].decode("utf-8-sig"))))


def words(data, label: str) -> dict[str, str]:
    """Field name → the CSV column naming it, from data.json's field list."""
    return {f["name"]: capfirst(f["verbose_name"]) for f in data["records"][label]["fields"]}


def test_an_english_export_reads_in_english_with_iso_data_and_local_dates(
    client, member, staff, django_capture_on_commit_callbacks
):
    request, files = answer(member, staff, "en", django_capture_on_commit_callbacks)
    data = json.loads(files["data.json"])
    report = files["report.html"].decode()

    # data.json: ISO 8601, field names, the step as a phrase key and its values.
    assert data["language"] == "en"
    assert data["request"]["received_at"] == "2026-12-05T07:09:00+00:00"
    datetime.datetime.fromisoformat(data["generated_at"])
    steps = data["records"]["gdpr.RequestEvent"]["rows"]
    verified = next(s for s in steps if s["action"] == "identity_verified")
    assert (verified["phrase"], verified["params"], verified["note"]) == (
        "identity_verified",
        {"method": "known_email"},
        "Vastasi viestiin.",
    )
    assert all(datetime.datetime.fromisoformat(s["at"]) for s in steps)

    # The CSVs: headers in words, dates in ISO 8601.
    columns = words(data, "gdpr.DataSubjectRequest")
    [row] = csv_rows(files, "gdpr.DataSubjectRequest")
    assert columns["received_at"] == "Received"
    assert row["Received"] == "2026-12-05T07:09:00+00:00"
    assert row[columns["due_on"]] == request.due_on.isoformat()
    assert "received_at" not in row

    # The report: English words for a step the handler took in Finnish, dates as the
    # pages write them, the audit trail in sentences.
    assert '<html lang="en">' in report
    assert "Sent from the email address on file, confirmed by reply: Vastasi viestiin." in report
    assert "Lähetetty rekisterissä" not in report
    assert "5.12.2026" in report
    for american in ("12/05/2026", "a.m.", "p.m."):
        assert american not in report
    assert "City changed from Espoo to Tampere by another person on 5.12.2026" in report
    assert '"city"' not in report  # no raw JSON diff

    # The request's page, read by the person in English, says the same.
    client.force_login(member)
    page = client.get(
        reverse("gdpr:request_detail", kwargs={"public_id": request.public_id})
    ).content.decode()
    assert "Sent from the email address on file, confirmed by reply: Vastasi viestiin." in page
    assert "Lähetetty rekisterissä" not in page


def test_a_finnish_export_reads_in_finnish_with_the_same_data(
    member, staff, django_capture_on_commit_callbacks
):
    _request, files = answer(member, staff, "fi", django_capture_on_commit_callbacks)
    data = json.loads(files["data.json"])
    report = files["report.html"].decode()

    assert data["language"] == "fi"
    assert data["request"]["received_at"] == "2026-12-05T07:09:00+00:00"
    columns = words(data, "gdpr.DataSubjectRequest")
    [row] = csv_rows(files, "gdpr.DataSubjectRequest")
    assert columns["received_at"] != "received_at"
    assert row[columns["received_at"]] == "2026-12-05T07:09:00+00:00"

    assert '<html lang="fi">' in report
    with translation.override("fi"):
        method = str(IdentityMethod.KNOWN_EMAIL.label)
    assert f"{method}: Vastasi viestiin." in report
    assert "Sent from the email address" not in report
    assert "5.12.2026" in report


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_language_writes_dates_as_the_pages_do(language):
    moment = RECEIVED.astimezone(ZoneInfo("Europe/Helsinki"))
    with translation.override(language):
        assert formats.date_format(moment.date(), "SHORT_DATE_FORMAT") == "5.12.2026"
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "5.12.2026 09:09"
        assert formats.date_format(moment.date()) == "5.12.2026"


def test_the_audit_trail_reads_as_sentences_of_every_kind(member, staff):
    at = RECEIVED
    entries = [
        AuditEntry.objects.create(
            at=at,
            actor=member,
            subject=member,
            action=AuditEntry.Action.CHANGED,
            model="accounts.user",
            object_id=str(member.pk),
            changes={"city": [None, "Tampere"], "street_address": ["Kuja 1", ""]},
        ),
        AuditEntry.objects.create(
            at=at,
            actor=None,
            subject=member,
            action=AuditEntry.Action.CHANGED,
            model="accounts.user",
            object_id=str(member.pk),
            changes={"password": [REDACTED, REDACTED], "is_active": [True, False]},
        ),
    ]
    with translation.override("en"):
        table = next(t for t in export_data.tables() if t.label == "gdpr.AuditEntry")
        writer = export_data.RowWriter(table, member, export_data.Collected())
        texts = [dict(writer.row(entry)[1]) for entry in entries]
        changes = str(AuditEntry._meta.get_field("changes").verbose_name)
        record = str(AuditEntry._meta.get_field("model").verbose_name)
    assert texts[0][changes].split("\n") == [
        "City set to Tampere by you on 5.12.2026",
        "Street address cleared (was Kuja 1) by you on 5.12.2026",
    ]
    # A secret is said to have changed, never what to; the service acted alone.
    assert texts[1][changes].split("\n") == [
        "Password changed by the service on 5.12.2026",
        "Active changed from yes to no by the service on 5.12.2026",
    ]
    assert texts[0][record] == "User"
    # data.json keeps the stored form.
    assert writer.row(entries[0])[0]["changes"] == {
        "city": [None, "Tampere"],
        "street_address": ["Kuja 1", ""],
    }


def report_text(files) -> str:
    """report.html as text: tags out, entities decoded, one line per cell."""
    body = files["report.html"].decode()
    return html.unescape(re.sub(r"<[^>]+>", "\n", body))


def test_an_english_report_says_every_value_as_the_pages_do(
    member, staff, django_capture_on_commit_callbacks
):
    with time_machine.travel(RECEIVED, tick=False):
        with acting_as(member):
            member.country = "SE"
            member.date_of_birth = datetime.date(1999, 6, 30)
            member.save(update_fields=["country", "date_of_birth"])
        consent_give(
            member, purpose=EMAIL_OFFERS, language="en", source=DataSource.SUBJECT, actor=member
        )
        earlier = request_file(subject=member, kind=RequestKind.RECTIFICATION, actor=member)
        communication_log_email(
            organization=None,
            subject=member,
            counterpart=member.email,
            subject_line="Your request",
            summary=_mail_summary(earlier, "en"),
            related=earlier,
        )
    request, files = answer(member, staff, "en", django_capture_on_commit_callbacks)
    data = json.loads(files["data.json"])
    report = report_text(files)
    with translation.override("en"):
        joined = formats.date_format(
            timezone.localtime(member.date_joined), "SHORT_DATETIME_FORMAT"
        )

    # The audit trail: choices by their label, dates as the pages write them, countries by
    # name, people as "you" or "another person".
    for sentence in (
        "Date of birth changed from 17.5.1985 to 30.6.1999 by you on 5.12.2026",
        "Country changed from Finland to Sweden by you on 5.12.2026",
        "Preferred language changed from Finnish to English",
        "Purpose set to Newsletters and offers by email by you on 5.12.2026",
        "Given set to 5.12.2026 09:09 by you on 5.12.2026",
        "Identity verified by set to another person by another person on 5.12.2026",
        f"Date joined set to {joined} by the service",
    ):
        assert sentence in report, sentence
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", report)  # no ISO time in the report
    for raw in ("set to SE ", "from FI", "set to email_offers", "from fi to en", "set to en "):
        assert raw not in report, raw

    # The request's two identity fields are told apart, in the report and the CSV.
    assert "Identity verification method" in report
    header = next(csv.reader(io.StringIO(files["tables/gdpr.DataSubjectRequest.csv"].decode())))
    assert "Identity verification method" in header
    assert "Identity verified by (number)" in header
    assert not [column for column in header if "(identity_" in column]

    # A step names its request by kind and date, in the report and in the CSV's label column.
    step_row = csv_rows(files, "gdpr.RequestEvent")[-1]
    assert step_row["Request (number)"] == str(request.pk)
    assert step_row["Request"] == "Data-subject request of 5.12.2026"
    assert f"#{request.pk}" not in report

    # A mail about a request is logged in words and names the request it concerns.
    [mail] = csv_rows(files, "communications.CommunicationRecord")
    assert mail["Summary"] == "Automatic message about your request: Rectification (Art. 16)"
    concerns = report.split("What it concerns", 1)[1].split("\n")
    assert next(line for line in concerns if line.strip()) == "Data-subject request of 5.12.2026"

    # The export being built is this package: not listed in itself.
    assert "Being built" not in report
    exports = data["records"].get("gdpr.DataExport", {"rows": []})["rows"]
    built = DataExport.objects.get(request=request)
    assert str(built.pk) not in {r["id"] for r in exports}

    # data.json keeps the stored form.
    changes = [e["changes"] or {} for e in data["records"]["gdpr.AuditEntry"]["rows"]]
    assert ["FI", "SE"] in [c.get("country") for c in changes]
    assert ["1985-05-17", "1999-06-30"] in [c.get("date_of_birth") for c in changes]
    assert [None, "email_offers"] in [c.get("purpose") for c in changes]
    step = data["records"]["gdpr.RequestEvent"]["rows"][-1]
    assert step["request"] == {"model": "gdpr.DataSubjectRequest", "id": request.pk}
    [mail_row] = data["records"]["communications.CommunicationRecord"]["rows"]
    assert mail_row["related_object"] == f"gdpr.datasubjectrequest:{earlier.pk}"
