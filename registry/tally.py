"""Row counts per key (an organization's memberships, its payments) kept by PostgreSQL.

A list's first page of 30,000 rows spent a tenth of its time counting them for "30,000
memberships" and its page links. A tally table holds the number per key instead, and
triggers on the counted table keep it in the same transaction as every write, bulk ones
and ``COPY`` included, so that no code path can forget to: statement-level triggers with
transition tables add up a whole ``INSERT`` or ``DELETE`` in one upsert per key (in the
keys' order, so that two bulk statements lock the tally rows in the same order); a
row-level trigger catches the rare move of a row to another key; ``TRUNCATE`` empties the
tally. A delete only ever updates: a key's owner being deleted loses its tally row first
(``CASCADE``) and must not get it back from its rows' deletion.

A migration calls ``install``/``uninstall``. Other databases (SQLite in the quick start)
get the table and no triggers: their selectors count.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, models


@dataclass(frozen=True)
class Tally:
    table: str  # the counted table
    key: str  # its column counted by (a foreign key)
    tally: str  # the tally's table: ``key`` (primary key) and ``column``
    column: str

    def create(self) -> list[str]:
        t, key, column = self.tally, self.key, self.column
        return [
            f"""CREATE FUNCTION {t}_add() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO {t} ({key}, {column})
                SELECT {key}, count(*) FROM added GROUP BY {key} ORDER BY {key}
                ON CONFLICT ({key}) DO UPDATE SET {column} = {t}.{column} + EXCLUDED.{column};
                RETURN NULL;
            END $$""",
            f"""CREATE FUNCTION {t}_remove() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE {t} AS tally SET {column} = tally.{column} - removed.n
                FROM (
                    SELECT {key}, count(*) AS n FROM removed GROUP BY {key} ORDER BY {key}
                ) AS removed
                WHERE tally.{key} = removed.{key};
                RETURN NULL;
            END $$""",
            f"""CREATE FUNCTION {t}_move() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE {t} SET {column} = {column} - 1 WHERE {key} = OLD.{key};
                INSERT INTO {t} ({key}, {column}) VALUES (NEW.{key}, 1)
                ON CONFLICT ({key}) DO UPDATE SET {column} = {t}.{column} + 1;
                RETURN NULL;
            END $$""",
            f"""CREATE FUNCTION {t}_empty() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                DELETE FROM {t};
                RETURN NULL;
            END $$""",
            f"CREATE TRIGGER {t}_add AFTER INSERT ON {self.table} REFERENCING NEW TABLE AS "
            f"added FOR EACH STATEMENT EXECUTE FUNCTION {t}_add()",
            f"CREATE TRIGGER {t}_remove AFTER DELETE ON {self.table} REFERENCING OLD TABLE AS "
            f"removed FOR EACH STATEMENT EXECUTE FUNCTION {t}_remove()",
            f"CREATE TRIGGER {t}_move AFTER UPDATE OF {key} ON {self.table} FOR EACH ROW "
            f"WHEN (OLD.{key} IS DISTINCT FROM NEW.{key}) EXECUTE FUNCTION {t}_move()",
            f"CREATE TRIGGER {t}_empty AFTER TRUNCATE ON {self.table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {t}_empty()",
            # What is there already.
            f"INSERT INTO {t} ({key}, {column}) "
            f"SELECT {key}, count(*) FROM {self.table} WHERE {key} IS NOT NULL GROUP BY {key}",
        ]

    def drop(self) -> list[str]:
        t = self.tally
        return [
            *(f"DROP TRIGGER IF EXISTS {t}_{n} ON {self.table}" for n in _PARTS),
            *(f"DROP FUNCTION IF EXISTS {t}_{n}()" for n in _PARTS),
        ]


_PARTS = ("add", "remove", "move", "empty")


def install(tally: Tally, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in tally.create():
            schema_editor.execute(statement)


def uninstall(tally: Tally, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in tally.drop():
            schema_editor.execute(statement)


def tallied(model: type[models.Model], column: str, key: int) -> int | None:
    """The number ``column`` of ``model``'s tally row for ``key`` (its primary key; 0
    without one: no row has been counted yet), or None where no triggers keep it (not
    PostgreSQL). One plain query: through the ORM, building it took longer than running it."""
    if connection.vendor != "postgresql":
        return None
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {quote(model._meta.get_field(column).column)} "
        f"FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    return row[0] if row else 0
