"""Fixtures for the real-browser tests: Debian's Chromium driven by Playwright.

Never run `playwright install` here: the browser is the distribution's Chromium.
Each test uses ``live_server`` with ``django_db(transaction=True)``; pytest-env sets
``DJANGO_ALLOW_ASYNC_UNSAFE`` because Playwright's sync API runs an event loop in the
test thread.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from tests.factories import DEFAULT_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# Chromium reports CSP violations on the console itself; this makes every violation an
# explicit console error as well, with the directive that blocked it. Init scripts are
# injected by the browser, so the page's own CSP does not stop this one.
CSP_VIOLATION_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(
    `CSP violation: ${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` on ${event.documentURI}`
  );
});
"""

TOTP_PERIOD = 30
TOTP_DIGITS = 6


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """Relative URLs in page.goto() go to the live server."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    # An English-speaking browser: the service must still answer in Finnish, since the
    # Accept-Language header is deliberately ignored.
    return {**browser_context_args, "locale": "en-US", "timezone_id": "Europe/Helsinki"}


@pytest.fixture
def context(context: BrowserContext) -> BrowserContext:
    # Fail in seconds, not Playwright's default 30 s: every page here answers at once.
    context.set_default_timeout(5_000)
    return context


@pytest.fixture
def console_errors(context: BrowserContext) -> list[str]:
    """Console errors, CSP violations and uncaught exceptions on every page of the test.

    Tests end with ``assert console_errors == []``.
    """
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        errors.append(f"{url}: {message.text}" if url else message.text)

    context.add_init_script(CSP_VIOLATION_REPORTER)
    context.on("console", on_console)
    context.on("weberror", lambda web_error: errors.append(f"uncaught: {web_error.error}"))
    return errors


def submit(page: Page, form_selector: str) -> None:
    """Press the submit button of the form and wait for the answer to load."""
    with page.expect_navigation():
        page.locator(f"{form_selector} button[type=submit]").first.click()


@pytest.fixture
def log_in(page: Page) -> Callable[..., None]:
    """Fill in allauth's login form (opening it first unless the page already shows it)."""

    def _log_in(email: str, password: str = DEFAULT_PASSWORD) -> None:
        if page.locator("input[name=login]").count() == 0:
            page.goto(reverse("account_login"))
        page.fill("input[name=login]", email)
        page.fill("input[name=password]", password)
        submit(page, "form:has(input[name=password])")

    return _log_in


@pytest.fixture
def log_out(page: Page) -> Callable[[], None]:
    """Sign out through the header link and allauth's confirmation form."""

    def _log_out() -> None:
        page.locator(f".site-header a[href='{reverse('account_logout')}']").click()
        submit(page, f"form[action='{reverse('account_logout')}']")
        expect(page.locator(f".site-header a[href='{reverse('account_login')}']")).to_be_visible()

    return _log_out


class AuthenticatorApp:
    """What the member's phone does: RFC 6238 codes (HMAC-SHA1, 30 s, 6 digits).

    Written out here rather than borrowed from allauth, so the test does not check
    allauth's arithmetic against itself.
    """

    def __init__(self, secret: str) -> None:
        self.key = base64.b32decode(secret.replace(" ", "").upper())

    @staticmethod
    def counter_now() -> int:
        return int(time.time()) // TOTP_PERIOD

    def code(self, counter: int) -> str:
        digest = hmac.new(self.key, struct.pack(">Q", counter), hashlib.sha1).digest()
        offset = digest[-1] & 0x0F
        value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
        return f"{value % 10**TOTP_DIGITS:0{TOTP_DIGITS}d}"

    def wrong_code(self) -> str:
        """A well-formed code that is valid in no time step near now."""
        now = self.counter_now()
        near = {self.code(counter) for counter in range(now - 3, now + 4)}
        return next(f"{n:06d}" for n in range(0, 10**TOTP_DIGITS, 111111) if f"{n:06d}" not in near)

    def enter_code(self, page: Page) -> None:
        """Type the current code into the form on the page and submit it.

        allauth accepts only the current time step (MFA_TOTP_TOLERANCE = 0); if the step
        changes between reading the code and the server checking it, read it again once.
        """
        form = "form:has(input[name=code])"
        path = urlsplit(page.url).path
        for _attempt in range(2):
            counter = self.counter_now()
            page.fill("input[name=code]", self.code(counter))
            submit(page, form)
            refused = urlsplit(page.url).path == path and page.locator(form).count() > 0
            if not refused or self.counter_now() == counter:
                return


@pytest.fixture
def authenticator_app() -> type[AuthenticatorApp]:
    return AuthenticatorApp
