"""A restriction request records its Art. 18(1) ground: under (a) and (d) the restriction
is in force from receipt until the answer. Requests filed before name none and keep the
old course (restricted when handling starts)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("gdpr", "0011_request_event_phrase"),
    ]

    operations = [
        migrations.AddField(
            model_name="datasubjectrequest",
            name="restriction_ground",
            field=models.CharField(
                blank=True,
                choices=[
                    ("a", "(a) The person contests the accuracy of the data"),
                    ("b", "(b) The processing is unlawful and the person opposes erasure"),
                    ("c", "(c) The person needs the data for legal claims"),
                    (
                        "d",
                        "(d) The person has objected; the controller's grounds are being checked",
                    ),
                ],
                max_length=1,
                verbose_name="ground for restriction",
            ),
        ),
    ]
