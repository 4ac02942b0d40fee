"""The organization's statistics dashboard: the members' figures, small cells hidden, who
may see it, and a query count that does not grow with the register."""

from __future__ import annotations

import csv
import datetime
import io
import re
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organizations import member_statistics, selectors
from organizations.models import Membership, Organization
from organizations.statistics import (
    SectionFigures,
    StatisticsSection,
    query_budget,
    register_statistics_section,
    registered_sections,
    section_for_figure,
    unregister_statistics_section,
    years_before,
)
from registry.aggregates import months_back
from tests.factories import StaffFactory, UserFactory

from .factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)
NOW = datetime.datetime(2026, 6, 15, 12, tzinfo=zoneinfo.ZoneInfo("Europe/Helsinki"))


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def _member(
    organization: Organization,
    *,
    born: datetime.date | None,
    language: str = "fi",
    joined: datetime.date,
    ended: datetime.date | None = None,
) -> Membership:
    user = UserFactory(date_of_birth=born, preferred_language=language)
    membership = add_member(
        organization, user, status=Membership.Status.ENDED if ended else Membership.Status.ACTIVE
    )
    Membership.objects.filter(pk=membership.pk).update(joined_on=joined, ended_on=ended)
    return membership


def _without_account(organization: Organization, *, status: str, joined=None) -> Membership:
    """A name and an address in the register, no account behind them."""
    return Membership.objects.create(
        organization=organization,
        name="Ilman Tiliä",
        email=f"ilman.tilia.{status}@example.fi",
        status=status,
        joined_on=joined,
    )


@pytest.fixture
def register(organization: Organization) -> Organization:
    """The admin (41, English, joined today) and:

    - 6 members of 31 (Finnish), joined March 2026;
    - 3 members of 16 (Swedish), joined March 2026;
    - 5 members of 76 (Finnish), joined January 2025;
    - 1 member without a date of birth (English), joined March 2026;
    - 1 active membership without an account, joined March 2026;
    - 1 invitation without an account;
    - 5 ended memberships (joined January 2024, ended February 2026).
    """
    for _ in range(6):
        _member(organization, born=datetime.date(1995, 1, 1), joined=datetime.date(2026, 3, 10))
    for _ in range(3):
        _member(
            organization,
            born=datetime.date(2010, 1, 1),
            language="sv",
            joined=datetime.date(2026, 3, 20),
        )
    for _ in range(5):
        _member(organization, born=datetime.date(1950, 1, 1), joined=datetime.date(2025, 1, 5))
    _member(organization, born=None, language="en", joined=datetime.date(2026, 3, 15))
    _without_account(
        organization, status=Membership.Status.ACTIVE, joined=datetime.date(2026, 3, 15)
    )
    _without_account(organization, status=Membership.Status.INVITED)
    for _ in range(5):
        _member(
            organization,
            born=datetime.date(1980, 1, 1),
            joined=datetime.date(2024, 1, 15),
            ended=datetime.date(2026, 2, 28),
        )
    return organization


def _figures(organization: Organization) -> SectionFigures:
    return member_statistics.build(organization, TODAY)


# --- The numbers --------------------------------------------------------------------------


def test_it_counts_the_current_members(register):
    counts = selectors.member_counts(organization=register, today=TODAY)
    assert counts.active == 17
    assert counts.by_status == {"invited": 1, "active": 17}
    assert counts.by_role == {"member": 16, "admin": 1}
    # Under 18, 18-24, 25-34, 35-44, 45-54, 55-64, 65+, unknown.
    assert counts.by_age == {0: 3, 1: 0, 2: 6, 3: 1, 4: 0, 5: 0, 6: 5, None: 2}
    assert counts.by_language == {"fi": 11, "sv": 3, "en": 2, None: 1}


def test_it_counts_who_joined_and_left_each_month(register):
    joined, left = selectors.members_joined_and_left_by_month(
        organization=register, since=datetime.date(2024, 7, 1)
    )
    assert joined == {
        datetime.date(2025, 1, 1): 5,
        datetime.date(2026, 3, 1): 11,
        datetime.date(2026, 6, 1): 1,
    }
    assert left == {datetime.date(2026, 2, 1): 5}


def test_it_draws_the_last_24_months_with_small_cells_hidden(register):
    flow = _figures(register).figure(member_statistics.FLOW)
    assert len(flow.categories) == 24
    joined, left = ([cell.value for cell in cells] for cells in flow.cells)
    expected_joined = [0] * 24
    expected_joined[6] = 5  # January 2025
    expected_joined[20] = 11  # March 2026
    expected_joined[23] = None  # June 2026: the admin alone
    assert joined == expected_joined
    assert left[19] == 5 and sum(v for v in left if v) == 5  # February 2026


