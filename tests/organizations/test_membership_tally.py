"""Each organization's number of memberships, kept by PostgreSQL's triggers
(``MembershipTally``): right after every kind of write, bulk ones and deletes through the
organization included, and read by the member list instead of counting."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organizations import selectors
from organizations.models import Membership, MembershipTally, Organization
from tests.factories import UserFactory

from .factories import add_member, organization_with_admin

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the tally's triggers are PostgreSQL's"
    ),
]


def tally(organization: Organization) -> int:
    return (
        MembershipTally.objects.filter(organization=organization)
        .values_list("memberships", flat=True)
        .first()
        or 0
    )


def counted(organization: Organization) -> int:
    return Membership.objects.filter(organization=organization).count()


def test_the_tally_follows_every_kind_of_write(admin, organization):
    other = organization_with_admin(UserFactory(), name="Toinen kerho ry")
    assert tally(organization) == counted(organization) == 1  # the first admin

    one = add_member(organization)
    assert tally(organization) == 2

    Membership.objects.bulk_create(
        Membership(organization=organization, name=f"Invited {n}", status="invited")
        for n in range(5)
    )
    assert tally(organization) == counted(organization) == 7

    one.delete()
    Membership.objects.filter(
        organization=organization, name__in=["Invited 0", "Invited 1"]
    ).delete()
    assert tally(organization) == counted(organization) == 4

    # A membership moved to another organization (an update of the foreign key).
    Membership.objects.filter(organization=organization, name="Invited 2").update(
        organization=other
    )
    assert tally(organization) == counted(organization) == 3
    assert tally(other) == counted(other) == 2

    # Other updates leave it alone.
    Membership.objects.filter(organization=organization).update(status="ended")
    assert tally(organization) == 3


def test_deleting_an_organization_deletes_its_tally_with_it(organization):
    add_member(organization)
    organization_pk = organization.pk
    Membership.objects.filter(organization=organization).delete()
    organization.delete()
    assert not MembershipTally.objects.filter(organization_id=organization_pk).exists()
    assert tally(organization_with_admin(UserFactory(), name="Uusi ry")) == 1


def test_deleting_an_organization_with_its_members_leaves_no_tally(organization):
    for _ in range(3):
        add_member(organization)
    organization_pk = organization.pk
    organization.delete()  # cascades to the memberships and the tally in one go
    assert not MembershipTally.objects.filter(organization_id=organization_pk).exists()


def test_the_unfiltered_list_reads_the_tally_and_a_filtered_one_counts(admin_client, organization):
    for _ in range(3):
        add_member(organization)
    url = reverse("organizations:members", args=[organization.pk])
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url)
    assert "4 memberships" in response.content.decode()
    sql = [q["sql"] for q in queries.captured_queries]
    assert any("organizations_membershiptally" in s for s in sql)
    assert not any(s.startswith("SELECT COUNT(*)") and "organizations_membership" in s for s in sql)

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url, {"status": "active"})
    assert "4 memberships" in response.content.decode()
    sql = [q["sql"] for q in queries.captured_queries]
    assert not any("organizations_membershiptally" in s for s in sql)


def test_the_selector_knows_only_the_unfiltered_count(organization):
    add_member(organization)
    unfiltered = selectors.MemberFilter()
    assert selectors.member_list_count(organization=organization, filters=unfiltered) == 2
    for filters in (
        selectors.MemberFilter(query="aila"),
        selectors.MemberFilter(status="active"),
        selectors.MemberFilter(role="admin"),
    ):
        assert selectors.member_list_count(organization=organization, filters=filters) is None
    # Whitespace is no search (the list ignores it too).
    blank = selectors.MemberFilter(query="  ")
    assert selectors.member_list_count(organization=organization, filters=blank) == 2
