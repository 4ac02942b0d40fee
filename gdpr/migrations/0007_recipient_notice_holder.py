"""A recipient notice refers to its recipient's row generically (content type + primary
key) instead of by a foreign key to organizations.Organization: gdpr's models hold no
foreign key to the apps it protects. Existing notices keep their organization, carried
over as the generic reference before the old column goes."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models.functions import Cast


def _organization_type(apps, schema_editor):
    """The content type of the model the old foreign key points to (read from the
    historical field, so no other app's label is written here)."""
    RecipientNotice = apps.get_model("gdpr", "RecipientNotice")
    target = RecipientNotice._meta.get_field("organization").related_model._meta
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _created = ContentType.objects.using(
        schema_editor.connection.alias
    ).get_or_create(app_label=target.app_label, model=target.model_name)
    return content_type


def _check_now(schema_editor):
    """On PostgreSQL the updated rows' foreign keys are checked at commit; the column
    dropped in this same transaction must not leave those checks pending."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def organization_to_holder(apps, schema_editor):
    RecipientNotice = apps.get_model("gdpr", "RecipientNotice")
    alias = schema_editor.connection.alias
    notices = RecipientNotice.objects.using(alias).filter(organization__isnull=False)
    if not notices.exists():
        return
    notices.update(
        holder_type=_organization_type(apps, schema_editor),
        holder_id=Cast("organization_id", models.CharField(max_length=64)),
    )
    _check_now(schema_editor)


def holder_to_organization(apps, schema_editor):
    RecipientNotice = apps.get_model("gdpr", "RecipientNotice")
    alias = schema_editor.connection.alias
    content_type = _organization_type(apps, schema_editor)
    Organization = RecipientNotice._meta.get_field("organization").related_model
    notices = RecipientNotice.objects.using(alias).filter(holder_type=content_type)
    held = {str(pk) for pk in notices.values_list("holder_id", flat=True)}
    # Only organizations that still exist: the old column was a foreign key.
    existing = {
        str(pk)
        for pk in Organization.objects.using(alias)
        .filter(pk__in=[int(pk) for pk in held if pk.isdigit()])
        .values_list("pk", flat=True)
    }
    for holder_id in existing:
        notices.filter(holder_id=holder_id).update(organization_id=int(holder_id))
    _check_now(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('gdpr', '0006_disclosure_transfer'),
    ]

    operations = [
        migrations.AddField(
            model_name='recipientnotice',
            name='holder_type',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='contenttypes.contenttype'),
        ),
        migrations.AddField(
            model_name='recipientnotice',
            name='holder_id',
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.RunPython(organization_to_holder, holder_to_organization),
        migrations.RemoveField(
            model_name='recipientnotice',
            name='organization',
        ),
    ]
