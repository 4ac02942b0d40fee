"""The export's JSON Schema types every row of every registered model: each field with its
JSON type, null only where the value may be empty, no other field. A stray field, a value
of the wrong type or a date in the wrong form fails validation."""

from __future__ import annotations

import copy
import io
import json
import zipfile

import pytest

from gdpr import declarations as registry
from gdpr.exports import archive as export_archive
from gdpr.exports import data as export_data
from gdpr.exports import services as exports
from gdpr.exports.schema import export_schema
from gdpr.models import DataExport, RequestKind
from tests.export_schema_check import validate

from .distinctive import use_private_storage
from .factories import DataSubjectRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(monkeypatch, tmp_path, member):
    use_private_storage(monkeypatch, tmp_path / "private")
    monkeypatch.setattr(export_archive, "html_to_pdf", lambda html: b"%PDF-1.7 test")
    request = DataSubjectRequestFactory(subject=member, kind=RequestKind.ACCESS)
    export = DataExport.objects.create(request=request, subject=member, language="en")
    exports.export_build(export.pk)
    export.refresh_from_db()
    with export.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    return json.loads(archive.read("data.json")), json.loads(archive.read("schema.json"))


def user_row(data):
    return data["records"]["accounts.User"]["rows"][0]


def test_an_export_follows_its_schema(built):
    data, schema = built
    assert validate(data, schema) == []
    # The person's own row is checked against the user model's row, not a loose object.
    assert schema["properties"]["records"]["additionalProperties"] is False
    assert schema["properties"]["records"]["properties"]["accounts.User"] == {
        "$ref": "#/$defs/table:accounts.User"
    }
    assert schema["$defs"]["table:accounts.User"]["properties"]["rows"]["items"] == {
        "$ref": "#/$defs/row:accounts.User"
    }


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        (
            "surprise",
            "a field no model has",
            "$.records.accounts.User.rows[0]: unexpected surprise",
        ),
        ("is_active", "yes", "$.records.accounts.User.rows[0].is_active: str is not ['boolean']"),
        ("id", "1", "$.records.accounts.User.rows[0].id: str is not ['integer']"),
        ("email", None, "$.records.accounts.User.rows[0].email: NoneType is not ['string']"),
        ("date_joined", 1733389740, "$.records.accounts.User.rows[0].date_joined: int is not"),
        (
            "date_joined",
            "5.12.2026 09:09",
            "$.records.accounts.User.rows[0].date_joined: '5.12.2026 09:09' is not a date-time",
        ),
    ],
)
def test_a_stray_field_or_a_wrong_type_fails(built, field, value, error):
    data, schema = built
    broken = copy.deepcopy(data)
    user_row(broken)[field] = value
    errors = validate(broken, schema)
    assert any(e.startswith(error) for e in errors), errors


def test_a_missing_field_or_an_unknown_table_fails(built):
    data, schema = built
    broken = copy.deepcopy(data)
    del user_row(broken)["email"]
    broken["records"]["nowhere.Thing"] = {"rows": []}
    errors = validate(broken, schema)
    assert "$.records.accounts.User.rows[0]: email missing" in errors
    assert "$.records: unexpected nowhere.Thing" in errors


def test_a_nullable_field_takes_null_and_a_reference_must_be_one(built):
    data, schema = built
    row = user_row(data)
    fine = copy.deepcopy(data)
    user_row(fine)["last_login"] = None  # never signed in: null is its value
    assert validate(fine, schema) == []

    table = next(t for t in export_data.tables() if t.label == "gdpr.DataSubjectRequest")
    row_def = export_schema([table])["$defs"]["row:gdpr.DataSubjectRequest"]
    assert row_def["properties"]["subject"] == {
        "anyOf": [{"$ref": "#/$defs/reference"}, {"type": "null"}]
    }
    assert row_def["properties"]["received_at"] == {"type": "string", "format": "date-time"}
    assert row_def["properties"]["due_on"] == {"type": "string", "format": "date"}
    assert row_def["properties"]["extended_due_on"] == {
        "type": ["string", "null"],
        "format": "date",
    }
    assert row_def["properties"]["marketing_channels"] == {"type": "array"}
    assert row_def["properties"]["letter"] == {"type": ["string", "null"]}
    assert row["id"] == data["subject"]["id"]


def test_every_registered_model_has_a_closed_typed_row():
    schema = export_schema()
    labels = {e.label for e in registry.registered_models() if e.person is not None}
    assert set(schema["properties"]["records"]["properties"]) == labels
    for table in export_data.tables():
        row_def = schema["$defs"][f"row:{table.label}"]
        names = [f.name for f in table.fields]
        assert row_def["additionalProperties"] is False, table.label
        assert row_def["required"] == names, table.label
        assert list(row_def["properties"]) == names, table.label
        for name, field_def in row_def["properties"].items():
            # Every field is typed (a relation by the reference it becomes); a JSON field
            # whose default says nothing would be the exception, and no model has one.
            assert {"type", "anyOf", "$ref"} & set(field_def), f"{table.label}.{name}"
        # Secrets are not in the rows, so not in the schema either.
        assert not set(row_def["properties"]) & {f.name for f in table.withheld}


def test_the_checker_refuses_keywords_it_does_not_know():
    with pytest.raises(ValueError, match="unsupported schema keywords"):
        validate("x", {"type": "string", "minLength": 2})
