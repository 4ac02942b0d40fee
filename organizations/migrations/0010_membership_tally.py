"""Each organization's number of memberships, kept by triggers on PostgreSQL
(``registry.tally``): the member list reads it instead of counting."""

import django.db.models.deletion
from django.db import migrations, models

from registry.tally import Tally, install, uninstall

MEMBERSHIPS = Tally(
    table="organizations_membership",
    key="organization_id",
    tally="organizations_membershiptally",
    column="memberships",
)


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0009_read_log_compact"),
    ]

    operations = [
        migrations.CreateModel(
            name="MembershipTally",
            fields=[
                (
                    "organization",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="organizations.organization",
                    ),
                ),
                ("memberships", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(
            lambda apps, schema_editor: install(MEMBERSHIPS, schema_editor),
            lambda apps, schema_editor: uninstall(MEMBERSHIPS, schema_editor),
            elidable=False,
        ),
    ]
