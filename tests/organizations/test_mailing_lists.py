"""An organization admin's mailing lists: marketing audiences of the organization's active
members (built on gdpr.api.marketing_audience), as CSV, logged as exports."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from gdpr.marketing import services as marketing
from gdpr.models import MarketingChannel
from organizations.models import MemberDataView, MemberListExport, Membership
from tests.factories import UserFactory
from tests.gdpr.test_marketing import reachable_person
from tests.organizations.factories import organization_with_admin

pytestmark = pytest.mark.django_db

CHANNELS = list(MarketingChannel.values)


@pytest.fixture
def organization():
    # Nothing to send to and no consents: the admin is on no list of these tests.
    admin = UserFactory(
        email="aila.admin@example.fi", preferred_language="en", street_address="", phone=""
    )
    return organization_with_admin(admin, name="Malmin Ilmailukerho ry")


@pytest.fixture
def admin(organization):
    return Membership.objects.get(organization=organization, role=Membership.Role.ADMIN).user


def mailing_list_url(organization, channel: str) -> str:
    return reverse("organizations:mailing_list", kwargs={"pk": organization.pk, "channel": channel})


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


@pytest.mark.parametrize("channel", CHANNELS)
def test_the_mailing_list_leaves_out_banned_people(client, organization, admin, channel):
    banned = reachable_person(organization, "banned@example.fi", first_name="Bertta")
    reachable_person(organization, "welcome@example.fi", first_name="Veera", phone="+358409998877")
    marketing.marketing_ban(banned.user, channels=[channel], source="subject", actor=None)
    client.force_login(admin)
    response = client.get(mailing_list_url(organization, channel))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    text = "\n".join(";".join(r) for r in rows)
    assert "Bertta" not in text
    assert "Veera" in text
    if channel == "email":
        assert rows[1][1] == "welcome@example.fi"
    elif channel == "post":
        assert rows[1][1:3] == ["Kiitotie 2", "00100"]
    else:
        assert rows[1][1] == "+358409998877"


def test_the_mailing_list_is_logged_as_an_export(client, organization, admin):
    person = reachable_person(organization, "seen@example.fi")
    client.force_login(admin)
    read_csv(client.get(mailing_list_url(organization, "email")))
    assert not MemberDataView.objects.exists()
    (export,) = MemberListExport.objects.filter(member_ids__has=person.user.pk)
    assert export.organization == organization and export.viewer == admin


def test_the_mailing_list_guards_against_formulas(client, organization, admin):
    reachable_person(organization, "formula@example.fi", first_name="=HYPERLINK(1)")
    client.force_login(admin)
    rows = read_csv(client.get(mailing_list_url(organization, "email")))
    assert rows[1][0].startswith("'=HYPERLINK(1)")


def test_the_mailing_list_is_404_for_members_who_are_not_admins(client, organization):
    member = reachable_person(organization, "plain@example.fi").user
    client.force_login(member)
    assert client.get(mailing_list_url(organization, "email")).status_code == 404


def test_the_mailing_list_is_404_for_admins_of_another_organization(client, organization):
    other_admin = UserFactory()
    organization_with_admin(other_admin, name="Toinen kerho ry")
    client.force_login(other_admin)
    assert client.get(mailing_list_url(organization, "post")).status_code == 404


def test_the_mailing_list_is_404_for_staff_outside_the_organization(client, organization, staff):
    client.force_login(staff)
    assert client.get(mailing_list_url(organization, "post")).status_code == 404


def test_the_mailing_list_sends_anonymous_visitors_to_sign_in(client, organization):
    response = client.get(mailing_list_url(organization, "email"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_an_unknown_channel_is_404(client, organization, admin):
    client.force_login(admin)
    assert client.get(mailing_list_url(organization, "fax")).status_code == 404


def test_the_members_page_links_to_the_mailing_lists(client, organization, admin):
    client.force_login(admin)
    content = client.get(reverse("organizations:members", args=[organization.pk])).content.decode()
    for channel in CHANNELS:
        assert mailing_list_url(organization, channel) in content


def test_the_mailing_list_query_count_does_not_grow_with_members(
    client, organization, admin, django_assert_max_num_queries
):
    client.force_login(admin)
    client.get(reverse("gdpr:privacy"))
    for count in (2, 40):
        for i in range(count):
            reachable_person(organization, f"m{count}-{i}@example.fi")
        # Page 7, the organization check, the export log, suppressions, the memberships.
        with django_assert_max_num_queries(12):
            rows = read_csv(client.get(mailing_list_url(organization, "email")))
        assert len(rows) > count
