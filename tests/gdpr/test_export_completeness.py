"""An export holds every one of the person's values — and nothing of anyone else's.

Two people, X and Y, get a distinctive value in every personal field of every registered
model (``distinctive.build_person``); X's export is searched for all of X's values and for
none of Y's.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils.text import capfirst

from gdpr.exports import archive as export_archive
from gdpr.exports import services as exports
from gdpr.models import DataExport, RequestKind
from gdpr.requests.services import request_file
from registry.csv_download import safe_cell
from tests.export_schema_check import validate

from .distinctive import DistinctivePerson, build_person, use_private_storage

pytestmark = pytest.mark.django_db


@dataclass
class Built:
    x: DistinctivePerson
    y: DistinctivePerson
    export: DataExport
    files: dict[str, bytes]

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.files["data.json"])

    def text(self, name: str) -> str:
        return self.files[name].decode("utf-8-sig")

    def csv_text(self) -> str:
        return "\n".join(self.text(n) for n in self.files if n.startswith("tables/"))


def as_json(value: str) -> str:
    """How a string appears inside data.json (a multi-line address: with \\n)."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


def contains(content: bytes, value: str) -> bool:
    return value.encode() in content or as_json(value).encode() in content


def build(
    monkeypatch,
    tmp_path,
    *,
    real_pdf: bool = False,
    prepare: Callable[[DistinctivePerson], None] | None = None,
) -> Built:
    use_private_storage(monkeypatch, tmp_path / "private")
    if not real_pdf:
        monkeypatch.setattr(export_archive, "html_to_pdf", lambda html: b"%PDF-1.7 test")
    x = build_person("X")
    y = build_person("Y")
    if prepare is not None:
        prepare(x)
    request = request_file(subject=x.user, kind=RequestKind.ACCESS, actor=x.user)
    export = DataExport.objects.create(
        request=request, subject=x.user, language=x.user.preferred_language
    )
    exports.export_build(export.pk)
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY, export.error
    with export.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    files = {name: archive.read(name) for name in archive.namelist()}
    return Built(x=x, y=y, export=export, files=files)


def test_the_export_holds_every_value_of_the_person_and_none_of_anyone_elses(monkeypatch, tmp_path):
    built = build(monkeypatch, tmp_path, real_pdf=True)
    data_json = built.text("data.json")
    tables = built.csv_text()
    report = built.text("report.html")

    missing_json = {k: v for k, v in built.x.values.items() if as_json(v) not in data_json}
    assert missing_json == {}, f"not in data.json: {missing_json}"
    missing_csv = {k: v for k, v in built.x.values.items() if v not in tables}
    assert missing_csv == {}, f"not in the CSV tables: {missing_csv}"
    # The readable report shows dates and times in the reader's format; every text is there.
    texts = {k: v for k, v in built.x.values.items() if v.lower().startswith("zq")}
    missing_html = {k: v for k, v in texts.items() if v not in report}
    assert missing_html == {}, f"not in report.html: {missing_html}"
    print(
        f"\nexport: all {len(built.x.values)} values of the person in data.json and the CSV"
        f" tables, {len(texts)} texts in the report; none of the other person's"
        f" {len(built.y.all_values())}, none of {len(built.x.secrets)} secrets"
    )

    # The other person: nowhere in any file of the ZIP (attachments and the PDF included).
    for name, content in built.files.items():
        for label, value in built.y.all_values().items():
            assert not contains(content, value), f"{label} of Y in {name}"
    # Secrets are held but never handed out, not even the person's own.
    for name, content in built.files.items():
        for label, value in built.x.secrets.items():
            assert not contains(content, value), f"secret {label} in {name}"

    assert built.files["report.pdf"].startswith(b"%PDF")
    # The person's attachments are copied: the communication record's letter and the
    # signed letter of their objection.
    attachments = [n for n in built.files if n.startswith("attachments/")]
    assert len(attachments) == 2
    assert all(built.files[n].startswith(b"Kirje Zq") for n in attachments)


