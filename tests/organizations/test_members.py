"""The organization admin's member register: list, detail, export, ending and admin rights."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
from html import unescape
from urllib.parse import parse_qs

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from organizations import services
from organizations.models import (
    AdminRightChange,
    MemberDataView,
    MemberListExport,
    Membership,
    Organization,
)
from organizations.permissions import is_organization_admin
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin
from tests.organizations.test_member_scale import add_members_in_bulk

pytestmark = pytest.mark.django_db

EXPORT_HEADER = [
    "Member number",
    "Name",
    "Email address",
    "Status",
    "Role",
    "Joined",
    "Ended",
    "Street address",
    "Postal code",
    "City",
    "Country",
    "Phone number",
    "Date of birth",
    "Preferred language",
]
PROFILE_COLUMNS = slice(7, None)

CONFIRM = {"confirm": "yes"}


# --- Personas and the register ---------------------------------------------------------------


@pytest.fixture
def other_admin(db) -> User:
    admin = UserFactory(email="bertta.other@example.fi", first_name="Bertta", last_name="Muu")
    organization_with_admin(admin, name="Pohjanmaan Lentokoulu Oy")
    return admin


def _person(
    organization: Organization,
    first_name: str,
    last_name: str,
    number: str,
    joined: datetime.date,
    status: str = Membership.Status.ACTIVE,
) -> Membership:
    email = f"{first_name}.{last_name}@example.fi".lower()
    user = UserFactory(email=email, first_name=first_name, last_name=last_name)
    membership = add_member(organization, user, member_number=number, status=status)
    Membership.objects.filter(pk=membership.pk).update(joined_on=joined)
    membership.joined_on = joined
    return membership


@pytest.fixture
def people(organization, admin) -> dict[str, Membership]:
    """Three active members, one whose membership ended, one invited, and the admin."""
    people = {
        "pekka": _person(organization, "Pekka", "Aalto", "A-102", datetime.date(2023, 8, 20)),
        "mikko": _person(organization, "Mikko", "Korhonen", "A-103", datetime.date(2019, 3, 1)),
        "elina": _person(organization, "Elina", "Nieminen", "A-101", datetime.date(2021, 5, 10)),
        "johan": _person(
            organization,
            "Johan",
            "Lindqvist",
            "A-104",
            datetime.date(2015, 2, 2),
            status=Membership.Status.ENDED,
        ),
    }
    people["sanna"] = services.invitation_create(
        organization=organization,
        email="sanna.makinen@example.fi",
        name="Sanna Makinen",
        member_number="A-105",
        actor=admin,
    ).invitation.membership
    people["aila"] = organization.memberships.get(user=admin)
    return people


def _listed(client, organization: Organization, **params) -> list[str]:
    response = client.get(reverse("organizations:members", args=[organization.pk]), params)
    assert response.status_code == 200
    return [membership.name for membership in response.context["page"]]


def _messages(client, response) -> list[str]:
    """The messages shown on the page the response redirects to (which uses them up)."""
    assert response.status_code == 302
    page = client.get(response["Location"])
    shown = [str(message) for message in page.context["messages"]]
    assert all(message in page.content.decode() for message in shown)
    return shown


# --- Access ----------------------------------------------------------------------------------


def _member_urls(organization: Organization, membership: Membership) -> list[tuple[str, str]]:
    args = [organization.pk, membership.pk]
    return [
        ("get", reverse("organizations:members", args=[organization.pk])),
        ("get", reverse("organizations:members_export", args=[organization.pk])),
        ("get", reverse("organizations:member", args=args)),
        ("post", reverse("organizations:member_end", args=args)),
        ("post", reverse("organizations:member_admin_rights", args=args)),
        ("get", reverse("organizations:admins", args=[organization.pk])),
    ]


def test_it_answers_404_to_everyone_but_the_organizations_admins(
    client, organization, people, other_admin, staff
):
    mikko = people["mikko"]
    for outsider in (mikko.user, other_admin, staff):
        client.force_login(outsider)
        for method, url in _member_urls(organization, mikko):
            response = getattr(client, method)(url, {"action": "grant"})
            assert response.status_code == 404, (outsider, url)
    mikko.refresh_from_db()
    assert (mikko.status, mikko.role) == (Membership.Status.ACTIVE, Membership.Role.MEMBER)
    assert not MemberDataView.objects.exists()


def test_it_sends_anonymous_visitors_to_sign_in(client, organization, people):
    for method, url in _member_urls(organization, people["mikko"]):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


# --- List: search, filters, sorting, pagination ----------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("KORHONEN", ["Mikko Korhonen"]),
        ("  mikko   korhonen ", ["Mikko Korhonen"]),
        ("Elina.Nieminen@EXAMPLE.fi", ["Elina Nieminen"]),
        ("a-101", ["Elina Nieminen"]),
        (
            "A-10",
            ["Pekka Aalto", "Mikko Korhonen", "Johan Lindqvist", "Elina Nieminen", "Sanna Makinen"],
        ),
        ("makinen", ["Sanna Makinen"]),
        ("lindqvist", ["Johan Lindqvist"]),
        ("nobody-like-this", []),
    ],
)
def test_it_searches_by_name_email_and_member_number(
    admin_client, organization, people, query, expected
):
    assert _listed(admin_client, organization, q=query) == expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "active"}, ["Pekka Aalto", "Aila Admin", "Mikko Korhonen", "Elina Nieminen"]),
        ({"status": "ended"}, ["Johan Lindqvist"]),
        ({"status": "invited"}, ["Sanna Makinen"]),
        ({"role": "admin"}, ["Aila Admin"]),
        (
            {"role": "member", "status": "active"},
            ["Pekka Aalto", "Mikko Korhonen", "Elina Nieminen"],
        ),
        ({"status": "ended", "q": "korhonen"}, []),
    ],
)
def test_it_filters_by_status_and_role(admin_client, organization, people, filters, expected):
    assert _listed(admin_client, organization, **filters) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Pekka Aalto", "Mikko Korhonen", "Elina Nieminen"]),
        ("-name", ["Elina Nieminen", "Mikko Korhonen", "Pekka Aalto"]),
        ("number", ["Elina Nieminen", "Pekka Aalto", "Mikko Korhonen"]),
        ("joined", ["Mikko Korhonen", "Elina Nieminen", "Pekka Aalto"]),
        ("-joined", ["Pekka Aalto", "Elina Nieminen", "Mikko Korhonen"]),
    ],
)
def test_it_sorts(admin_client, organization, people, sort, expected):
    listed = _listed(admin_client, organization, status="active", role="member", sort=sort)
    assert listed == expected


def test_it_sorts_by_last_name_by_default(admin_client, organization, people):
    # An invited person has only the name typed in the invitation to sort by.
    assert _listed(admin_client, organization) == [
        "Pekka Aalto",
        "Aila Admin",
        "Mikko Korhonen",
        "Johan Lindqvist",
        "Elina Nieminen",
        "Sanna Makinen",
    ]


def _page_links(content: str) -> dict[str, dict[str, list[str]]]:
    links = re.findall(r'<a href="\?([^"]*)"(?: rel="(prev|next)")?>', content)
    return {rel or query: parse_qs(unescape(query)) for query, rel in links}


def test_it_keeps_the_search_filters_and_sort_in_the_page_links(admin_client, organization):
    add_members_in_bulk(organization, 60, prefix="haku")
    url = reverse("organizations:members", args=[organization.pk])
    params = {"q": "haku", "status": "active", "sort": "-name", "per_page": "25"}

    response = admin_client.get(url, params)
    page = response.context["page"]
    assert (page.number, page.paginator.num_pages, page.paginator.count) == (1, 3, 60)
    next_query = _page_links(response.content.decode())["next"]
    assert next_query == {**{k: [v] for k, v in params.items()}, "page": ["2"]}

    second = admin_client.get(url, {k: v[0] for k, v in next_query.items()})
    shown = second.context["page"]
    assert shown.number == 2
    assert len(shown.object_list) == 25
    sort_names = dict(Membership.objects.values_list("pk", "sort_name"))
    names = [sort_names[m.pk] for m in [*page, *shown]]
    assert names == sorted(names, reverse=True)
    assert all("haku" in m.email for m in shown)
    previous = _page_links(second.content.decode())["prev"]
    assert previous == {**{k: [v] for k, v in params.items()}, "page": ["1"]}


def test_a_search_scans_the_register_once_and_reads_its_page_by_id(admin_client, organization):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    add_members_in_bulk(organization, 60, prefix="haku")
    add_members_in_bulk(organization, 5, prefix="muu")
    url = reverse("organizations:members", args=[organization.pk])
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url, {"q": "haku", "per_page": "25", "page": "2"})
    page = response.context["page"]
    assert (page.number, page.paginator.count, len(page)) == (2, 60, 25)
    assert all("haku" in m.email for m in page)
    # The matches' ids once (no separate count), then the page's rows by id.
    searching = [q["sql"] for q in queries.captured_queries if "search_text" in q["sql"]]
    assert len(searching) == 1, searching


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "0"},
        {"page": "-3"},
        {"page": "99999"},
        {"page": "1.5"},
        {"page": "9" * 40},
        {"per_page": "abc"},
        {"per_page": "7"},
        {"per_page": "-50"},
        {"per_page": "100000"},
        {"per_page": "9" * 40},
        {"sort": "bogus"},
        {"sort": "-status; DROP TABLE x"},
        {"status": "deleted"},
        {"role": "owner"},
        {"q": "%_\\'\"<script>"},
        {"q": "x" * 500},
        {"q": "\x00"},
        {"page": "2", "per_page": "0", "sort": "", "status": "", "role": ""},
    ],
)
def test_it_never_fails_on_bad_parameters(admin_client, organization, people, params):
    response = admin_client.get(reverse("organizations:members", args=[organization.pk]), params)
    assert response.status_code == 200
    assert response.context["page_size"] in (25, 50, 100, 200)
    export = admin_client.get(
        reverse("organizations:members_export", args=[organization.pk]), params
    )
    assert export.status_code == 200
    assert b"".join(export.streaming_content).startswith(codecs.BOM_UTF8)


def test_it_falls_back_to_the_default_page_size_and_the_last_page(
    admin_client, organization, people
):
    url = reverse("organizations:members", args=[organization.pk])
    response = admin_client.get(url, {"per_page": "7", "page": "99"})
    assert response.context["page_size"] == 50
    assert response.context["page"].number == 1
    response = admin_client.get(url, {"per_page": "25"})
    assert response.context["page_size"] == 25


# --- Member detail ----------------------------------------------------------------------------


def test_it_shows_an_active_members_profile_and_logs_every_view(
    admin_client, admin, organization, people
):
    mikko = people["mikko"]
    url = reverse("organizations:member", args=[organization.pk, mikko.pk])

    content = admin_client.get(url).content.decode()
    assert "Mikko Korhonen" in content
    assert "A-103" in content
    assert "Mannerheimintie 12" in content
    assert "+358 40 1234567" in content
    assert "1.3.2019" in content  # joined
    views = MemberDataView.objects.filter(subject=mikko.user)
    assert views.count() == 1
    view = views.get()
    assert (view.organization, view.viewer, view.viewer_name, view.channel) == (
        organization,
        admin,
        "Aila Admin",
        MemberDataView.Channel.DETAIL,
    )

    admin_client.get(url)
    assert views.count() == 2
    assert MemberDataView.objects.count() == 2


@pytest.mark.parametrize("who", ["johan", "sanna"])
def test_it_shows_an_ended_or_invited_membership_without_the_profile(
    admin_client, organization, people, who
):
    membership = people[who]
    response = admin_client.get(
        reverse("organizations:member", args=[organization.pk, membership.pk])
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert membership.name in content
    assert membership.member_number in content
    assert response.context["member"] is None
    assert response.context["profile"] == []
    for profile_value in ("Mannerheimintie", "00100", "1234567", "1985", "17.5."):
        assert profile_value not in content
    if who == "johan":
        assert "2.2.2015" in content  # joined
        assert "30.6.2025" in content  # ended
        assert "no longer shown" in content
    assert not MemberDataView.objects.exists()


def test_it_answers_404_for_a_membership_of_another_organization(
    admin_client, organization, other_admin
):
    elsewhere = add_member(Organization.objects.get(name="Pohjanmaan Lentokoulu Oy"))
    response = admin_client.get(
        reverse("organizations:member", args=[organization.pk, elsewhere.pk])
    )
    assert response.status_code == 404
    assert not MemberDataView.objects.exists()


# --- Ending a membership ---------------------------------------------------------------------


def test_it_ends_a_membership(admin_client, organization, people):
    mikko = people["mikko"]
    url = reverse("organizations:member_end", args=[organization.pk, mikko.pk])

    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, CONFIRM)

    assert response.status_code == 302
    assert response["Location"] == reverse("organizations:member", args=[organization.pk, mikko.pk])
    assert _messages(admin_client, response) == ["The membership was ended."]
    mikko.refresh_from_db()
    assert mikko.status == Membership.Status.ENDED
    assert mikko.ended_on == timezone.localdate()
    assert mikko.joined_on == datetime.date(2019, 3, 1)
    assert _listed(admin_client, organization, status="ended") == [
        "Mikko Korhonen",
        "Johan Lindqvist",
    ]


def test_it_takes_admin_rights_away_with_the_membership(admin_client, admin, organization, people):
    mikko = people["mikko"]
    services.membership_admin_grant(membership=mikko, actor=admin)

    admin_client.post(
        reverse("organizations:member_end", args=[organization.pk, mikko.pk]), CONFIRM
    )

    mikko.refresh_from_db()
    assert (mikko.status, mikko.role) == (Membership.Status.ENDED, Membership.Role.MEMBER)
    assert not is_organization_admin(mikko.user, organization)
    latest = AdminRightChange.objects.filter(membership=mikko).order_by("-pk").first()
    assert (latest.action, latest.changed_by) == (AdminRightChange.Action.REVOKE, admin)


def test_it_keeps_the_last_admin(admin_client, admin, organization, people):
    aila = people["aila"]
    response = admin_client.post(
        reverse("organizations:member_end", args=[organization.pk, aila.pk]), CONFIRM
    )
    assert _messages(admin_client, response) == [
        "The last admin cannot leave. Make another member an admin first."
    ]
    aila.refresh_from_db()
    assert (aila.status, aila.role) == (Membership.Status.ACTIVE, Membership.Role.ADMIN)
    assert is_organization_admin(admin, organization)


# --- Admin rights ------------------------------------------------------------------------------


def _admin_rights(client, organization: Organization, membership: Membership, action: str):
    return client.post(
        reverse("organizations:member_admin_rights", args=[organization.pk, membership.pk]),
        {"action": action, "back": "member", **CONFIRM},
    )


def test_it_grants_and_revokes_admin_rights_and_records_who_did_it(
    admin_client, admin, organization, people
):
    mikko = people["mikko"]
    before = AdminRightChange.objects.count()

    response = _admin_rights(admin_client, organization, mikko, "grant")
    assert response["Location"] == reverse("organizations:member", args=[organization.pk, mikko.pk])
    assert _messages(admin_client, response) == ["Mikko Korhonen is now an admin."]
    mikko.refresh_from_db()
    assert mikko.role == Membership.Role.ADMIN
    assert is_organization_admin(mikko.user, organization)

    response = _admin_rights(admin_client, organization, mikko, "revoke")
    assert _messages(admin_client, response) == ["Mikko Korhonen is no longer an admin."]
    mikko.refresh_from_db()
    assert mikko.role == Membership.Role.MEMBER
    assert not is_organization_admin(mikko.user, organization)

    _admin_rights(admin_client, organization, mikko, "grant")
    changes = AdminRightChange.objects.order_by("pk").values_list(
        "organization", "membership", "action", "changed_by"
    )
    assert list(changes[before:]) == [
        (organization.pk, mikko.pk, AdminRightChange.Action.GRANT, admin.pk),
        (organization.pk, mikko.pk, AdminRightChange.Action.REVOKE, admin.pk),
        (organization.pk, mikko.pk, AdminRightChange.Action.GRANT, admin.pk),
    ]

    content = admin_client.get(reverse("organizations:admins", args=[organization.pk])).content
    history = content.decode().split('id="changes-title"')[1]
    rows = re.findall(
        r"<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", history
    )
    assert rows == [
        ("Mikko Korhonen", "Granted", "Aila Admin"),
        ("Mikko Korhonen", "Revoked", "Aila Admin"),
        ("Mikko Korhonen", "Granted", "Aila Admin"),
        ("Aila Admin", "Granted", "Aila Admin"),  # when she created the organization
    ]


def test_it_lets_an_admin_step_down_while_another_admin_remains(
    admin_client, admin, organization, people
):
    services.membership_admin_grant(membership=people["mikko"], actor=admin)
    aila = people["aila"]

    response = admin_client.post(
        reverse("organizations:member_admin_rights", args=[organization.pk, aila.pk]),
        {"action": "revoke", **CONFIRM},
    )

    assert response["Location"] == reverse("organizations:detail", args=[organization.pk])
    aila.refresh_from_db()
    assert aila.role == Membership.Role.MEMBER
    assert not is_organization_admin(admin, organization)
    latest = AdminRightChange.objects.order_by("-pk").first()
    assert (latest.membership, latest.action, latest.changed_by) == (
        aila,
        AdminRightChange.Action.REVOKE,
        admin,
    )


def test_it_refuses_to_revoke_the_last_admin_and_changes_nothing(
    admin_client, admin, organization, people
):
    aila = people["aila"]
    changes = AdminRightChange.objects.count()

    response = _admin_rights(admin_client, organization, aila, "revoke")

    assert _messages(admin_client, response) == ["The organization must keep at least one admin."]
    aila.refresh_from_db()
    assert aila.role == Membership.Role.ADMIN
    assert is_organization_admin(admin, organization)
    assert AdminRightChange.objects.count() == changes


@pytest.mark.parametrize(
    ("who", "action", "message"),
    [
        ("johan", "grant", "Only an active member can be made an admin."),
        ("sanna", "grant", "Only an active member can be made an admin."),
        ("mikko", "promote", "Unknown action."),
        ("mikko", "", "Unknown action."),
    ],
)
def test_it_refuses_other_admin_right_changes(
    admin_client, organization, people, who, action, message
):
    membership = people[who]
    changes = AdminRightChange.objects.count()

    response = _admin_rights(admin_client, organization, membership, action)

    assert _messages(admin_client, response) == [message]
    membership.refresh_from_db()
    assert membership.role == Membership.Role.MEMBER
    assert AdminRightChange.objects.count() == changes


# --- CSV export ------------------------------------------------------------------------------


def _export(client, organization: Organization, **params) -> list[list[str]]:
    response = client.get(reverse("organizations:members_export", args=[organization.pk]), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "no-store, private"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="malmin-ilmailukerho-ry-'
    )
    body = b"".join(response.streaming_content)
    assert body.startswith(codecs.BOM_UTF8)
    text = body.decode("utf-8")[1:]
    assert "\ufeff" not in text
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_it_exports_the_register_as_semicolon_separated_utf8(admin_client, organization, people):
    rows = _export(admin_client, organization, sort="number")

    assert rows[0] == EXPORT_HEADER
    by_number = {row[0]: row for row in rows[1:]}
    assert len(rows) == 1 + 6
    assert by_number["A-103"] == [
        "A-103",
        "Mikko Korhonen",
        "mikko.korhonen@example.fi",
        "Active",
        "Member",
        "2019-03-01",
        "",
        "Mannerheimintie 12",
        "00100",
        "Helsinki",
        "Finland",
        "+358401234567",
        "1985-05-17",
        "Finnish",
    ]
    assert [row[0] for row in rows[1:]] == ["", "A-101", "A-102", "A-103", "A-104", "A-105"]


def test_it_writes_semicolons_and_a_bom_byte_for_byte(admin_client, organization, people):
    response = admin_client.get(
        reverse("organizations:members_export", args=[organization.pk]), {"q": "a-103"}
    )
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeffMember number;Name;Email address;")
    assert "\nA-103;Mikko Korhonen;mikko.korhonen@example.fi;Active;Member;2019-03-01;;" in body


def test_it_leaves_the_profile_out_for_ended_and_invited_members(
    admin_client, organization, people
):
    rows = {row[0]: row for row in _export(admin_client, organization)[1:]}

    johan, sanna = rows["A-104"], rows["A-105"]
    assert johan[:7] == [
        "A-104",
        "Johan Lindqvist",
        "johan.lindqvist@example.fi",
        "Ended",
        "Member",
        "2015-02-02",
        "2025-06-30",
    ]
    assert sanna[:5] == ["A-105", "Sanna Makinen", "sanna.makinen@example.fi", "Invited", "Member"]
    assert johan[PROFILE_COLUMNS] == [""] * 7
    assert sanna[PROFILE_COLUMNS] == [""] * 7
    assert rows["A-101"][PROFILE_COLUMNS][0] == "Mannerheimintie 12"


@pytest.mark.parametrize(
    "first_name",
    ['=HYPERLINK("http://evil.example","click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"],
)
def test_it_guards_cells_against_formula_injection(admin_client, organization, first_name):
    user = UserFactory(first_name=first_name, last_name="", street_address="=1+1")
    add_member(organization, user, member_number="X-1")

    row = next(row for row in _export(admin_client, organization)[1:] if row[0] == "X-1")

    assert row[1] == "'" + first_name
    assert row[7] == "'=1+1"
    assert row[11] == "+358401234567"  # a phone number is no formula


@pytest.mark.parametrize("address", ["\t=1+1", "\r=1+1"], ids=["tab", "carriage-return"])
def test_it_guards_cells_starting_with_a_tab_or_carriage_return(
    admin_client, organization, address
):
    add_member(organization, UserFactory(street_address=address), member_number="X-1")

    row = next(row for row in _export(admin_client, organization)[1:] if row[0] == "X-1")

    assert row[7] == "'" + address


def test_it_exports_only_the_filtered_members_and_logs_only_them(
    admin_client, admin, organization, people
):
    rows = _export(admin_client, organization, status="active", role="member")
    assert sorted(row[1] for row in rows[1:]) == [
        "Elina Nieminen",
        "Mikko Korhonen",
        "Pekka Aalto",
    ]
    (export,) = MemberListExport.objects.all()
    assert set(User.objects.filter(pk__in=export.member_ids).values_list("email", flat=True)) == {
        "elina.nieminen@example.fi",
        "mikko.korhonen@example.fi",
        "pekka.aalto@example.fi",
    }

    rows = _export(admin_client, organization, q="korhonen")
    assert [row[1] for row in rows[1:]] == ["Mikko Korhonen"]
    mikko = people["mikko"].user
    assert MemberListExport.objects.filter(member_ids__has=mikko.pk).count() == 2
    assert MemberListExport.objects.count() == 2
    assert not MemberDataView.objects.exists()


def test_the_admin_is_told_when_a_members_processing_is_restricted(
    admin_client, organization, people
):
    from gdpr.models import ProcessingRestriction

    mikko = people["mikko"]
    url = reverse("organizations:member", args=[organization.pk, mikko.pk])
    assert admin_client.get(url).context["restricted"] is False
    restriction = ProcessingRestriction.objects.create(user=mikko.user, reason="Kiistetty")
    response = admin_client.get(url)
    assert response.context["restricted"] is True
    content = response.content.decode()
    assert "Art. 18" in content or "18 art." in content
    restriction.lifted_at = restriction.started_at
    restriction.save()
    assert admin_client.get(url).context["restricted"] is False
