"""The JSON Schema (draft 2020-12) of an export's ``data.json``, shipped in every ZIP as
``schema.json`` and described in words in ``docs/export-schema.md``.

``SCHEMA`` is the frame; ``export_schema()`` adds, for every registered model, its table
and its row: each field with its JSON type (null allowed where the value may be empty),
no other field. A row with a stray field or a value of the wrong type does not validate.

Bump ``export_data.SCHEMA_VERSION`` (and the ``const`` below) when the shape changes.
"""

from __future__ import annotations

import copy
from typing import Any

from django.db import models

from gdpr.exports import data as export_data
from gdpr.exports.data import SCHEMA_VERSION

_TEXT: dict[str, Any] = {"type": "string"}
_KEYED_LABEL: dict[str, Any] = {
    "type": "object",
    "required": ["key", "label"],
    "properties": {"key": _TEXT, "label": _TEXT},
}
_ID: dict[str, Any] = {"type": ["integer", "string", "null"]}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Access and portability export: data.json",
    "description": (
        "Everything the service holds about one person (GDPR Art. 15 and 20), with the"
        " information Art. 15 requires. Field names are stable; labels are in the language"
        " of the export."
    ),
    "type": "object",
    "required": [
        "schema_version",
        "generated_at",
        "language",
        "request",
        "subject",
        "information",
        "records",
        "acted",
        "attachments",
    ],
    "additionalProperties": False,
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        "generated_at": {"type": "string", "format": "date-time"},
        "language": {"enum": ["fi", "sv", "en"]},
        "request": {
            "type": "object",
            "required": ["id", "kind", "kind_label", "received_at"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "kind": {"enum": ["access", "portability"]},
                "kind_label": _TEXT,
                "received_at": {"type": "string", "format": "date-time"},
            },
        },
        "subject": {
            "type": "object",
            "required": ["id", "name", "email"],
            "additionalProperties": False,
            "properties": {"id": {"type": "integer"}, "name": _TEXT, "email": _TEXT},
        },
        "information": {"$ref": "#/$defs/information"},
        "records": {
            "description": "Keyed by model label (app.Model); only models with rows appear.",
            "type": "object",
            "additionalProperties": {"$ref": "#/$defs/table"},
        },
        "acted": {
            "description": "Records about other people where the person is named as the actor.",
            "type": "array",
            "items": {"$ref": "#/$defs/acted"},
        },
        "attachments": {"type": "array", "items": {"$ref": "#/$defs/attachment"}},
    },
    "$defs": {
        "field": {
            "type": "object",
            "required": [
                "name",
                "verbose_name",
                "kind",
                "personal",
                "category",
                "category_label",
            ],
            "additionalProperties": False,
            "properties": {
                "name": _TEXT,
                "verbose_name": _TEXT,
                "kind": {"enum": ["value", "relation", "relations", "file", "json"]},
                "personal": {"type": "boolean"},
                "category": {"type": ["string", "null"]},
                "category_label": {"type": ["string", "null"]},
                "choices": {"type": "object", "additionalProperties": _TEXT},
                "target": _TEXT,
            },
        },
        "table": {
            "type": "object",
            "required": ["verbose_name", "verbose_name_plural", "fields", "withheld", "rows"],
            "additionalProperties": False,
            "properties": {
                "verbose_name": _TEXT,
                "verbose_name_plural": _TEXT,
                "fields": {"type": "array", "items": {"$ref": "#/$defs/field"}},
                "withheld": {
                    "description": "Security secrets held but never handed out.",
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name", "verbose_name", "reason"],
                        "properties": {"name": _TEXT, "verbose_name": _TEXT, "reason": _TEXT},
                    },
                },
                "rows": {
                    "type": "array",
                    "items": {
                        "description": (
                            "Field name → value. Relations are reference objects (lists of"
                            " them for many-to-many), files their stored name, dates and"
                            " times ISO 8601, decimals strings."
                        ),
                        "type": "object",
                        "additionalProperties": {"$ref": "#/$defs/value"},
                    },
                },
            },
        },
        "value": {
            "anyOf": [
                {"type": ["null", "boolean", "number", "string"]},
                {"$ref": "#/$defs/reference"},
                {"type": "array"},
                {"type": "object"},
            ]
        },
        "reference": {
            "description": (
                "A relation. To the person: label 'you'. To someone else: id null. To"
                " something that is not a person: a label (and details for a disclosure)."
            ),
            "type": "object",
            "required": ["model", "id"],
            "additionalProperties": False,
            "properties": {
                "model": _TEXT,
                "id": _ID,
                "label": _TEXT,
                "details": {"$ref": "#/$defs/disclosure"},
            },
        },
        "disclosure": {
            "type": "object",
            "required": [
                "kind",
                "recipient",
                "purpose",
                "legal_basis",
                "categories",
                "outside_eea",
                "starts_on",
                "ends_on",
            ],
            "properties": {
                "kind": {"enum": ["partner", "authority"]},
                "kind_label": _TEXT,
                "recipient": _TEXT,
                "recipient_email": _TEXT,
                "purpose": _TEXT,
                "legal_basis": _TEXT,
                "categories": {"type": "array", "items": _KEYED_LABEL},
                "outside_eea": {"type": "boolean"},
                "destination_country": _TEXT,
                "transfer_safeguards": _TEXT,
                "starts_on": {"type": "string", "format": "date"},
                "ends_on": {"type": ["string", "null"]},
                "recorded_at": {"type": ["string", "null"]},
            },
        },
        "acted": {
            "type": "object",
            "required": ["model", "verbose_name", "id", "fields"],
            "additionalProperties": False,
            "properties": {
                "model": _TEXT,
                "verbose_name": _TEXT,
                "id": _ID,
                "fields": {"type": "array", "items": _TEXT},
            },
        },
        "attachment": {
            "type": "object",
            "required": ["path", "record", "id", "field"],
            "additionalProperties": False,
            "properties": {
                "path": _TEXT,
                "record": _TEXT,
                "id": _ID,
                "field": _TEXT,
                "missing": {"type": "boolean"},
            },
        },
        "category": {
            "type": "object",
            "required": [
                "key",
                "label",
                "description",
                "purposes",
                "legal_basis",
                "retention",
                "sources",
                "recipients",
            ],
            "additionalProperties": False,
            "properties": {
                "key": _TEXT,
                "label": _TEXT,
                "description": _TEXT,
                "purposes": {"type": "array", "items": _KEYED_LABEL},
                "legal_basis": {
                    "type": "object",
                    "required": ["key", "label", "article"],
                    "properties": {"key": _TEXT, "label": _TEXT, "article": _TEXT},
                },
                "retention": {
                    "type": "object",
                    "required": ["kind", "text", "days"],
                    "properties": {
                        "kind": _TEXT,
                        "text": _TEXT,
                        "days": {"type": ["integer", "null"]},
                    },
                },
                "sources": {"type": "array", "items": _KEYED_LABEL},
                "recipients": {"type": "array", "items": _KEYED_LABEL},
            },
        },
        "information": {
            "type": "object",
            "required": [
                "controller",
                "categories",
                "purposes",
                "legal_bases",
                "recipients",
                "disclosures",
                "transfers_outside_eea",
                "sources",
                "rights",
                "complaint",
                "automated_decision_making",
            ],
            "additionalProperties": False,
            "properties": {
                "controller": {
                    "type": "object",
                    "required": ["name", "email", "address"],
                    "additionalProperties": _TEXT,
                },
                "categories": {"type": "array", "items": {"$ref": "#/$defs/category"}},
                "purposes": {"type": "array", "items": _KEYED_LABEL},
                "legal_bases": {"type": "array", "items": _KEYED_LABEL},
                "recipients": {"type": "array", "items": _KEYED_LABEL},
                "disclosures": {"type": "array", "items": {"$ref": "#/$defs/disclosure"}},
                "transfers_outside_eea": {"type": "boolean"},
                "sources": {
                    "type": "object",
                    "required": ["categories", "recorded"],
                    "properties": {
                        "categories": {"type": "array", "items": _KEYED_LABEL},
                        "recorded": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["record", "field", "source", "source_label"],
                                "properties": {
                                    "record": _TEXT,
                                    "id": _ID,
                                    "field": {"type": ["string", "null"]},
                                    "field_label": _TEXT,
                                    "source": _TEXT,
                                    "source_label": _TEXT,
                                    "recorded_at": {"type": ["string", "null"]},
                                    "note": _TEXT,
                                },
                            },
                        },
                    },
                },
                "rights": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["key", "article", "label", "how", "url"],
                        "properties": {
                            "key": {
                                "enum": [
                                    "access",
                                    "rectification",
                                    "erasure",
                                    "restriction",
                                    "objection",
                                    "portability",
                                    "withdraw_consent",
                                ]
                            },
                            "article": _TEXT,
                            "label": _TEXT,
                            "how": _TEXT,
                            "url": _TEXT,
                        },
                    },
                },
                "complaint": {
                    "type": "object",
                    "required": ["authority", "url", "text"],
                    "properties": {"authority": _TEXT, "url": _TEXT, "text": _TEXT},
                },
                "automated_decision_making": {
                    "type": "object",
                    "required": ["used", "text"],
                    "properties": {"used": {"type": "boolean"}, "text": _TEXT},
                },
            },
        },
    },
}


