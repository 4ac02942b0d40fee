"""gdpr 0007: a recipient notice's organization becomes a generic reference to its holder,
and existing notices keep theirs (both ways)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.organizations.factories import OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("gdpr", "0006_disclosure_transfer")]
AFTER = [("gdpr", "0007_recipient_notice_holder")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def test_existing_notices_keep_their_organization():
    old = migrate(BEFORE)
    try:
        RecipientNotice = old.get_model("gdpr", "RecipientNotice")
        Organization = RecipientNotice._meta.get_field("organization").related_model
        Request = old.get_model("gdpr", "DataSubjectRequest")
        # Only gdpr went back: the organizations table is today's, so today's model writes it.
        club = OrganizationFactory(name="Malmin Ilmailukerho ry")
        request = Request.objects.create(kind="erasure", subject_name="Eero", due_on="2026-07-01")
        told = RecipientNotice.objects.create(
            request=request, recipient_name=club.name, organization_id=club.pk
        )
        partner = RecipientNotice.objects.create(request=request, recipient_name="Vakuutus Oy")

        new = migrate(AFTER)
        Notice = new.get_model("gdpr", "RecipientNotice")
        ContentType = new.get_model("contenttypes", "ContentType")
        moved = Notice.objects.get(pk=told.pk)
        assert (moved.holder_type.app_label, moved.holder_type.model) == (
            Organization._meta.app_label,
            Organization._meta.model_name,
        )
        assert moved.holder_id == str(club.pk)
        untouched = Notice.objects.get(pk=partner.pk)
        assert untouched.holder_type_id is None
        assert untouched.holder_id is None
        assert ContentType.objects.filter(pk=moved.holder_type_id).exists()

        back = migrate(BEFORE)
        Notice = back.get_model("gdpr", "RecipientNotice")
        assert Notice.objects.get(pk=told.pk).organization_id == club.pk
        assert Notice.objects.get(pk=partner.pk).organization_id is None
    finally:
        migrate(latest())
