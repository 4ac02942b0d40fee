"""The admin-rights check of every organization page (``get_organization_for_admin``) runs
``administered_organizations`` compiled once: it must answer as that queryset does for every
kind of person, rights held directly or through a group."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.db import connection
from django.http import Http404
from guardian.shortcuts import assign_perm

from organizations import permissions
from organizations.permissions import ADMINISTER_CODENAME
from tests.factories import UserFactory

from .factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db


def _answers(user, pk) -> bool:
    try:
        found = permissions.get_organization_for_admin(user, pk)
    except Http404:
        return False
    assert found.pk == int(pk)
    return True


def test_it_answers_as_the_queryset_does_for_everyone(admin, organization):
    other = organization_with_admin(UserFactory(), name="Toinen kerho ry")
    member = add_member(organization).user
    by_group = UserFactory()
    group = Group.objects.create(name="Hallitus")
    by_group.groups.add(group)
    assign_perm(ADMINISTER_CODENAME, group, organization)
    gone = UserFactory(is_active=False)
    assign_perm(ADMINISTER_CODENAME, gone, organization)

    people = [admin, member, by_group, gone, AnonymousUser(), UserFactory()]
    for person in people:
        expected = set(permissions.administered_organizations(person).values_list("pk", flat=True))
        for pk in (organization.pk, other.pk, 999_999):
            assert _answers(person, pk) == (pk in expected), (person, pk)
    assert _answers(admin, organization.pk) and _answers(by_group, organization.pk)
    assert not _answers(member, organization.pk) and not _answers(gone, organization.pk)
    assert not _answers(admin, other.pk)


def test_it_takes_the_id_as_text_and_refuses_what_is_not_one(admin, organization):
    assert _answers(admin, str(organization.pk))
    for bad in ("x", "", None, "1; DROP TABLE organizations_organization", 10**30, -(10**30)):
        assert not _answers(admin, bad)


def test_it_is_one_query(admin, organization, django_assert_num_queries):
    permissions.get_organization_for_admin(admin, organization.pk)  # compiled once
    with django_assert_num_queries(1):
        permissions.get_organization_for_admin(admin, organization.pk)


def test_it_gives_the_organization_as_the_orm_reads_it(admin, organization):
    """Each value through its field's converters: a phone number, aware times."""
    from django.utils import timezone

    from organizations.models import Organization

    Organization.objects.filter(pk=organization.pk).update(
        phone="+358401234567", verified_at=timezone.now()
    )
    expected = Organization.objects.get(pk=organization.pk)
    found = permissions.get_organization_for_admin(admin, organization.pk)
    assert type(found.phone) is type(expected.phone) and found.phone == expected.phone
    assert timezone.is_aware(found.verified_at) and found.verified_at == expected.verified_at
    for field in Organization._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    assert not found._state.adding and found._state.db == "default"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_postgresql_plans_it_once_per_connection(admin, organization):
    """Django turns prepared statements off for every connection; the settings turn them
    back on, and the check runs where they apply (a cursor binding on the server). Without
    either, PostgreSQL planned it on every page: ten times the cost of running it."""

    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cursor.fetchall()]

    for _ in range(3):
        permissions.get_organization_for_admin(admin, organization.pk)
    assert any("organizationuserobjectpermission" in text for text in prepared())
