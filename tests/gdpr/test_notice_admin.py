"""A privacy notice version in the admin: the notice as its readers saw it, in the
handler's language, and what changed from the version before it; never the stored JSON."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from gdpr.models import ControllerDetails, NoticeVersion
from gdpr.notice.changes import notice_changes, notice_sections
from gdpr.notice.document import notice_publish
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def controller(db) -> User:
    return StaffFactory(email="laura.controller@example.fi", preferred_language="en")


@pytest.fixture
def controller_client(client, controller):
    client.force_login(controller)
    return client


def change_url(version: NoticeVersion) -> str:
    return reverse("admin:gdpr_noticeversion_change", args=[version.pk])


def two_versions() -> tuple[NoticeVersion, NoticeVersion]:
    ControllerDetails.objects.create(name="Lentorekisteri Oy", email="info@lentorekisteri.fi")
    first = notice_publish()
    details = ControllerDetails.objects.get()
    details.name = "Ilmailurekisteri Oy"
    details.privacy_contact_phone = "+358 40 123 4567"
    details.save()
    second = notice_publish()
    assert second.number == first.number + 1
    return first, second


def test_it_shows_the_version_as_rendered_and_what_changed(
    controller_client, django_assert_max_num_queries
):
    first, second = two_versions()
    # The session and sign-in checks, the version, its text and the one before it.
    with django_assert_max_num_queries(14):
        response = controller_client.get(change_url(second))
    assert response.status_code == 200
    page = response.content.decode()
    # The notice as published, in the handler's language (English).
    assert "Purposes and legal bases of the processing" in page
    assert second.content["en"]["html"][:200] in page
    # What changed from the version before: the old name removed, the new one added.
    assert f"Compared with version {first.number}" in page
    assert "<del>Lentorekisteri</del><ins>Ilmailurekisteri</ins> Oy" in page
    assert "<ins>Phone: +358 40 123 4567</ins>" in page
    assert "info@lentorekisteri.fi<ins>, +358 40 123 4567</ins>" in page
    # No stored JSON.
    assert '"html":' not in page
    assert "&quot;html&quot;" not in page


def test_the_first_version_has_nothing_to_compare_with(controller_client):
    version = notice_publish()
    page = controller_client.get(change_url(version)).content.decode()
    assert "The first version: there is no earlier one to compare with." in page
    assert "Purposes and legal bases of the processing" in page


def test_a_handler_reads_the_version_in_their_own_language(client, controller):
    _first, second = two_versions()
    controller.preferred_language = "fi"
    controller.save()
    client.force_login(controller)
    page = client.get(change_url(second), HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert second.content["fi"]["html"][:200] in page
    assert second.content["en"]["html"][:200] not in page


def test_the_list_of_versions_does_not_load_their_content(
    controller_client, django_assert_max_num_queries
):
    two_versions()
    with django_assert_max_num_queries(14) as captured:
        response = controller_client.get(reverse("admin:gdpr_noticeversion_changelist"))
    assert response.status_code == 200
    assert not any('"content"' in query["sql"] for query in captured.captured_queries)


def test_the_version_page_is_read_only(controller_client):
    version = notice_publish()
    response = controller_client.post(change_url(version), {"number": 99})
    assert response.status_code == 403
    version.refresh_from_db()
    assert version.number != 99


def test_sections_are_compared_line_by_line_and_word_by_word():
    before = (
        '<section id="a"><h2>1. Controller</h2><p>Lento Oy<br>Phone: 1</p></section>'
        '<section id="b"><h2>2. Gone</h2><p>Old text</p></section>'
    )
    after = (
        '<section id="a"><h2>1. Controller</h2><p>Lento Oy<br>Phone: 2</p></section>'
        '<section id="c"><h2>3. New</h2><ul><li>First</li><li>Second</li></ul></section>'
    )
    assert [s.title for s in notice_sections(after)] == ["1. Controller", "3. New"]
    changes = {change.title: change for change in notice_changes(before, after)}
    assert changes["1. Controller"].change == "changed"
    assert changes["1. Controller"].lines[0].pieces == [
        ("same", "Phone: "),
        ("del", "1"),
        ("ins", "2"),
    ]
    assert changes["3. New"].change == "added"
    assert [line.pieces for line in changes["3. New"].lines] == [
        [("ins", "3. New")],
        [("ins", "First")],
        [("ins", "Second")],
    ]
    assert changes["2. Gone"].change == "removed"
