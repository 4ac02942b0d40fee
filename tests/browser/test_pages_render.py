"""The pages render under the strict CSP with no console errors."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, Route, expect

from tests.factories import DEFAULT_PASSWORD, UserFactory

from .conftest import submit

EMAIL = "paula.pages@example.fi"

PUBLIC_PAGES = ["home", "account_login", "account_signup", "account_reset_password"]
MEMBER_PAGES = [
    "accounts:my_data",
    "accounts:profile",
    "account_email",
    "account_change_password",
    "usersessions_list",
    "mfa_index",
    "organizations:mine",
]
# allauth asks for the password again before these; they carry the WebAuthn scripts and
# the TOTP QR code.
REAUTHENTICATED_PAGES = ["mfa_activate_totp", "mfa_add_webauthn"]

STYLESHEET_LOADED = """() => [...document.styleSheets].some(
  (sheet) => sheet.href && sheet.href.endsWith("/css/site.css") && sheet.cssRules.length > 0
)"""


def open_page(page: Page, name: str) -> None:
    response = page.goto(reverse(name))
    assert response is not None
    assert response.ok, f"{name}: HTTP {response.status}"
    expect(page).to_have_url(re.compile(re.escape(reverse(name)) + r"$"))
    expect(page.locator("main h1").first).to_be_visible()
    assert page.evaluate(STYLESHEET_LOADED), f"{name}: site.css not applied"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_renders_the_public_pages_without_console_errors(
    page: Page, live_server, console_errors
):
    for name in PUBLIC_PAGES:
        open_page(page, name)

    assert console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_renders_the_member_pages_without_console_errors(
    page: Page, live_server, log_in, console_errors
):
    UserFactory(email=EMAIL)
    log_in(EMAIL)
    for name in MEMBER_PAGES:
        open_page(page, name)

    page.goto(reverse(REAUTHENTICATED_PAGES[0]))
    expect(page).to_have_url(re.compile(re.escape(reverse("account_reauthenticate"))))
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    submit(page, "form:has(input[name=password])")
    for name in REAUTHENTICATED_PAGES:
        open_page(page, name)

    assert console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_notices_when_a_page_breaks_the_csp(page: Page, live_server, console_errors):
    """The check above would see a violation: the site's real CSP header, broken markup."""

    def add_inline_code(route: Route) -> None:
        response = route.fetch()
        assert "style-src 'self'" in response.headers["content-security-policy"]
        body = response.text().replace(
            "</body>",
            '<p style="color: red">inline style</p><script>document.title = "x"</script></body>',
        )
        route.fulfill(response=response, body=body)

    page.route(re.compile(r"/$"), add_inline_code)
    page.goto(reverse("home"))
    expect(page.locator("p", has_text="inline style")).to_be_visible()

    assert page.title() != "x"
    assert any("style-src" in error for error in console_errors), console_errors
    assert any("script-src" in error for error in console_errors), console_errors