def test_it_describes_the_processing_as_article_15_requires(monkeypatch, tmp_path):
    built = build(monkeypatch, tmp_path)
    information = built.data["information"]

    assert {"identity", "contact_details", "membership", "invoicing", "disclosures"} <= {
        c["key"] for c in information["categories"]
    }
    for category in information["categories"]:
        assert category["purposes"], category["key"]
        assert category["legal_basis"]["article"].startswith("Art. 6(1)")
        assert category["retention"]["text"]
        assert category["sources"]
        assert category["recipients"]
    assert {b["key"] for b in information["legal_bases"]} >= {"contract", "legal_obligation"}
    assert information["recipients"]
    assert {r["key"] for r in information["rights"]} == {
        "access",
        "rectification",
        "erasure",
        "restriction",
        "objection",
        "portability",
        "withdraw_consent",
    }
    assert information["complaint"]["url"] == "https://tietosuoja.fi"
    assert information["automated_decision_making"]["used"] is False
    assert information["controller"]["name"]

    # Sources recorded per datum: the profile field the controller corrected, the
    # membership and the contact-person record.
    recorded = information["sources"]["recorded"]
    assert {
        ("accounts.User", "city", "controller"),
        ("organizations.Membership", None, "subject"),
        ("organizations.ContactPerson", None, "organization_admin"),
    } <= {(s["record"], s["field"], s["source"]) for s in recorded}

    # Disclosures of their data are fully described.
    # The federation's magazine, and the claim handed over to a collection partner.
    by_recipient = {d["recipient"]: d for d in information["disclosures"]}
    assert set(by_recipient) == {"Ilmailuliitto ry", "Perintä Oy (2222221-0)"}
    disclosure = by_recipient["Ilmailuliitto ry"]
    assert disclosure["recipient"] == "Ilmailuliitto ry"
    assert disclosure["purpose"] == "Jäsenlehden jakelu"
    assert disclosure["legal_basis"] == "Art. 6(1)(b)"
    assert [c["key"] for c in disclosure["categories"]] == ["identity", "contact_details"]
    assert disclosure["starts_on"] == "2026-01-01"
    assert disclosure["outside_eea"] is False
    rows = built.data["records"]["gdpr.DisclosureSubject"]["rows"]
    assert sorted(row["disclosure"]["details"]["recipient"] for row in rows) == sorted(by_recipient)
    assert disclosure in [row["disclosure"]["details"] for row in rows]


def test_it_names_who_saw_the_data_and_no_other_people(monkeypatch, tmp_path):
    built = build(monkeypatch, tmp_path)
    records = built.data["records"]
    admin = built.x.admin

    # Art. 15(1)(c): who has seen the person's data, by name.
    (view,) = records["organizations.MemberDataView"]["rows"]
    assert view["viewer_name"] == admin.get_full_name()
    assert view["viewer"] == {"model": "accounts.User", "id": None, "label": "En annan person"}
    assert view["organization"]["label"] == built.x.organization.name

    # Anyone else who acted on their records is "another person", without an id.
    for invoice in records["billing.Invoice"]["rows"]:
        assert invoice["created_by"]["id"] is None
    for event in records["gdpr.RequestEvent"]["rows"]:
        assert event["actor"] is None or event["actor"]["id"] in (None, built.x.user.pk)

    # Rows about someone else that name the person as actor are references only.
    acted = built.data["acted"]
    assert {"model": "organizations.MemberDataView", "fields": ["viewer"]}.items() <= {
        **next(a for a in acted if a["model"] == "organizations.MemberDataView")
    }.items()
    for reference in acted:
        assert set(reference) == {"model", "verbose_name", "id", "fields"}
    assert admin.email not in built.text("data.json")
    assert admin.email not in built.csv_text()


