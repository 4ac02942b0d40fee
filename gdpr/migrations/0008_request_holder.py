"""A data-subject request names the holder of the records it is about generically (content
type + id) instead of a foreign key to organizations.Organization, so gdpr's models hold no
foreign key to another app. The organizations already named are carried over.

The historical label below is the one place gdpr still names that model: it is what the
old column pointed at, and it must be named to move its values.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models.functions import Cast

# What the old ``organization`` column referred to.
OLD_APP_LABEL = "organizations"
OLD_MODEL = "organization"


def organization_to_holder(apps, schema_editor):
    DataSubjectRequest = apps.get_model("gdpr", "DataSubjectRequest")
    ContentType = apps.get_model("contenttypes", "ContentType")
    named = DataSubjectRequest.objects.filter(organization__isnull=False)
    if not named.exists():
        return
    content_type, _created = ContentType.objects.get_or_create(
        app_label=OLD_APP_LABEL, model=OLD_MODEL
    )
    named.update(
        holder_type=content_type,
        holder_id=Cast("organization_id", output_field=models.CharField(max_length=64)),
    )


def holder_to_organization(apps, schema_editor):
    DataSubjectRequest = apps.get_model("gdpr", "DataSubjectRequest")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Organization = apps.get_model(OLD_APP_LABEL, OLD_MODEL)
    content_type = ContentType.objects.filter(app_label=OLD_APP_LABEL, model=OLD_MODEL).first()
    if content_type is None:
        return
    held = DataSubjectRequest.objects.filter(holder_type=content_type).exclude(holder_id=None)
    existing = {str(pk) for pk in Organization.objects.values_list("pk", flat=True)}
    for request in held.only("pk", "holder_id"):
        # A holder deleted since then is left out, as the old foreign key's SET_NULL did.
        if request.holder_id in existing:
            DataSubjectRequest.objects.filter(pk=request.pk).update(
                organization_id=int(request.holder_id)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("gdpr", "0007_recipient_notice_holder"),
    ]

    operations = [
        migrations.AddField(
            model_name="datasubjectrequest",
            name="holder_id",
            field=models.CharField(
                blank=True, max_length=64, null=True, verbose_name="record holder"
            ),
        ),
        migrations.AddField(
            model_name="datasubjectrequest",
            name="holder_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="contenttypes.contenttype",
                verbose_name="kind of record holder",
            ),
        ),
        migrations.RunPython(organization_to_holder, holder_to_organization),
        migrations.RemoveField(
            model_name="datasubjectrequest",
            name="organization",
        ),
        migrations.AddIndex(
            model_name="datasubjectrequest",
            index=models.Index(fields=["holder_type", "holder_id"], name="dsr_holder_idx"),
        ),
    ]
