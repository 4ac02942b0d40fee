"""The people and records the rectification, notice and page tests share (no tests here).

An organization with an admin and a member; another organization with its own admin; an
outsider; the controller's staff. The member has a member number and joined date the
organization recorded, an invoice, a contact-person record and a call recorded by hand.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from accounts.models import User
from billing.models import Invoice
from billing.services import invoice_send
from communications import services as communications
from communications.models import CommunicationRecord
from gdpr.models import DataSubjectRequest
from gdpr.rectification.services import rectification_file
from organizations.models import ContactPerson, Membership, Organization
from tests.billing.factories import invoice_for
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin


@dataclass
class World:
    organization: Organization
    other_organization: Organization
    membership: Membership
    users: dict[str, User | None]
    invoice: Invoice
    contact: ContactPerson
    call: CommunicationRecord

    @property
    def member(self) -> User:
        return self.users["member"]

    @property
    def admin(self) -> User:
        return self.users["admin"]

    @property
    def staff(self) -> User:
        return self.users["staff"]

    def key(self, field: str, obj=None) -> str:
        obj = obj if obj is not None else self.membership
        return f"{obj._meta.label_lower}:{obj.pk}:{field}"

    def file(self, field: str = "member_number", value: str = "A-42", obj=None, **kwargs):
        return rectification_file(
            self.member,
            target=self.key(field, obj),
            value=value,
            details=kwargs.pop("details", "Numero on väärin kortissani."),
            actor=self.member,
        )


def build_world() -> World:
    # English everywhere, so messages do not depend on the state of the catalogs.
    admin = UserFactory(
        email="aila.admin@example.fi", first_name="Aila", last_name="Admin", preferred_language="en"
    )
    member = UserFactory(
        email="aino.member@example.fi",
        first_name="Aino",
        last_name="Virtanen",
        preferred_language="en",
    )
    other_admin = UserFactory(
        email="bertta.boss@example.fi",
        first_name="Bertta",
        last_name="Bossi",
        preferred_language="en",
    )
    organization = organization_with_admin(admin, name="Malmin Ilmailukerho ry")
    other_organization = organization_with_admin(other_admin, name="Vaasan Lentokerho ry")
    membership = add_member(organization, member, member_number="17")
    staff = StaffFactory(
        email="laura.staff@example.fi",
        first_name="Laura",
        last_name="Staff",
        preferred_language="en",
    )
    invoice = invoice_for(membership, issue_date=datetime.date(2026, 3, 2))
    invoice = invoice_send(invoice=invoice, actor=None, mail=False)
    contact = ContactPerson.objects.create(
        organization=organization,
        name="Aino Virtanen",
        role="Sihteeri",
        email=member.email,
        user=member,
    )
    call = communications.communication_record(
        organization=organization,
        subject=member,
        channel=CommunicationRecord.Channel.PHONE,
        direction=CommunicationRecord.Direction.INCOMING,
        summary="Kysyi laskusta",
        actor=admin,
    )
    return World(
        organization=organization,
        other_organization=other_organization,
        membership=membership,
        users={
            "anonymous": None,
            "member": member,
            "admin": admin,
            "other_admin": other_admin,
            "outsider": UserFactory(
                email="ulla.outsider@example.fi", first_name="Ulla", last_name="Ulkopuolinen"
            ),
            "staff": staff,
        },
        invoice=invoice,
        contact=contact,
        call=call,
    )


def request_for(world: World, **kwargs) -> DataSubjectRequest:
    return world.file(**kwargs)