# --- Rows, typed per registered model -----------------------------------------------------

_NULL: dict[str, Any] = {"type": "null"}
_REFERENCE: dict[str, Any] = {"$ref": "#/$defs/reference"}


def _value_type(model_field: models.Field) -> dict[str, Any]:
    """The JSON a stored value becomes (``export_data.plain``)."""
    if isinstance(model_field, models.BooleanField):
        return {"type": "boolean"}
    if isinstance(model_field, models.IntegerField | models.AutoField):
        return {"type": "integer"}
    if isinstance(model_field, models.FloatField):
        return {"type": "number"}
    if isinstance(model_field, models.DateTimeField):
        return {"type": "string", "format": "date-time"}
    if isinstance(model_field, models.DateField):
        return {"type": "string", "format": "date"}
    if isinstance(model_field, models.TimeField):
        return {"type": "string", "format": "time"}
    if isinstance(model_field, models.UUIDField):
        return {"type": "string", "format": "uuid"}
    # Text, decimals (exact, as strings), durations, phone numbers (E.164), countries.
    return {"type": "string"}


def _json_type(model_field: models.JSONField) -> dict[str, Any]:
    """A JSON field holds what its default is: an object or a list."""
    default = model_field.default
    sample = default() if callable(default) else default
    if isinstance(sample, dict):
        return {"type": "object"}
    if isinstance(sample, list):
        return {"type": "array"}
    return {}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if not schema:
        return schema
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        return {**schema, "type": [*kinds, "null"]} if "null" not in kinds else schema
    return {"anyOf": [schema, _NULL]}


