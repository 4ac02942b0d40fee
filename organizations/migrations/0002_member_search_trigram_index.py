"""A trigram index for member search, on PostgreSQL only (SQLite scans; it is small there).

``fastupdate = off``: with the pending list on, rows from a bulk invitation import stay
invisible to the index until autovacuum, and the planner scans the table meanwhile.
"""

from django.db import migrations

INDEX = "membership_search_trgm_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON organizations_membership "
        "USING gin (search_text gin_trgm_ops) WITH (fastupdate = off)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
