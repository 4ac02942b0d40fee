"""The Django admin opens only to staff who have two-factor authentication."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib import admin
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from tests.factories import StaffFactory

EMAIL = "laura.staff@example.fi"
MFA_WARNING = "Enable two-factor authentication before using the administration."


def url_of(name: str) -> re.Pattern[str]:
    return re.compile(re.escape(reverse(name)) + r"(\?.*)?$")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_sends_staff_without_two_factor_from_the_admin_to_the_mfa_page(
    page: Page, live_server, log_in, console_errors
):
    StaffFactory(email=EMAIL, preferred_language="fi")

    # The admin asks them to sign in through allauth, and then sends them on to MFA.
    page.goto(reverse("admin:index"))
    expect(page).to_have_url(url_of("account_login"))
    log_in(EMAIL)
    expect(page).to_have_url(url_of("mfa_index"))
    with translation.override("fi"):
        warning = translation.gettext(MFA_WARNING)
        index_title = str(admin.site.index_title)
    expect(page.locator(".message-warning")).to_have_text(warning)
    expect(page.locator(f"a[href='{reverse('mfa_activate_totp')}']")).to_be_visible()
    # Nothing of the admin is shown.
    expect(page.locator("#site-name")).to_have_count(0)
    expect(page.locator("#content-main")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(index_title)

    # Not through a deeper address either, nor without following redirects.
    page.goto(reverse("admin:accounts_user_changelist"))
    expect(page).to_have_url(url_of("mfa_index"))
    expect(page.locator("#result_list")).to_have_count(0)
    direct = page.request.get(reverse("admin:index"), max_redirects=0)
    assert direct.status == 302
    assert direct.headers["location"] == reverse("mfa_index")

    assert console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_opens_the_admin_to_staff_who_give_their_authenticator_code(
    page: Page, live_server, log_in, authenticator_app, console_errors
):
    staff = StaffFactory(email=EMAIL, preferred_language="fi")
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)

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
