"""The Finvoice 3.0 schema (Finance Finland's, kept with its source in data/finvoice) and
the check every Finvoice message built in the tests goes through (tests/conftest.py)."""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

SCHEMA_PATH = Path(__file__).parent / "data" / "finvoice" / "Finvoice3.0.xsd"


@functools.cache
def finvoice_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(SCHEMA_PATH))


def finvoice_errors(message: bytes) -> list[str]:
    """What the schema finds wrong with ``message`` (nothing: it is valid)."""
    schema = finvoice_schema()
    # The messages are our own output, never anyone's input: no entities to resolve.
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    document = etree.fromstring(message, parser)
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def assert_valid_finvoice(message: bytes) -> etree._Element:
    """Fail unless ``message`` validates against the Finvoice 3.0 schema; its root."""
    errors = finvoice_errors(message)
    assert not errors, "Finvoice message not valid:\n" + "\n".join(errors)
    return etree.fromstring(message, etree.XMLParser(resolve_entities=False, no_network=True))
