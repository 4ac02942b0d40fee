"""The JSON Schema (draft 2020-12) of an export's ``data.json``, shipped in every ZIP as
``schema.json`` and described in words in ``docs/export-schema.md``.

Bump ``export_data.SCHEMA_VERSION`` (and the ``const`` below) when the shape changes.
"""

from __future__ import annotations

from typing import Any

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
