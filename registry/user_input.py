"""Checks for text that arrives from outside a form: query parameters, uploaded lists and
bank files.

PostgreSQL refuses a NUL character in text and a value longer than its column, where
SQLite stores both silently. Checking before the database is reached gives the same clear
message on both, and never a server error.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Model

NUL = "\x00"
# Django's own wording, the one a form field shows for the same character.
NUL_MESSAGE = ProhibitNullCharactersValidator.message


def has_nul(*values: str) -> bool:
    return any(NUL in value for value in values)


def query_text(params: Mapping[str, str], name: str, *, max_length: int = 200) -> str:
    """The free-text query parameter ``name`` (a search), cut to ``max_length``.

    NUL characters are dropped: nobody types one, and a search containing one would make
    PostgreSQL refuse the whole query.
    """
    value = params.get(name) or ""
    return value.replace(NUL, "")[:max_length]


def max_length(model: type[Model], field_name: str) -> int:
    """The column length of ``model.field_name``: what PostgreSQL would refuse beyond."""
    length = model._meta.get_field(field_name).max_length
    if length is None:  # pragma: no cover - a programming error, not bad input
        raise ValueError(f"{model.__name__}.{field_name} has no max_length")
    return length