def test_it_hides_small_age_bands_and_languages(register):
    figures = _figures(register)
    ages = figures.figure(member_statistics.BY_AGE)
    assert [cell.value for cell in ages.cells[0]] == [None, 0, 6, None, 0, 0, 5, None]
    languages = figures.figure(member_statistics.BY_LANGUAGE)
    assert [cell.value for cell in languages.cells[0]] == [11, None, None, None]
    # One admin: hidden, and the members beside them too, or the total would tell.
    roles = figures.figure(member_statistics.BY_ROLE)
    assert [cell.value for cell in roles.cells[0]] == [None, None]
    assert figures.headlines[0].cell.value == 17


def test_a_birthday_today_moves_the_member_to_the_next_band(organization):
    _member(organization, born=datetime.date(2008, 6, 15), joined=TODAY)  # 18 today
    _member(organization, born=datetime.date(2008, 6, 16), joined=TODAY)  # 17 for a day more
    counts = selectors.member_counts(organization=organization, today=TODAY)
    assert counts.by_age[0] == 1 and counts.by_age[1] == 1


def test_years_before_takes_29_february_to_28_february():
    assert years_before(datetime.date(2028, 2, 29), 18) == datetime.date(2010, 2, 28)
    assert years_before(TODAY, 18) == datetime.date(2008, 6, 15)


def test_months_back_crosses_the_year():
    assert months_back(datetime.date(2026, 2, 27), 3) == [
        datetime.date(2025, 12, 1),
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
    ]


# --- The page and the figures' own URLs ------------------------------------------------------


def _url(organization: Organization, figure: str | None = None) -> str:
    if figure is None:
        return reverse("organizations:statistics", args=[organization.pk])
    return reverse("organizations:statistics_figure", args=[organization.pk, figure])


def test_it_shows_every_registered_figure(admin_client, register):
    response = admin_client.get(_url(register))
    assert response.status_code == 200
    html = response.content.decode()
    shown = 0
    for built in response.context["sections"]:
        assert [f.slug for f in built.data.figures] == list(built.section.figure_slugs)
        for figure in built.data.figures:
            url = _url(register, figure.slug)
            assert f'href="{url}?format=csv"' in html
            # A figure whose every cell is hidden or zero draws no chart.
            assert (f'src="{url}?format=svg"' in html) == (not figure.is_empty)
            shown += not figure.is_empty
    assert shown >= 3
    assert "<dd>17" in html
    assert reverse("organizations:statistics", args=[register.pk]) in html  # the menu


def test_it_never_shows_a_cell_of_three(admin_client, register):
    html = admin_client.get(_url(register)).content.decode()
    cells = re.findall(r'<td class="num">([^<]*)</td>', html)
    assert cells and "3" not in cells
    assert "&lt; 5" in html


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body), delimiter=";"))


