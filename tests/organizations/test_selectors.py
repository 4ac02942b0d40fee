"""``active_admins``: the one query for who holds an organization's admin rights."""

from __future__ import annotations

import pytest

from organizations import selectors, services
from organizations.models import Membership
from tests.factories import UserFactory

from .factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db


def test_only_active_admins_of_the_organization_are_listed():
    first = UserFactory()
    club = organization_with_admin(first)
    other = organization_with_admin(name="Vaasan Lentokerho ry")
    second = add_member(club)
    services.membership_admin_grant(membership=second, actor=first)
    add_member(club)  # a member, not an admin
    former = add_member(club)
    services.membership_admin_grant(membership=former, actor=first)
    services.membership_end(membership=former, actor=first)

    admins = selectors.active_admins(organization=club)
    assert {m.user_id for m in admins} == {first.pk, second.user_id}
    assert selectors.active_admins(organization=club, user=first).exists()
    assert not selectors.active_admins(organization=other, user=first).exists()
    assert not selectors.active_admins(organization=club, user=former.user).exists()
    assert set(selectors.active_admins()) == set(admins) | set(
        selectors.active_admins(organization=other)
    )
    assert all(m.is_admin for m in selectors.active_admins())
    assert Membership.objects.filter(organization=club).count() == 4
