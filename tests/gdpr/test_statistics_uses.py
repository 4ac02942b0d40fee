"""The statistics drawn from the register are described from the registry: every use an
app registers through gdpr.api appears in the privacy notice and the records of
processing, under the purpose "Analysis, statistics", and a new one is a new version."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from gdpr import api
from gdpr.declarations import Purpose
from gdpr.models import NoticeVersion
from gdpr.notice.changes import notice_version_text
from gdpr.notice.document import notice_content, notice_publish
from gdpr.notice.records import records_of_processing
from gdpr.statistics_uses import (
    CONTROLLER_DASHBOARD,
    generation,
    statistics_uses,
    unregister_statistics_use,
)
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

CLUB_DASHBOARD = api.StatisticsUse(
    key="tests.club_dashboard",
    title="Club statistics (test use)",
    audience="The club's own admins",
    description="Members per age band and flight hours per month.",
)


@pytest.fixture
def club_use():
    """An app's use, registered as its ``ready()`` would (and gone after the test)."""
    yield lambda: api.register_statistics_use(CLUB_DASHBOARD)
    unregister_statistics_use(CLUB_DASHBOARD.key)


def test_gdpr_registers_the_controllers_dashboard():
    assert CONTROLLER_DASHBOARD in statistics_uses()


def test_registering_the_same_use_again_changes_nothing():
    before = generation()
    api.register_statistics_use(CONTROLLER_DASHBOARD)
    assert generation() == before


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_use_is_in_the_notice_under_the_statistics_purpose(client, language):
    content = notice_content(language)
    with translation.override(language):
        assert content["statistics"]["purpose"] == str(Purpose.ANALYSIS.label)
        title = str(CONTROLLER_DASHBOARD.title)
        audience = str(CONTROLLER_DASHBOARD.audience)
    keys = [use["key"] for use in content["statistics"]["uses"]]
    # Every registered use (other apps add theirs), the controller's among them.
    assert keys == [use.key for use in statistics_uses()]
    assert CONTROLLER_DASHBOARD.key in keys
    assert content["statistics"]["small_cell_limit"] == 5
    client.cookies["django_language"] = language
    body = client.get(reverse("gdpr:notice")).content.decode()
    assert 'id="statistics"' in body
    assert title in body
    assert audience.replace("'", "&#x27;") in body
    assert "&lt; 5" in body


def test_a_use_an_app_registers_is_a_new_version_of_the_notice(client, club_use):
    before = notice_publish()
    club_use()
    version = notice_publish()
    assert version.number == before.number + 1
    assert notice_publish().pk == version.pk
    client.cookies["django_language"] = "en"
    body = client.get(reverse("gdpr:notice")).content.decode()
    assert "Club statistics (test use)" in body
    assert "The club&#x27;s own admins" in body
    old = client.get(reverse("gdpr:notice_version", args=[before.number])).content.decode()
    assert "Club statistics (test use)" not in old
    # What changed: the purposes' section gained the use, word for word.
    text = notice_version_text(version.number, "en")
    added = [
        "".join(piece for _kind, piece in line.pieces)
        for change in text.changes
        for line in change.lines
        if line.kind == "ins"
    ]
    assert "Club statistics (test use)" in added
    assert NoticeVersion.objects.count() == 2


def test_the_records_of_processing_list_every_use(client, club_use):
    club_use()
    records = records_of_processing("en")
    keys = [use["key"] for use in records["statistics"]["uses"]]
    assert keys == [use.key for use in statistics_uses()]
    assert {CONTROLLER_DASHBOARD.key, CLUB_DASHBOARD.key} <= set(keys)
    client.force_login(StaffFactory(preferred_language="en"))
    body = client.get(reverse("gdpr_records")).content.decode()
    assert "Club statistics (test use)" in body
    assert "Members per age band and flight hours per month." in body
    with translation.override("en"):
        assert str(CONTROLLER_DASHBOARD.title) in body
