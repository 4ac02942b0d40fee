"""The Django admin opens only to staff whose two-factor authentication came before their
staff rights."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.contrib import admin
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from tests.factories import StaffFactory

EMAIL = "laura.staff@example.fi"
REFUSED_HEADING = "The administration is closed to this account"


def url_of(name: str) -> re.Pattern[str]:
    return re.compile(re.escape(reverse(name)) + r"(\?.*)?$")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_refuses_staff_with_a_password_alone_and_does_not_send_them_to_enroll(
    page: Page, live_server, log_in, console_errors
):
    StaffFactory(email=EMAIL, preferred_language="fi", totp=False)

    # The admin asks them to sign in through allauth, and then refuses them.
    page.goto(reverse("admin:index"))
    expect(page).to_have_url(url_of("account_login"))
    log_in(EMAIL)
    expect(page).to_have_url(url_of("admin:index"))
    with translation.override("fi"):
        heading = translation.gettext(REFUSED_HEADING)
        index_title = str(admin.site.index_title)
    expect(page.locator("h1")).to_have_text(heading)
    # Not sent to enroll a factor: one enrolled now would not open the admin anyway.
    expect(page.locator(f"a[href='{reverse('mfa_activate_totp')}']")).to_have_count(0)
    # Nothing of the admin is shown.
    expect(page.locator("#site-name")).to_have_count(0)
    expect(page.locator("#content-main")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(index_title)

    # Not through a deeper address either.
    page.goto(reverse("admin:accounts_user_changelist"))
    expect(page.locator("h1")).to_have_text(heading)
    expect(page.locator("#result_list")).to_have_count(0)
    direct = page.request.get(reverse("admin:index"), max_redirects=0)
    assert direct.status == 403

    # The browser reports the refusals themselves (403) on the console; nothing else.
    assert [e for e in console_errors if "status of 403" not in e] == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_opens_the_admin_to_staff_who_give_their_authenticator_code(
    page: Page, live_server, log_in, authenticator_app, console_errors
):
    # The legitimate way: an authenticator app first, then the staff rights.
    secret = generate_totp_secret()
    staff = StaffFactory(email=EMAIL, preferred_language="fi", totp=secret)

    page.goto(reverse("admin:index"))
    log_in(EMAIL)
    expect(page).to_have_url(url_of("mfa_authenticate"))
    authenticator_app(secret).enter_code(page)

    expect(page).to_have_url(url_of("admin:index"))
    expect(page.locator("#site-name")).to_be_visible()
    expect(page.locator("#content-main")).to_be_visible()
    # The admin's own pages, scripts included, work under the site's CSP.
    page.goto(reverse("admin:accounts_user_changelist"))
    expect(page.locator("#result_list")).to_contain_text(EMAIL)
    page.goto(reverse("admin:accounts_user_change", args=[staff.pk]))
    expect(page.locator("input[name=email]")).to_have_value(EMAIL)

    assert console_errors == []
