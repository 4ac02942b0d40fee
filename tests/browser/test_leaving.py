"""A member leaves an organization on a phone: the confirmation page says what stays, fits
the screen, and leaving says what the admins still see."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from organizations.models import Membership
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .conftest import submit

EMAIL = "lauri.lahtija@example.fi"
FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_member_leaves_on_a_phone_after_reading_what_stays(
    page: Page, live_server, log_in, console_errors
):
    club = organization_with_admin(UserFactory(), name="Kotkan Lentokerho ry")
    member = UserFactory(email=EMAIL, preferred_language="en")
    membership = add_member(club, member, member_number="321")
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(EMAIL)

    page.goto(reverse("organizations:leave", args=[club.pk]))
    expect(page.locator("main h1")).to_contain_text("Kotkan Lentokerho ry")
    expect(page.locator("main")).to_contain_text("What stays visible")
    assert page.evaluate(FITS), "the leave page is wider than the phone"
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE  # reading it left nothing

    submit(page, "main form")
    expect(page.locator(".messages")).to_contain_text("Still visible")
    assert page.evaluate(FITS), "the page after leaving is wider than the phone"
    membership.refresh_from_db()
    assert membership.status != Membership.Status.ACTIVE
    assert console_errors == []
