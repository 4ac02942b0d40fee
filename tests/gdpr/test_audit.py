"""The audit trail: every change to personal data, with actor and time; never edited."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import LoginEvent, User
from accounts.services import profile_update
from communications.models import CommunicationRecord
from communications.services import communications_attach_subject
from gdpr.audit import REDACTED, acting_as, audit_suppressed
from gdpr.models import AuditEntry, AuditEntryImmutable
from organizations import services as organizations
from organizations.models import ContactPerson, Membership
from tests.organizations.factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db


def entries_for(obj) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(model=obj._meta.label_lower, object_id=str(obj.pk)).order_by("pk")
    )


def test_it_records_a_change_with_actor_subject_time_and_values(member, staff):
    before = timezone.now()
    # The service names the actor itself: no caller has to remember to.
    profile_update(user=member, data={"city": "Oulu", "postal_code": "90100"}, actor=staff)
    entry = entries_for(member)[-1]
    assert entry.action == AuditEntry.Action.CHANGED
    assert entry.actor == staff
    assert entry.subject == member
    assert entry.at >= before
    assert entry.changes["city"] == ["Helsinki", "Oulu"]
    assert entry.changes["postal_code"] == ["00100", "90100"]
    assert "first_name" not in entry.changes


def test_a_request_names_the_signed_in_user_as_the_actor(member_client, member):
    data = {
        "first_name": "Aino",
        "last_name": "Virtanen",
        "street_address": "Hämeenkatu 5 A 3",
        "postal_code": "33100",
        "city": "Tampere",
        "country": "FI",
        "phone": "040 123 4567",
        "date_of_birth": "1987-03-14",
        "preferred_language": "fi",
    }
    assert member_client.post(reverse("accounts:profile"), data).status_code == 302
    entry = entries_for(member)[-1]
    assert entry.actor == member
    assert entry.changes["city"] == ["Helsinki", "Tampere"]


def test_a_service_or_task_without_an_actor_records_none(member):
    member.city = "Kemi"
    member.save(update_fields=["city"])
    assert entries_for(member)[-1].actor is None


def test_creation_and_deletion_are_recorded_and_deletion_blanks_the_values(member):
    organization = organization_with_admin(name="Auditkerho ry")
    contact = organizations.contact_person_save(
        organization=organization,
        contact=None,
        data={"name": "Kaisa Kontakti", "email": "kaisa@example.fi", "user": member},
    )
    created = entries_for(contact)[0]
    assert created.action == AuditEntry.Action.CREATED
    assert created.changes["name"] == [None, "Kaisa Kontakti"]
    assert created.subject == member  # found through the contact's user link, no query

    pk = contact.pk
    organizations.contact_person_delete(contact=contact)
    created_after, deleted = AuditEntry.objects.filter(
        model="organizations.contactperson", object_id=str(pk)
    ).order_by("pk")
    assert deleted.action == AuditEntry.Action.DELETED
    assert deleted.changes == {}
    # A deleted record leaves no copy of its data in the trail.
    assert created_after.changes == {}
    assert created_after.erased
    assert not ContactPerson.objects.filter(pk=pk).exists()


def test_secrets_are_recorded_as_changed_without_values(member):
    member.set_password("uusi-salasana-123")
    member.save(update_fields=["password"])
    assert entries_for(member)[-1].changes == {"password": [REDACTED, REDACTED]}


def test_a_save_costs_one_insert_and_no_select(member):
    member.refresh_from_db()
    member.city = "Vaasa"
    with CaptureQueriesContext(connection) as queries:
        member.save(update_fields=["city"])
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert statements.count("UPDATE") == 1
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1 and "gdpr_auditentry" in inserts[0]
    assert "SELECT" not in statements


def test_nothing_is_recorded_when_nothing_personal_changed(member):
    count = AuditEntry.objects.count()
    member.save()
    member.last_login = timezone.now()  # sign-ins have their own log
    member.save(update_fields=["last_login"])
    assert AuditEntry.objects.count() == count


def test_logs_are_not_recorded_twice(member):
    count = AuditEntry.objects.count()
    LoginEvent.objects.create(user=member, outcome=LoginEvent.Outcome.SUCCESS)
    assert AuditEntry.objects.count() == count


def test_erasure_and_purges_can_write_without_copying_into_the_trail(member):
    count = AuditEntry.objects.count()
    with audit_suppressed():
        member.city = "Pori"
        member.save()
    assert AuditEntry.objects.count() == count


def test_an_entry_cannot_be_edited_or_deleted(member):
    member.city = "Lahti"
    member.save()
    entry = entries_for(member)[-1]
    entry.changes = {"city": ["Helsinki", "Turku"]}
    with pytest.raises(AuditEntryImmutable):
        entry.save()
    with pytest.raises(AuditEntryImmutable):
        entry.delete()
    entry.refresh_from_db()
    assert entry.changes == {"city": ["Helsinki", "Lahti"]}


def test_names_copied_onto_memberships_are_recorded(member):
    organization = organization_with_admin(name="Synkkakerho ry")
    membership = add_member(organization, member)
    with acting_as(member):
        renamed = profile_update(user=member, data={"first_name": "Aina"})
        organizations.memberships_sync_user(user=renamed)
    entry = entries_for(membership)[-1]
    assert entry.changes == {"name": ["Aino Virtanen", "Aina Virtanen"]}
    assert entry.subject == member
    assert entry.actor == member


def test_bulk_relinks_are_recorded_with_whom_they_concern(member):
    organization = organization_with_admin(name="Linkkikerho ry")
    old = add_member(organization, member, status=Membership.Status.ENDED)
    invited = organizations.invitation_create(
        organization=organization,
        email="aino.member@example.fi",
        actor=organization.memberships.get(role=Membership.Role.ADMIN).user,
    )
    record = CommunicationRecord.objects.create(
        organization=organization,
        channel="email",
        direction="outgoing",
        kind="automatic",
        related_object=f"organizations.invitation:{invited.invitation.pk}",
    )
    organizations.invitation_accept(token=invited.token, user=member)

    detached = entries_for(old)[-1]
    assert detached.changes == {"user": [member.pk, None]}
    assert detached.subject == member
    linked = entries_for(record)[-1]
    assert linked.changes == {"subject": [None, member.pk]}
    assert linked.subject == member
    # Nothing recorded when there is nothing to link.
    assert communications_attach_subject(related=record, user=member) == 0


def test_the_user_row_itself_can_go_without_breaking_the_trail(member, staff):
    pk = member.pk
    with acting_as(staff):
        member.city = "Rauma"
        member.save()
        member.delete()
    *_earlier, changed, deleted = AuditEntry.objects.filter(
        model="accounts.user", object_id=str(pk)
    ).order_by("pk")
    assert deleted.action == AuditEntry.Action.DELETED
    # No subject: it would point at a row that is gone.
    assert deleted.subject is None and deleted.actor == staff
    assert changed.erased and changed.changes == {}
    assert not User.objects.filter(pk=pk).exists()
