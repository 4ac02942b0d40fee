"""Two-factor authentication with an authenticator app (TOTP), through allauth's pages."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.factories import DEFAULT_PASSWORD, UserFactory

from .conftest import submit

EMAIL = "toivo.totp@example.fi"


def url_of(name: str) -> re.Pattern[str]:
    return re.compile(re.escape(reverse(name)) + r"(\?.*)?$")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_asks_for_an_authenticator_code_at_login_once_totp_is_enabled(
    page: Page, live_server, log_in, log_out, authenticator_app, console_errors
):
    user = UserFactory(email=EMAIL)
    log_in(EMAIL)
    expect(page).to_have_url(url_of("accounts:my_data"))

    # Enable TOTP from the account security pages.
    page.goto(reverse("mfa_index"))
    page.locator(f"a[href='{reverse('mfa_activate_totp')}']").click()
    # allauth wants the password again before a new authenticator is added.
    expect(page).to_have_url(url_of("account_reauthenticate"))
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    submit(page, "form:has(input[name=password])")
    expect(page).to_have_url(url_of("mfa_activate_totp"))
    # The QR code is a data: image, which the CSP allows.
    qr_code = page.locator("img[src^='data:image/svg+xml']")
    expect(qr_code).to_be_visible()
    assert qr_code.evaluate("img => img.complete && img.naturalWidth > 0")
    app = authenticator_app(page.locator("#authenticator_secret").input_value())
    app.enter_code(page)
    # allauth hands out recovery codes at once.
    expect(page).to_have_url(url_of("mfa_view_recovery_codes"))
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()

    log_out()

    # The password alone no longer signs them in: allauth stops at the code.
    log_in(EMAIL)
    expect(page).to_have_url(url_of("mfa_authenticate"))
    expect(page.locator("input[name=code]")).to_be_visible()
    expect(page.locator(f".site-header a[href='{reverse('account_login')}']")).to_be_visible()
    not_yet = page.request.get(reverse("accounts:my_data"), max_redirects=0)
    assert not_yet.status == 302
    assert not_yet.headers["location"].startswith(reverse("account_login"))

    # A wrong code is refused, and they are still not signed in.
    page.fill("input[name=code]", app.wrong_code())
    submit(page, "form:has(input[name=code])")
    expect(page).to_have_url(url_of("mfa_authenticate"))
    expect(page.locator("form:has(input[name=code]) .errorlist")).to_be_visible()
    expect(page.locator(f".site-header a[href='{reverse('account_login')}']")).to_be_visible()
    assert page.request.get(reverse("accounts:my_data"), max_redirects=0).status == 302

    # The right code completes the login.
    app.enter_code(page)
    expect(page).to_have_url(url_of("accounts:my_data"))
    expect(page.locator(f".site-header a[href='{reverse('account_logout')}']")).to_be_visible()
    assert page.request.get(reverse("accounts:my_data"), max_redirects=0).status == 200

    assert console_errors == []
