"""The member register at the size of a national association: 20,000 members.

The dataset is built once for the module inside an outer transaction that is rolled back
at the end (like ``setUpTestData``); each test runs in its own savepoint on top of it.
"""

from __future__ import annotations

import datetime
import re
import tracemalloc
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from gdpr.models import ProcessingRestriction
from organizations import selectors, services
from organizations.models import MemberListExport, Membership, Organization
from tests.factories import UserFactory
from tests.organizations.factories import organization_with_admin

pytestmark = pytest.mark.django_db

MEMBERS = 20_000
SMALL = 2_000
# Session, user, allauth's session activity (savepoint, two reads, update, release), the
# admin-rights check, the count and the page: whatever the page size or depth.
LIST_QUERY_BUDGET = 10
# The export holds a chunk of 2,000 rows (~1.6 MB traced), two at a chunk boundary.
EXPORT_PEAK_BYTES = 6 * 1024 * 1024
PHONE = "+358401234567"
RESTRICTED = ("s00001@example.fi", "s12345@example.fi")

FIRST_NAMES = ["Aino", "Mikko", "Elina", "Johan", "Sanna", "Pekka", "Helmi", "Eino", "Venla"]
LAST_NAMES = ["Virtanen", "Korhonen", "Nieminen", "Lindqvist", "Mäkinen", "Hämäläinen", "Laine"]


