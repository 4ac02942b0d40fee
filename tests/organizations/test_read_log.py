""" "Who has seen my data": admins' views and exports, shown to the member on "My data"."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from organizations import selectors, services
from organizations.models import MemberDataView, MemberListExport, Membership, Organization
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin
from tests.organizations.test_member_scale import add_members_in_bulk

pytestmark = pytest.mark.django_db

MY_DATA_URL = reverse("accounts:my_data")
HELSINKI = datetime.timezone(datetime.timedelta(hours=2))  # EET, no summer time in March


@pytest.fixture
def admin(db) -> User:
    return UserFactory(email="aila.admin@example.fi", first_name="Aila", last_name="Admin")


@pytest.fixture
def organization(admin) -> Organization:
    return organization_with_admin(admin, name="Malmin Ilmailukerho ry")


@pytest.fixture
def reader(db) -> User:
    """A member who reads their own "My data" page in English."""
    return UserFactory(
        email="ritva.reader@example.fi",
        first_name="Ritva",
        last_name="Lukija",
        preferred_language="en",
    )


def _data_views_section(client) -> str:
    response = client.get(MY_DATA_URL)
    assert response.status_code == 200
    found = re.search(
        r'<section[^>]*id="section-data_views".*?</section>', response.content.decode(), re.S
    )
    assert found, "no data_views section on the My data page"
    return found.group(0)


def _rows(section: str) -> list[tuple[str, ...]]:
    """(time, seen by, organization, how) for each row of the section's table."""
    return re.findall(
        r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", section
    )


def _export(client, organization: Organization, **params) -> bytes:
    response = client.get(reverse("organizations:members_export", args=[organization.pk]), params)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_it_shows_the_member_who_opened_their_details_and_who_exported_them(
    client, admin, organization, reader
):
    membership = add_member(organization, reader, member_number="7")
    client.force_login(admin)
    with time_machine.travel(datetime.datetime(2026, 3, 4, 12, 15, tzinfo=HELSINKI), tick=False):
        client.get(reverse("organizations:member", args=[organization.pk, membership.pk]))
    with time_machine.travel(datetime.datetime(2026, 3, 5, 9, 5, tzinfo=HELSINKI), tick=False):
        _export(client, organization, q="ritva")

    client.force_login(reader)
    section = _data_views_section(client)

    assert _rows(section) == [
        ("5.3.2026 09:05", "Aila Admin", "Malmin Ilmailukerho ry", "Exported the member list"),
        (
            "4.3.2026 12:15",
            "Aila Admin",
            "Malmin Ilmailukerho ry",
            "Opened the member&#x27;s details",
        ),
    ]
    assert "2 times" in section


def test_it_keeps_the_viewers_name_after_the_viewer_is_gone(client, admin, organization, reader):
    membership = add_member(organization, reader)
    second_admin = UserFactory(first_name="Ville", last_name="Väliaikainen")
    services.membership_admin_grant(membership=add_member(organization, second_admin), actor=admin)
    client.force_login(second_admin)
    client.get(reverse("organizations:member", args=[organization.pk, membership.pk]))
    second_admin.delete()

    client.force_login(reader)
    rows = _rows(_data_views_section(client))
    assert [(row[1], row[2]) for row in rows] == [("Ville Väliaikainen", "Malmin Ilmailukerho ry")]
    assert MemberDataView.objects.get().viewer is None


def test_it_shows_a_member_only_the_views_of_their_own_data(client, admin, organization, reader):
    ritva = add_member(organization, reader, member_number="1")
    olli = add_member(
        organization,
        UserFactory(email="olli@example.fi", first_name="Olli", last_name="Toinen"),
        member_number="2",
    )
    elsewhere_admin = UserFactory(first_name="Bertta", last_name="Muu")
    elsewhere = organization_with_admin(elsewhere_admin, name="Pohjanmaan Lentokoulu Oy")
    add_member(elsewhere, olli.user)

    client.force_login(admin)
    client.get(reverse("organizations:member", args=[organization.pk, ritva.pk]))
    client.get(reverse("organizations:member", args=[organization.pk, olli.pk]))
    client.get(reverse("organizations:member", args=[organization.pk, olli.pk]))
    _export(client, organization, q="olli")
    client.force_login(elsewhere_admin)
    _export(client, elsewhere)

    client.force_login(reader)
    ritva_rows = _rows(_data_views_section(client))
    assert [(row[1], row[2], row[3]) for row in ritva_rows] == [
        ("Aila Admin", "Malmin Ilmailukerho ry", "Opened the member&#x27;s details")
    ]

    client.force_login(olli.user)
    olli_section = _data_views_section(client)
    olli_rows = _rows(olli_section)
    assert len(olli_rows) == 4
    assert {(row[1], row[2]) for row in olli_rows} == {
        ("Aila Admin", "Malmin Ilmailukerho ry"),
        ("Bertta Muu", "Pohjanmaan Lentokoulu Oy"),
    }
    assert "Ritva" not in olli_section


