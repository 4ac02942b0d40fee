from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_payment_payer_iban"),
    ]

    operations = [
        migrations.AddField(
            model_name="contract",
            name="end_request_sent_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="admins asked to end it"
            ),
        ),
    ]
