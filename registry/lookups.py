"""``__ilike``: a case-insensitive "contains" that PostgreSQL's trigram indexes serve.

Django's ``icontains`` compiles to ``UPPER(col::text) LIKE UPPER(%s)`` on PostgreSQL: the
column is wrapped in a function, so a ``gin_trgm_ops`` index on the column itself is never
used and every search reads the whole table. ``ILIKE`` on the bare column is what the
index answers. Other databases keep ``icontains`` (SQLite's LIKE already ignores case).
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, TextField
from django.db.models.lookups import IContains


class ILikeContains(IContains):
    lookup_name = "ilike"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        if connection.vendor != "postgresql":
            return super().as_sql(compiler, connection)
        # The column as it is (no UPPER, no ::text: the index is on the column); the
        # value escaped and wrapped in %…% by IContains's pattern handling.
        lhs_sql, lhs_params = compiler.compile(self.lhs)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        if self.rhs_is_direct_value():
            return f"{lhs_sql} ILIKE {rhs_sql}", [*lhs_params, *rhs_params]
        pattern = connection.pattern_ops["contains"].format(rhs_sql)
        return f"{lhs_sql} ILIKE {pattern}", [*lhs_params, *rhs_params]

    def get_rhs_op(self, connection: Any, rhs: str) -> str:
        # Used on the other databases only, where ``icontains``'s operator applies.
        return connection.operators["icontains"] % rhs


CharField.register_lookup(ILikeContains)
TextField.register_lookup(ILikeContains)
