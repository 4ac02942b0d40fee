"""A disclosure records which of the person identifiers the apps declare went with the
data, so an Art. 19 notice names the person to that recipient by those only. Disclosures
recorded before keep an empty list: their notices use what their categories carry."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("gdpr", "0012_request_restriction_ground"),
    ]

    operations = [
        migrations.AddField(
            model_name="disclosure",
            name="identifiers",
            field=models.JSONField(
                blank=True, default=list, verbose_name="identifiers handed over"
            ),
        ),
    ]
