"""Trigram indexes for the people search (email, first and last name), on PostgreSQL only.

The admin searches these columns with ``ILIKE`` (``registry.lookups``), which a
``gin_trgm_ops`` index answers; without them every search read the whole user table. SQLite
(the quick start) has neither the extension nor GIN, and scans its small table: the
operations do nothing there, and the indexes stay out of the model's state so that a table
rebuild on SQLite never tries to create them.

``fastupdate = off``, as for the member search: rows from a bulk import would otherwise stay
in the pending list, invisible to the index, until autovacuum.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

FIELDS = ("email", "first_name", "last_name")


def _indexes():
    return [
        GinIndex(
            fields=[field],
            opclasses=["gin_trgm_ops"],
            name=f"user_{field}_trgm_idx",
            fastupdate=False,
        )
        for field in FIELDS
    ]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    user = apps.get_model("accounts", "User")
    for index in _indexes():
        schema_editor.add_index(user, index)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    user = apps.get_model("accounts", "User")
    for index in _indexes():
        schema_editor.remove_index(user, index)


class TrigramExtensionKept(TrigramExtension):
    """Created if missing, never dropped on the way back: the member search's index
    (organizations) needs it as well."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_staff_granted")]

    operations = [
        # Does nothing on other databases (CreateExtension checks the vendor itself).
        TrigramExtensionKept(),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
