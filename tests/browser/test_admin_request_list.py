"""The controller's request list fits a 1280-pixel screen: the deadline is in view."""

from __future__ import annotations

import datetime

import pytest
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from gdpr.models import RequestChannel, RequestKind, RequestStatus
from tests.factories import StaffFactory, UserFactory
from tests.gdpr.factories import DataSubjectRequestFactory

EMAIL = "laura.desk@example.fi"
WIDTH = 1280


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["fi", "sv"])
def test_it_shows_the_deadline_column_on_a_1280_pixel_screen(
    page: Page, live_server, log_in, authenticator_app, language
):
    secret = generate_totp_secret()
    handler = StaffFactory(
        email=EMAIL,
        preferred_language=language,
        totp=secret,
        first_name="Laura-Maria",
        last_name="Kivimäki-Lindqvist",
    )
    # The longest kinds, statuses and channels, long names and extended, overdue
    # deadlines: the widest rows a busy day brings.
    overdue = timezone.localdate() - datetime.timedelta(days=3)
    for kind in (
        RequestKind.PROCESSING_OBJECTION,
        RequestKind.OBJECTION,
        RequestKind.RESTRICTION,
    ):
        person = UserFactory(
            first_name="Anna-Kaisa Maria", last_name="Väisänen-Lindqvist-Österberg"
        )
        DataSubjectRequestFactory(
            kind=kind,
            subject=person,
            channel=RequestChannel.WEB,
            status=RequestStatus.IDENTITY_VERIFIED,
            handler=handler,
            extended_due_on=overdue,
        )
    page.set_viewport_size({"width": WIDTH, "height": 800})

    page.goto(reverse("admin:index"))
    log_in(EMAIL)
    authenticator_app(secret).enter_code(page)
    page.goto(reverse("admin:gdpr_datasubjectrequest_changelist"))

    header = page.locator("#result_list th.column-deadline_display")
    expect(header).to_be_visible()
    box = header.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= WIDTH, f"the deadline header ends at {box}"
    # And the deadlines themselves, not only their header.
    cell = page.locator("#result_list td.field-deadline_display").first
    cell_box = cell.bounding_box()
    assert cell_box is not None
    assert cell_box["x"] + cell_box["width"] <= WIDTH
    # The page itself does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
