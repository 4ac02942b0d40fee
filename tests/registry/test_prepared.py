"""Queries compiled once and run with other ids (``registry.prepared``): the same rows, in
the same order and types, as the querysets they were compiled from; prepared on
PostgreSQL."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import RequestFactory

from gdpr.models import ProcessingRestriction
from organizations import selectors
from organizations.models import Membership
from registry.pagination import CompiledRows, paginate
from registry.prepared import compile_query, stand_ins
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db


def _two_organizations():
    first = organization_with_admin(UserFactory(), name="Malmin Ilmailukerho ry")
    second = organization_with_admin(UserFactory(), name="Jämin Lentokerho ry")
    for n in range(7):
        member = add_member(first, member_number=f"{n:03d}")
        Membership.objects.filter(pk=member.pk).update(joined_on=datetime.date(2024, 1, n + 1))
    add_member(second, status=Membership.Status.ENDED)
    restricted = add_member(first).user
    ProcessingRestriction.objects.create(user=restricted, reason="Oikeellisuus kiistetty")
    return first, second


@pytest.mark.parametrize("sort", list(selectors.MEMBER_SORTS))
@pytest.mark.parametrize("status", ["", Membership.Status.ACTIVE, Membership.Status.ENDED])
def test_the_member_rows_are_the_orms_for_every_organization_sort_and_status(sort, status):
    first, second = _two_organizations()
    filters = selectors.MemberFilter(sort=sort, status=status)
    for organization in (first, second, first):
        compiled = selectors.member_list_rows(organization=organization, filters=filters)
        assert isinstance(compiled, CompiledRows)
        expected = list(
            selectors._member_rows(
                selectors.member_list(organization=organization, filters=filters)
            )
        )
        assert [tuple(vars_of(row)) for row in compiled[0:100]] == expected
        assert compiled.count() == len(expected)
    rows = compiled[0:100]
    assert all(type(row.processing_restricted) is bool for row in rows)
    assert all(row.joined_on is None or type(row.joined_on) is datetime.date for row in rows)
    if not status or status == Membership.Status.ACTIVE:
        assert any(row.processing_restricted for row in rows)


def vars_of(row) -> tuple:
    return tuple(getattr(row, name) for name in selectors.MEMBER_ROW_FIELDS)


@pytest.mark.parametrize("per_page", ["25", "50"])
def test_every_page_is_the_orms_slice(per_page):
    first, _second = _two_organizations()
    for n in range(60):
        add_member(first, member_number=f"9{n:03d}")
    filters = selectors.MemberFilter()
    plain = selectors._member_rows(selectors.member_list(organization=first, filters=filters))
    for number in ("1", "2", "3", "4", "x"):
        request = RequestFactory().get("/", {"page": number, "per_page": per_page})
        rows = selectors.member_list_rows(organization=first, filters=filters)
        page, _query = paginate(request, rows)
        expected, _query = paginate(request, plain)
        assert page.number == expected.number
        assert [vars_of(row) for row in page] == list(expected)


def test_a_search_reads_its_page_by_id_as_the_orm_does():
    """The ids of the matches, padded to the page size: a last page of a few rows."""
    first, _second = _two_organizations()
    for n in range(30):
        person = UserFactory(first_name=f"Aino{n:02d}", last_name="Mäkinen")
        add_member(first, person, member_number=f"8{n:03d}")
    filters = selectors.MemberFilter(query="MÄKINEN", sort="-name")
    plain = selectors._member_rows(selectors.member_list(organization=first, filters=filters))
    for number in ("1", "2"):
        request = RequestFactory().get("/", {"page": number, "per_page": "25"})
        rows = selectors.member_list_rows(organization=first, filters=filters)
        page, _query = paginate(request, rows)
        expected, _query = paginate(request, plain)
        assert page.paginator.count == plain.count() >= 30
        assert [vars_of(row) for row in page] == list(expected)
    assert 0 < len(expected) < 25


def test_a_query_must_take_every_stand_in_and_no_slice():
    (one,) = stand_ins(1)
    with pytest.raises(RuntimeError):
        compile_query(Membership.objects.filter(organization_id=one).values_list("pk"), 2)
    with pytest.raises(ValueError, match="unsliced"):
        compile_query(Membership.objects.filter(organization_id=one).values_list("pk")[:5], 1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_postgresql_plans_the_member_list_once_per_connection():
    first, _second = _two_organizations()
    for _ in range(3):
        selectors.member_list_rows(organization=first, filters=selectors.MemberFilter())[0:50]
        search = selectors.MemberFilter(query="mäki")
        selectors.member_list_rows(organization=first, filters=search)[0:50]
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "organizations_membership"' in text for text in prepared), prepared
    # A search's plan turns on its term: planned each time.
    assert not any("LIKE" in text for text in prepared), prepared


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_one_statement_serves_ids_of_every_size():
    """psycopg would send 5 as a smallint and 70,000 as an integer, a statement each."""
    from registry.prepared import fetch_all

    sql = 'SELECT "id" FROM "organizations_membership" WHERE "id" IN (%s, %s)'
    for ids in ([5, 70_000], [70_000, 5], [3_000_000_000, 1], [1, 2], [40_000, 50_000]):
        fetch_all(sql, ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT parameter_types::text FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%"organizations_membership" WHERE "id" IN%'],
        )
        assert cursor.fetchall() == [("{bigint,bigint}",)]


@pytest.mark.parametrize(
    "term", ["mäki", "MÄKINEN", "  aino01  ", "%", "_", "\\", "a%b", "ai_o", "mäk'", "'; --", "x"]
)
def test_a_searchs_ids_are_the_orms_for_any_term(term):
    """The term goes in where its stand-in was, escaped as ``contains`` escapes it: a
    ``%`` or ``_`` is a character searched for, not a wildcard."""
    first, _second = _two_organizations()
    for n, name in enumerate(["a%b Mäkinen", "ai_o Mäkinen", "back\\slash", "aino01 Mäki"]):
        person = UserFactory(first_name=name.split()[0], last_name=name.split()[-1])
        add_member(first, person, member_number=f"7{n:03d}")
    for sort in ("name", "-joined"):
        filters = selectors.MemberFilter(query=term, sort=sort)
        rows = selectors.member_list_rows(organization=first, filters=filters)
        plain = selectors.member_list(organization=first, filters=filters)
        assert rows.ids(1000) == list(plain.values_list("pk", flat=True))
    if term in ("%", "_", "\\"):  # found literally, not every member
        assert len(rows.ids(1000)) < Membership.objects.filter(organization=first).count()
