from __future__ import annotations

import datetime
import itertools

import factory
from factory.django import DjangoModelFactory
from schwifty import IBAN

from accounts.models import User
from organizations import services
from organizations.models import BankAccount, ContactPerson, Membership, Organization
from tests.factories import UserFactory


class OrganizationFactory(DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Ilmailukerho {n} ry")
    kind = Organization.Kind.FLYING_CLUB
    email = factory.Sequence(lambda n: f"kerho{n}@example.fi")
    city = "Helsinki"


def free_iban() -> str:
    """FI21 1234 5600 0007 85 (what tests print and compare) unless an organization has
    it already; then the next valid Finnish IBAN nobody has: an account belongs to one
    organization."""
    for n in itertools.count():
        iban = IBAN.generate("FI", bank_code="123", account_code=f"{4560000078 + n:010d}").compact
        if not BankAccount.objects.filter(iban=iban).exists():
            return iban
    raise AssertionError("unreachable")


class BankAccountFactory(DjangoModelFactory[BankAccount]):
    class Meta:
        model = BankAccount

    organization = factory.SubFactory(OrganizationFactory)
    iban = factory.LazyFunction(free_iban)
    bic = "NDEAFIHH"
    bank_name = "Nordea"
    is_primary = True


class ContactPersonFactory(DjangoModelFactory[ContactPerson]):
    class Meta:
        model = ContactPerson

    organization = factory.SubFactory(OrganizationFactory)
    name = "Pekka Puheenjohtaja"
    role = "Puheenjohtaja"
    email = "pj@example.fi"


def organization_with_admin(admin: User | None = None, **fields) -> Organization:
    """An organization created the way users create one: through the service."""
    admin = admin or UserFactory()
    data = {"name": fields.pop("name", "Malmin Ilmailukerho ry"), **fields}
    return services.organization_create(data=data, first_admin=admin, actor=admin)


def add_member(
    organization: Organization,
    user: User | None = None,
    *,
    member_number: str = "",
    status: str = Membership.Status.ACTIVE,
) -> Membership:
    """An active member (as after accepting an invitation)."""
    user = user or UserFactory()
    membership = Membership(
        organization=organization,
        user=user,
        member_number=member_number,
        status=status,
        joined_on=datetime.date(2024, 1, 15),
        ended_on=datetime.date(2025, 6, 30) if status == Membership.Status.ENDED else None,
    )
    membership.name = user.get_full_name()
    membership.email = user.email
    services._search_fields(membership)
    membership.save()
    return membership