def test_fields_carry_their_metadata_and_secrets_are_withheld(monkeypatch, tmp_path):
    built = build(monkeypatch, tmp_path)
    records = built.data["records"]
    user_table = records["accounts.User"]
    fields = {f["name"]: f for f in user_table["fields"]}
    assert fields["city"]["personal"] is True
    assert fields["city"]["category"] == "contact_details"
    assert fields["city"]["verbose_name"]
    assert fields["id"]["personal"] is False
    assert fields["id"]["category"] is None
    assert "password" not in fields
    assert [w["name"] for w in user_table["withheld"]] == ["password"]
    assert "password" not in user_table["rows"][0]
    assert [w["name"] for w in records["mfa.Authenticator"]["withheld"]] == ["data"]

    # The report and the data are in the person's language (Swedish for X).
    assert built.data["language"] == "sv"
    assert '<html lang="sv">' in built.text("report.html")

    # A CSV per table, the header naming the fields in words in the person's language
    # (the field names stay in data.json), a number and a label column for relations.
    header = next(csv.reader(io.StringIO(built.text("tables/billing.Invoice.csv"))))
    words = {f["name"]: capfirst(f["verbose_name"]) for f in records["billing.Invoice"]["fields"]}
    assert words["recipient_name"] in header
    assert "recipient_name" not in header
    organization = header.index(words["organization"])
    assert header[organization - 1] == f"{words['organization']} (nummer)"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("+358401234567", "+358401234567"),
        ("+358 40 123 4567", "'+358 40 123 4567"),
        ("+1234567890123456", "'+1234567890123456"),
        ("Aino", "Aino"),
        (None, ""),
    ],
)
def test_csv_cells_cannot_run_as_spreadsheet_formulas(value, written):
    assert safe_cell(value) == written


def test_the_csv_tables_hold_no_formula(monkeypatch, tmp_path):
    def formulas(x: DistinctivePerson) -> None:
        x.user.city = "=HYPERLINK(1)"
        x.user.street_address = "\t=1+1"
        x.user.save(update_fields=["city", "street_address"])

    built = build(monkeypatch, tmp_path, prepare=formulas)
    [row] = csv.DictReader(io.StringIO(built.text("tables/accounts.User.csv")))
    words = {
        f["name"]: capfirst(f["verbose_name"])
        for f in built.data["records"]["accounts.User"]["fields"]
    }
    assert (row[words["city"]], row[words["street_address"]]) == ("'=HYPERLINK(1)", "'\t=1+1")
    assert row[words["phone"]] == built.x.user.phone.as_e164  # a phone number is no formula


# --- The JSON Schema ------------------------------------------------------------------------


def test_data_json_follows_the_schema_shipped_beside_it(monkeypatch, tmp_path):
    built = build(monkeypatch, tmp_path)
    schema = json.loads(built.files["schema.json"])
    data = built.data
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert validate(data, schema) == []

    # The validator does catch what breaks the schema.
    broken = {**data, "surprise": 1}
    del broken["records"]
    broken["subject"] = {**data["subject"], "id": "one"}
    errors = validate(broken, schema)
    assert "$: records missing" in errors
    assert "$: unexpected surprise" in errors
    assert any(e.startswith("$.subject.id") for e in errors)


def test_the_csv_names_every_related_row_and_the_report_no_stored_form(monkeypatch, tmp_path):
    built = build(monkeypatch, tmp_path)
    records = built.data["records"]
    report = built.text("report.html")

    # Every relation with a value has its label column filled: the person's own records by
    # kind and date, things by name, people as "you" or "another person".
    checked = 0
    for label, table in records.items():
        relations = [f["name"] for f in table["fields"] if f["kind"] == "relation"]
        if not relations:
            continue
        rows = list(csv.reader(io.StringIO(built.text(f"tables/{label}.csv"))))
        header = rows[0]
        words = {f["name"]: capfirst(f["verbose_name"]) for f in table["fields"]}
        for name in relations:
            column = header.index(words[name]) if header.count(words[name]) == 1 else None
            if column is None:
                continue
            for data_row, csv_row in zip(table["rows"], rows[1:], strict=True):
                if data_row[name] is not None:
                    assert csv_row[column], f"{label}.{name}: no label"
                    checked += 1
    assert checked > 50

    # The report shows no time in its stored form, no record by bare number, and the export
    # being built is not part of its own content.
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", report)
    assert not re.search(r"<td>#\d+</td>", report)
    assert not re.search(r"<td>\d+ \(\d{4}-\d\d-\d\d\)</td>", report)  # a notice version
    exported = {r["id"] for r in records["gdpr.DataExport"]["rows"]}
    assert str(built.export.pk) not in exported
    assert exported  # the person's earlier export is still listed