def test_each_figure_downloads_as_csv_without_small_cells(admin_client, register):
    for slug in section_for_figure(member_statistics.BY_AGE).figure_slugs:
        response = admin_client.get(_url(register, slug), {"format": "csv"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = _csv_rows(response)
        values = [value for row in rows[1:] for value in row[1:]]
        assert "3" not in values and "1" not in values, slug
    ages = _csv_rows(admin_client.get(_url(register, member_statistics.BY_AGE), {"format": "csv"}))
    assert [row[1] for row in ages[1:]] == ["< 5", "0", "6", "< 5", "0", "0", "5", "< 5"]


def test_each_figure_draws_as_an_svg_image_without_small_cells(admin_client, register):
    for slug in section_for_figure(member_statistics.BY_AGE).figure_slugs:
        response = admin_client.get(_url(register, slug), {"format": "svg"})
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        svg = response.content.decode()
        assert "<script" not in svg
        # The drawn values (pygal writes each point's value as its description).
        assert not re.search(r'<desc class="value">\s*[1-4]\s*</desc>', svg), slug
    # The image is the default.
    response = admin_client.get(_url(register, member_statistics.BY_AGE))
    assert response["Content-Type"] == "image/svg+xml"
    assert '<desc class="value">6</desc>' in response.content.decode()


@pytest.mark.parametrize("fmt", ["xyz", "", "SVG", "csv\x00", "../etc"])
def test_it_refuses_an_unknown_format_cleanly(admin_client, organization, fmt):
    response = admin_client.get(_url(organization, member_statistics.BY_AGE), {"format": fmt})
    assert response.status_code == 400


def test_an_unknown_figure_is_not_found(admin_client, organization):
    assert admin_client.get(_url(organization, "no-such-figure")).status_code == 404


# --- Who may see it ---------------------------------------------------------------------------


@pytest.fixture
def people(organization, member) -> dict[str, object]:
    add_member(organization, member)
    other_admin = UserFactory(email="bertta.other@example.fi")
    organization_with_admin(other_admin, name="Vaasan Lentokerho ry")
    return {
        "anonymous": None,
        "member": member,
        "other_admin": other_admin,
        "staff": StaffFactory(email="laura.stats@example.fi"),
    }


@pytest.mark.parametrize("role", ["anonymous", "member", "other_admin", "staff"])
@pytest.mark.parametrize("figure", [None, member_statistics.BY_AGE, "billing-overdue"])
def test_only_the_organizations_admins_see_it(client, organization, people, role, figure):
    user = people[role]
    if user is not None:
        client.force_login(user)
    url = _url(organization, figure)
    for params in ({}, {"format": "csv"}, {"format": "svg"}):
        response = client.get(url, params)
        if role == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        else:
            assert response.status_code == 404, (role, url, params)


def test_the_admin_sees_the_page_and_a_post_is_refused(admin_client, organization):
    assert admin_client.get(_url(organization)).status_code == 200
    assert admin_client.post(_url(organization)).status_code == 405


# --- Speed --------------------------------------------------------------------------------------


def _queries(client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
        if response.streaming:
            b"".join(response.streaming_content)
        assert response.status_code == 200
    return len(captured)


# Signing in and the permission check (session, user, guardian's permission lookups).
REQUEST_OVERHEAD = 6


def test_the_page_runs_a_fixed_number_of_queries(
    admin_client, organization, django_assert_max_num_queries
):
    admin_client.get(_url(organization))  # the notice version, sessions: written once
    small = _queries(admin_client, _url(organization))
    for n in range(30):
        _member(
            organization,
            born=datetime.date(1960 + n, 1, 1),
            language=["fi", "sv", "en"][n % 3],
            joined=datetime.date(2025, 1 + n % 12, 1),
            ended=datetime.date(2026, 1, 1) if n % 4 == 0 else None,
        )
    assert _queries(admin_client, _url(organization)) == small
    with django_assert_max_num_queries(query_budget() + REQUEST_OVERHEAD):
        admin_client.get(_url(organization))


@pytest.mark.parametrize("slug", [member_statistics.FLOW, member_statistics.BY_AGE])
@pytest.mark.parametrize("fmt", ["svg", "csv"])
def test_a_figure_runs_its_sections_queries_only(admin_client, organization, slug, fmt):
    admin_client.get(_url(organization))
    small = _queries(admin_client, _url(organization, slug), format=fmt)
    for n in range(12):
        _member(organization, born=datetime.date(1970 + n, 1, 1), joined=datetime.date(2026, 1, 1))
    assert _queries(admin_client, _url(organization, slug), format=fmt) == small
    assert small <= section_for_figure(slug).queries + REQUEST_OVERHEAD


# --- The registry -------------------------------------------------------------------------------


def test_the_sections_are_registered_in_order():
    keys = [section.key for section in registered_sections()]
    assert keys[:2] == ["members", "billing"]
    assert section_for_figure("billing-overdue").key == "billing"
    assert section_for_figure(member_statistics.BY_AGE).key == "members"
    assert section_for_figure("nothing") is None


def test_a_figure_slug_belongs_to_one_section():
    with pytest.raises(ValueError, match="members-by-age"):
        register_statistics_section(
            StatisticsSection(
                "another", "Another", ("members-by-age",), lambda o, t: SectionFigures()
            )
        )
    assert "another" not in [section.key for section in registered_sections()]
    unregister_statistics_section("another")


def test_a_figure_alone_runs_only_the_queries_it_needs(admin_client, organization):
    admin_client.get(_url(organization))
    queries = {
        slug: _queries(admin_client, _url(organization, slug), format="csv")
        for slug in (
            member_statistics.FLOW,
            member_statistics.BY_AGE,
            "billing-overdue",
            "billing-by-month",
            "billing-contracts",
        )
    }
    one = queries[member_statistics.BY_AGE]
    assert queries[member_statistics.FLOW] == one + 1  # joined, and left
    assert {queries[slug] for slug in queries if slug.startswith("billing-")} == {one}
    page = _queries(admin_client, _url(organization))
    assert page == one - 1 + query_budget()


def test_a_section_builds_only_its_own_figures(organization):
    members = section_for_figure(member_statistics.BY_AGE)
    assert members.figure(organization, TODAY, "billing-overdue") is None
    assert members.figure(organization, TODAY, member_statistics.BY_AGE).slug == "members-by-age"
