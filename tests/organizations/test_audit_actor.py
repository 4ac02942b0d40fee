"""The services of organizations and communications set the audit actor themselves: a
write made outside any request or ``acting_as`` names the user the service was given."""

from __future__ import annotations

import pytest

from communications.models import CommunicationRecord
from communications.services import communication_record
from gdpr.api import acting_as
from gdpr.models import AuditEntry
from organizations import services
from organizations.models import Membership
from tests.factories import UserFactory

from .factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db


def last_actor(obj) -> int | None:
    entry = AuditEntry.objects.filter(model=obj._meta.label_lower, object_id=str(obj.pk)).latest(
        "pk"
    )
    return entry.actor_id


def test_membership_services_name_their_actor():
    admin = UserFactory()
    club = organization_with_admin(admin)
    assert last_actor(Membership.objects.get(user=admin)) == admin.pk
    member = add_member(club)
    services.membership_admin_grant(membership=member, actor=admin)
    assert last_actor(member) == admin.pk
    services.membership_admin_revoke(membership=member, actor=admin)
    assert last_actor(member) == admin.pk
    services.membership_rectify(membership=member, field="name", value="Aino V.", actor=admin)
    assert last_actor(member) == admin.pk
    services.membership_end(membership=member, actor=admin)
    assert last_actor(member) == admin.pk


def test_invitation_services_name_their_actor():
    admin = UserFactory()
    club = organization_with_admin(admin)
    new = services.invitation_create(organization=club, email="ville@example.fi", actor=admin)
    assert last_actor(new.invitation.membership) == admin.pk
    services.invitation_revoke(invitation=new.invitation, actor=admin)
    assert last_actor(new.invitation.membership) == admin.pk


def test_a_service_without_an_actor_keeps_whoever_is_acting():
    admin, controller = UserFactory(), UserFactory()
    club = organization_with_admin(admin)
    member = add_member(club)
    with acting_as(controller):
        services.membership_rectify(membership=member, field="name", value="Aino", actor=None)
    assert last_actor(member) == controller.pk


def test_a_communication_record_names_its_actor():
    admin = UserFactory()
    club = organization_with_admin(admin)
    record = communication_record(
        organization=club,
        subject=None,
        counterpart="Pekka",
        channel=CommunicationRecord.Channel.PHONE,
        direction=CommunicationRecord.Direction.INCOMING,
        summary="Asked about the fee",
        actor=admin,
    )
    assert last_actor(record) == admin.pk