def _insert(model: type[Model], template: Model, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (attname → value) with every other column taken from ``template``.

    ``bulk_create`` took ~8 s for the 20,000 users and memberships (Python preparing every
    field of every row, then psycopg binding the parameters client-side); this takes ~1 s.
    The model's own fields still prepare each value, and every column not given comes from
    ``template``, so defaults and new columns are handled as the ORM would.
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    base = [f.get_db_prep_save(f.pre_save(template, add=True), connection) for f in fields]
    varying = [(i, f) for i, f in enumerate(fields) if f.attname in rows[0]]
    values = []
    for row in rows:
        value = base.copy()
        for i, field in varying:
            value[i] = field.get_db_prep_save(row[field.attname], connection)
        values.append(value)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", values)  # noqa: S608


def add_members_in_bulk(organization: Organization, count: int, *, prefix: str) -> None:
    """``count`` active members with full profiles, in two statements.

    Emails are ``{prefix}{i:05d}@example.fi`` and member numbers ``{PREFIX}{i:05d}``; the
    name, sort and search fields are filled by the code the services use.
    """
    people = [
        {
            "email": f"{prefix}{i:05d}@example.fi",
            "first_name": FIRST_NAMES[i % len(FIRST_NAMES)],
            "last_name": LAST_NAMES[i % len(LAST_NAMES)],
            "street_address": f"Lentokentäntie {i % 90 + 1}",
            "date_of_birth": datetime.date(1960, 1, 1) + datetime.timedelta(days=i % 15000),
        }
        for i in range(count)
    ]
    template_user = User(
        password=UNUSABLE_PASSWORD_PREFIX, postal_code="00700", city="Helsinki", phone=PHONE
    )
    _insert(User, template_user, people)
    user_ids = dict(
        User.objects.filter(email__startswith=prefix, email__endswith="@example.fi").values_list(
            "email", "id"
        )
    )

    memberships = []
    for i, person in enumerate(people):
        membership = SimpleNamespace(
            user=SimpleNamespace(**person),
            user_id=user_ids[person["email"]],
            member_number=f"{prefix.upper()}{i:05d}",
            joined_on=datetime.date(2000, 1, 1) + datetime.timedelta(days=i % 9000),
            name=f"{person['first_name']} {person['last_name']}",
            email=person["email"],
        )
        services._search_fields(membership)
        del membership.user
        memberships.append(vars(membership))
    template = Membership(organization=organization, status=Membership.Status.ACTIVE)
    _insert(Membership, template, memberships)


@dataclass(frozen=True)
class Register:
    admin: User
    large: Organization
    small: Organization


@pytest.fixture(scope="module")
def register(django_db_setup, django_db_blocker):
    """One organization of 20,000 members and one of 2,000, shared by the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        admin = UserFactory(email="iso.admin@example.fi", first_name="Iso", last_name="Admin")
        large = organization_with_admin(admin, name="Suomen Ilmailuliitto ry")
        small = organization_with_admin(admin, name="Pieni Kerho ry")
        add_members_in_bulk(large, MEMBERS, prefix="s")
        add_members_in_bulk(small, SMALL, prefix="p")
        # Members whose processing is restricted (GDPR Art. 18): flagged in the list.
        ProcessingRestriction.objects.bulk_create(
            ProcessingRestriction(user=user, reason="Accuracy contested.")
            for user in User.objects.filter(email__in=RESTRICTED)
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # What autovacuum does to a register in use: fresh rows wait in the GIN
                # index's pending list, which the planner prices as a scan of its own.
                cursor.execute("SELECT gin_clean_pending_list('membership_search_trgm_idx')")
                cursor.execute("ANALYZE accounts_user")
                cursor.execute("ANALYZE organizations_membership")
        # Check the deferred foreign keys once here, not again after every test.
        connection.check_constraints()
        yield Register(admin, large, small)
        transaction.set_rollback(True)


@pytest.fixture
def admin_client(client, register):
    client.force_login(register.admin)
    # The first request after signing in also records the session; count steady requests.
    client.get(reverse("organizations:members", args=[register.small.pk]), {"q": "p00001"})
    return client


def _list(client, organization: Organization, **params):
    url = reverse("organizations:members", args=[organization.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return response, len(queries)


def test_it_has_the_dataset_the_services_would_have_written(register):
    membership = Membership.objects.select_related("user").get(
        organization=register.large, member_number="S12345"
    )
    expected = Membership(
        name=membership.user.get_full_name(),
        email=membership.user.email,
        member_number="S12345",
        user=membership.user,
    )
    services._search_fields(expected)
    assert (membership.name, membership.sort_name, membership.search_text) == (
        "Helmi Mäkinen",
        expected.sort_name,
        expected.search_text,
    )
    assert str(membership.user.phone) == "+358 40 1234567"
    assert register.large.memberships.count() == MEMBERS + 1


@pytest.mark.parametrize("page_number", [1, 100])
def test_it_lists_a_page_within_a_query_budget_that_ignores_the_page_size(
    admin_client, register, page_number
):
    counts = {}
    for per_page in (25, 200):
        response, counts[per_page] = _list(
            admin_client, register.large, per_page=per_page, page=page_number
        )
        shown = response.context["page"]
        assert shown.number == page_number
        assert shown.paginator.count == MEMBERS + 1  # and the admin
        assert len(shown.object_list) == per_page
        assert shown.object_list[-1].email in response.content.decode()
    assert counts[25] == counts[200] <= LIST_QUERY_BUDGET


def test_it_reaches_the_deep_page_in_sort_order(admin_client, register):
    response, count = _list(admin_client, register.large, per_page=50, page=300, sort="number")
    numbers = [m.member_number for m in response.context["page"]]
    # The admin has no number and sorts first, so page 300 starts with S14949.
    assert numbers == [f"S{i:05d}" for i in range(14949, 14999)]
    assert count <= LIST_QUERY_BUDGET


def test_it_searches_the_large_register_within_the_budget(admin_client, register):
    response, count = _list(admin_client, register.large, q="S12345@EXAMPLE")
    assert [m.email for m in response.context["page"]] == ["s12345@example.fi"]
    assert count <= LIST_QUERY_BUDGET


def test_it_flags_the_restricted_members_within_the_same_budget(admin_client, register):
    response, count = _list(admin_client, register.large, per_page=200, sort="number")
    flagged = [m.email for m in response.context["page"] if m.processing_restricted]
    assert flagged == ["s00001@example.fi"]
    assert count <= LIST_QUERY_BUDGET


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigram index exists on PostgreSQL only"
)
def test_it_searches_through_the_trigram_index(register):
    memberships = selectors.member_list(
        organization=register.large, filters=selectors.MemberFilter(query="s12345@example")
    )
    plan = memberships.explain()
    assert "membership_search_trgm_idx" in plan, plan
    page_plan = memberships[:50].explain()  # as the list page runs it
    assert "membership_search_trgm_idx" in page_plan, page_plan
    assert [m.email for m in memberships] == ["s12345@example.fi"]


@dataclass(frozen=True)
class Export:
    peak_bytes: int
    lines: int
    queries: list[str]


def _export(client, organization: Organization, **params) -> Export:
    """One streamed export, measured; the content is counted, never held whole."""
    url = reverse("organizations:members_export", args=[organization.pk])
    with CaptureQueriesContext(connection) as queries:
        tracemalloc.start()
        try:
            response = client.get(url, params)
            lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return Export(peak, lines, [q["sql"] for q in queries])


def test_it_streams_the_export_in_flat_memory_with_the_same_queries(admin_client, register):
    # Warm up (imports, translations) on a one-row export of the same code path.
    _export(admin_client, register.small, q="p00001@")
    small = _export(admin_client, register.small)
    large = _export(admin_client, register.large)

    assert small.lines == SMALL + 2  # the header, the members and the admin
    assert large.lines == MEMBERS + 2
    assert large.peak_bytes < EXPORT_PEAK_BYTES, f"{large.peak_bytes:,} bytes"
    # Ten times the rows must not take anywhere near ten times the memory.
    assert large.peak_bytes < 3 * small.peak_bytes, f"{small.peak_bytes:,} → {large.peak_bytes:,}"
    assert len(large.queries) == len(small.queries)
    inserts = [sql for sql in large.queries if re.match(r'INSERT INTO "?\w+memberlistexport', sql)]
    assert len(inserts) == 1
    (export,) = MemberListExport.objects.filter(organization=register.large)
    # Everyone but the exporting admin, who is not logged seeing themselves.
    assert len(export.member_ids) == MEMBERS