def _may_be_empty(info: export_data.FieldInfo, model_field: Any) -> bool:
    if getattr(model_field, "null", False):
        return True
    # A country left blank is written as null: it has no ISO code.
    return hasattr(model_field, "countries")


def field_schema(info: export_data.FieldInfo, *, hideable: bool) -> dict[str, Any]:
    """The JSON type of one field's value in a row."""
    model_field = info.model_field
    if info.kind == export_data.Kind.RELATIONS:
        return {"type": "array", "items": _REFERENCE}
    if info.kind == export_data.Kind.RELATION:
        schema = _REFERENCE
    elif info.kind == export_data.Kind.FILE:
        # The stored name, or null when no file is stored.
        return {"type": ["string", "null"]}
    elif info.kind == export_data.Kind.JSON:
        schema = _json_type(model_field)
    else:
        schema = _value_type(model_field)
    if hideable or _may_be_empty(info, model_field):
        return _nullable(schema)
    return schema


def row_schema(table: export_data.Table) -> dict[str, Any]:
    """One row of a model: every exported field, typed, and nothing else."""
    hideable = {copy_ for copies in table.entry.actors.values() for copy_ in copies}
    properties = {
        info.name: field_schema(info, hideable=info.name in hideable) for info in table.fields
    }
    return {
        "description": f"A row of {table.label}.",
        "type": "object",
        "required": list(properties),
        "additionalProperties": False,
        "properties": properties,
    }


def export_schema(tables: list[export_data.Table] | None = None) -> dict[str, Any]:
    """The whole schema: the frame, and a table and a row definition per model."""
    tables = export_data.tables() if tables is None else tables
    schema = copy.deepcopy(SCHEMA)
    defs = schema["$defs"]
    records: dict[str, Any] = {}
    for table in tables:
        row_name = f"row:{table.label}"
        table_name = f"table:{table.label}"
        defs[row_name] = row_schema(table)
        table_def = copy.deepcopy(defs["table"])
        table_def["properties"]["rows"]["items"] = {"$ref": f"#/$defs/{row_name}"}
        defs[table_name] = table_def
        records[table.label] = {"$ref": f"#/$defs/{table_name}"}
    schema["properties"]["records"] = {
        "description": "Keyed by model label (app.Model); only models with rows appear.",
        "type": "object",
        "additionalProperties": False,
        "properties": records,
    }
    return schema
