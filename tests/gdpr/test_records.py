"""Records of processing (Art. 30): generated from the registry, staff only, exportable."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation

from gdpr import declarations as registry
from gdpr.notice.records import records_of_processing
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

URLS = ("gdpr_records", "gdpr_records_csv", "gdpr_records_pdf")


@pytest.fixture
def controller_client(client):
    client.force_login(StaffFactory(preferred_language="en"))
    return client


def used_categories() -> list[registry.Category]:
    used = {key for entry in registry.registered_models() for key in entry.personal.values()}
    return [c for c in registry.categories() if c.key in used]


def test_every_purpose_and_category_of_the_registry_is_recorded():
    records = records_of_processing("en")
    with translation.override("en"):
        purposes = {str(p.label) for c in used_categories() for p in c.purposes}
        assert {a["purpose"] for a in records["activities"]} == purposes
        recorded = {item for a in records["activities"] for item in a["data"]}
        assert recorded == {str(c.label) for c in used_categories()}
        for activity in records["activities"]:
            assert activity["subjects"], activity["purpose"]
            assert activity["erasure"], activity["purpose"]


def test_the_page_the_csv_and_the_pdf(controller_client):
    page = controller_client.get(reverse("gdpr_records"))
    assert page.status_code == 200
    body = page.content.decode()
    with translation.override("en"):
        for category in used_categories():
            assert str(category.label).replace("'", "&#x27;") in body

    response = controller_client.get(reverse("gdpr_records_csv"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    # Art. 30(1)(a) first: the controller and its contacts, then the activities.
    assert rows[0][0] == "Controller"
    header = next(i for i, row in enumerate(rows) if row and row[0] == "Purpose")
    end = rows.index([], header)
    activities = rows[header + 1 : end]
    records = records_of_processing("en")
    assert len(activities) == len(records["activities"])
    # Then the statistics drawn from the register (purpose "Analysis, statistics"): a
    # heading, a row per use and the rule that hides small counts; the security measures last.
    uses = records["statistics"]["uses"]
    statistics = rows[end + 1 : rows.index([], end + 1)]
    assert statistics[0][0] == records["statistics"]["purpose"]
    assert [row[0] for row in statistics[1:-1]] == [use["title"] for use in uses]
    assert "< 5" in statistics[-1][0]
    assert rows[-1][0] == "Security measures"

    pdf = controller_client.get(reverse("gdpr_records_pdf"))
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize("name", URLS)
def test_anonymous_and_members_are_sent_to_the_admin_login(client, member, name):
    assert reverse("admin:login") in client.get(reverse(name))["Location"]
    client.force_login(member)
    assert reverse("admin:login") in client.get(reverse(name))["Location"]


@pytest.mark.parametrize("name", URLS)
def test_staff_without_the_permission_get_404(client, name):
    user = StaffFactory(is_superuser=False)
    client.force_login(user)
    assert client.get(reverse(name)).status_code == 404
    user.user_permissions.add(Permission.objects.get(codename="view_controllerdetails"))
    assert client.get(reverse(name)).status_code == 200
