"""A compact list of row ids in one column: ``bigint[]`` on PostgreSQL, JSON text elsewhere.

For a log that names thousands of rows per event (an export of a member list): one row per
event instead of one per id. ``__has=id`` finds the events that name an id (``@>``, which a
GIN index on the column answers on PostgreSQL), ``__overlaps=[ids]`` those naming any of
them. SQLite, the quick start's database, reads the JSON with ``json_each``.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.db.models import Lookup


class IdListField(models.Field):
    description = "A list of ids"

    def db_type(self, connection: Any) -> str:
        return "bigint[]" if connection.vendor == "postgresql" else "text"

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None:
            return None
        ids = sorted({int(item) for item in value})
        return ids if connection.vendor == "postgresql" else json.dumps(ids)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> list[int] | None:
        if value is None or isinstance(value, list):
            return value
        return json.loads(value)

    def to_python(self, value: Any) -> list[int] | None:
        if isinstance(value, str):
            return json.loads(value)
        return None if value is None else [int(item) for item in value]


class _IdLookup(Lookup):
    prepare_rhs = False

    def ids(self) -> list[int]:
        values = self.rhs if isinstance(self.rhs, list | tuple | set) else [self.rhs]
        return [int(getattr(value, "pk", value)) for value in values]


@IdListField.register_lookup
class HasId(_IdLookup):
    lookup_name = "has"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = self.process_lhs(compiler, connection)
        (value,) = self.ids()
        if connection.vendor == "postgresql":
            return f"{lhs} @> ARRAY[%s]::bigint[]", [*params, value]
        # ``lhs`` is the compiled column, never input; the id is a parameter.
        sql = f"EXISTS (SELECT 1 FROM json_each({lhs}) AS ids WHERE ids.value = %s)"  # noqa: S608
        return sql, [*params, value]


@IdListField.register_lookup
class OverlapsIds(_IdLookup):
    lookup_name = "overlaps"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = self.process_lhs(compiler, connection)
        values = self.ids()
        if not values:
            return "1 = 0", []
        if connection.vendor == "postgresql":
            return f"{lhs} && %s::bigint[]", [*params, values]
        marks = ", ".join(["%s"] * len(values))
        return (
            f"EXISTS (SELECT 1 FROM json_each({lhs}) AS ids WHERE ids.value IN ({marks}))",  # noqa: S608
            [*params, *values],
        )