def test_it_logs_no_view_for_a_page_without_the_profile(client, admin, organization, reader):
    ended = add_member(organization, reader, status=Membership.Status.ENDED)
    client.force_login(admin)
    client.get(reverse("organizations:member", args=[organization.pk, ended.pk]))

    client.force_login(reader)
    assert _rows(_data_views_section(client)) == []
    assert not MemberDataView.objects.exists()


def _export_queries(client, organization: Organization) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        body = _export(client, organization)
    assert body.count(b"\n") == organization.memberships.count() + 1
    return [query["sql"] for query in queries]


def test_it_logs_an_export_with_one_insert_whatever_the_number_of_members(client, admin):
    few = organization_with_admin(admin, name="Pieni Kerho ry")
    many = organization_with_admin(admin, name="Iso Kerho ry")
    add_members_in_bulk(few, 10, prefix="pieni")
    add_members_in_bulk(many, 200, prefix="iso")
    client.force_login(admin)
    _export(client, few)  # the first request after signing in also records the session

    few_queries = _export_queries(client, few)
    many_queries = _export_queries(client, many)

    assert len(few_queries) == len(many_queries)
    inserts = [q for q in many_queries if re.match(r'INSERT INTO "?\w+memberlistexport', q)]
    assert len(inserts) == 1
    # One row for the export, naming every member; not the admin seeing herself.
    (logged,) = MemberListExport.objects.filter(organization=many, viewer=admin)
    assert set(logged.member_ids) == set(
        many.memberships.exclude(user=admin).values_list("user", flat=True)
    )
    assert len(logged.member_ids) == 200
    assert logged.viewer_name == "Aila Admin"
    assert not MemberDataView.objects.filter(channel=MemberDataView.Channel.EXPORT).exists()


def test_a_members_read_log_costs_the_same_after_an_export_of_one_or_of_five_hundred(
    client, admin, reader
):
    small = organization_with_admin(admin, name="Pieni Kerho ry")
    large = organization_with_admin(admin, name="Iso Kerho ry")
    add_member(small, reader)
    add_member(large, reader)
    add_members_in_bulk(large, 499, prefix="iso")
    client.force_login(admin)
    _export(client, small)
    _export(client, large)

    def seen() -> tuple[int, list[str]]:
        with CaptureQueriesContext(connection) as queries:
            views, total = selectors.data_views_for_subject(user=reader)
        assert total == len(views)
        return len(queries), [view.organization.name for view in views]

    after_both, organizations = seen()
    assert sorted(organizations) == ["Iso Kerho ry", "Pieni Kerho ry"]
    MemberListExport.objects.filter(organization=large).delete()
    after_one, organizations = seen()
    assert organizations == ["Pieni Kerho ry"]
    assert after_both == after_one


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN and lz4 are PostgreSQL's")
def test_an_exports_row_is_written_cheaply_and_found_at_once(client, admin, reader):
    """The GIN index takes an export's ids through its pending list, and the id list is
    compressed with lz4 where the server has it (migration 0011): an export of 30,000
    members logged in 10 ms instead of 60, the index merged later by autovacuum. The
    pending list is searched too, so the member sees the export as soon as it is committed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'memberexport_members_gin'")
        assert "fastupdate=on" in cursor.fetchone()[0]
        # Autovacuum merges the pending list after any insert, not after a thousand.
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = 'organizations_memberlistexport'"
        )
        assert set(cursor.fetchone()[0]) >= {
            "autovacuum_vacuum_insert_threshold=0",
            "autovacuum_vacuum_insert_scale_factor=0",
        }
        cursor.execute(
            "SELECT attcompression FROM pg_attribute WHERE attname = 'member_ids'"
            " AND attrelid = 'organizations_memberlistexport'::regclass"
        )
        compression = cursor.fetchone()[0]
        try:
            with transaction.atomic():
                cursor.execute("CREATE TEMPORARY TABLE lz4_probe (t text COMPRESSION lz4)")
                transaction.set_rollback(True)
            assert compression == "l"
        except DatabaseError:
            assert compression in ("", "p")  # the server's default, pglz

    organization = organization_with_admin(admin, name="Iso Kerho ry")
    add_member(organization, reader)
    add_members_in_bulk(organization, 300, prefix="iso")
    client.force_login(admin)
    _export(client, organization)
    views, total = selectors.data_views_for_subject(user=reader)
    assert total == 1
    assert [view.organization.name for view in views] == ["Iso Kerho ry"]
