"""Checks an export's data.json against the schema.json shipped beside it.

jsonschema is not a dependency of the project, so this is the subset of JSON Schema
(draft 2020-12) that ``gdpr.exports.schema`` uses: ``$ref`` (to ``#/$defs/...``),
``anyOf``, ``const``, ``enum``, ``type``, ``format`` (date-time, date, time, uuid),
``required``, ``properties``, ``additionalProperties`` and ``items``. Unlike a default
jsonschema validator it asserts ``format``: a date that does not parse is an error.

``tests/conftest.py`` runs it on every export a test builds.
"""

from __future__ import annotations

import datetime
import io
import json
import uuid
import zipfile
from typing import IO, Any

KEYWORDS = frozenset(
    {
        "$schema",
        "$ref",
        "$defs",
        "title",
        "description",
        "anyOf",
        "const",
        "enum",
        "type",
        "format",
        "required",
        "properties",
        "additionalProperties",
        "items",
    }
)


def _is(value: Any, kind: str) -> bool:
    return {
        "null": value is None,
        "boolean": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "string": isinstance(value, str),
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
    }[kind]


def _formatted(value: str, form: str) -> bool:
    parse = {
        "date-time": datetime.datetime.fromisoformat,
        "date": datetime.date.fromisoformat,
        "time": datetime.time.fromisoformat,
        "uuid": uuid.UUID,
    }.get(form)
    if parse is None:
        return True
    if form == "date-time" and "T" not in value:
        return False
    try:
        parse(value)
    except ValueError:
        return False
    return True


def _resolve(root: dict, ref: str) -> dict:
    if not ref.startswith("#/"):
        raise ValueError(f"only local references are supported: {ref}")
    target: Any = root
    for part in ref.removeprefix("#/").split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return target


def validate(instance: Any, schema: dict, root: dict | None = None, path: str = "$") -> list[str]:
    """Every way ``instance`` breaks ``schema``, as "path: what" lines; [] when it fits."""
    root = root if root is not None else schema
    unknown = set(schema) - KEYWORDS
    if unknown:
        # A keyword this checker would silently ignore: better to say so.
        raise ValueError(f"unsupported schema keywords at {path}: {sorted(unknown)}")
    if "$ref" in schema:
        return validate(instance, _resolve(root, schema["$ref"]), root, path)
    errors: list[str] = []
    if "anyOf" in schema and all(validate(instance, s, root, path) for s in schema["anyOf"]):
        errors.append(f"{path}: matches none of anyOf")
    if "const" in schema and instance != schema["const"]:
        errors.append(f"{path}: {instance!r} is not {schema['const']!r}")
    if "enum" in schema and instance not in schema["enum"]:
        errors.append(f"{path}: {instance!r} not in {schema['enum']}")
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is(instance, kind) for kind in kinds):
            return [*errors, f"{path}: {type(instance).__name__} is not {kinds}"]
    form = schema.get("format")
    if form and isinstance(instance, str) and not _formatted(instance, form):
        errors.append(f"{path}: {instance!r} is not a {form}")
    if isinstance(instance, dict):
        errors += [
            f"{path}: {key} missing" for key in schema.get("required", []) if key not in instance
        ]
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, value in instance.items():
            if key in properties:
                errors += validate(value, properties[key], root, f"{path}.{key}")
            elif extra is False:
                errors.append(f"{path}: unexpected {key}")
            elif isinstance(extra, dict):
                errors += validate(value, extra, root, f"{path}.{key}")
    if isinstance(instance, list) and "items" in schema:
        for index, item in enumerate(instance):
            errors += validate(item, schema["items"], root, f"{path}[{index}]")
    return errors


def validate_archive(archive: IO[bytes] | bytes) -> list[str]:
    """An export ZIP's data.json checked against its own schema.json."""
    source = io.BytesIO(archive) if isinstance(archive, bytes) else archive
    with zipfile.ZipFile(source) as opened:
        data = json.loads(opened.read("data.json"))
        schema = json.loads(opened.read("schema.json"))
    return validate(data, schema)
