"""The main flows with the keyboard alone: Tab to a field, type, Tab to the button, Enter.

No mouse: nothing here clicks or fills. Every Tab stop must show where the focus is
(an outline or a ring), and the target is found by pressing Tab until the focused element
matches, so a new link before it does not break the test, but a field no key reaches does.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page, expect

from accounts.models import User
from billing.models import Invoice
from gdpr.models import DataSubjectRequest, RequestKind, RequestStatus
from gdpr.requests.services import request_file
from organizations.models import Invitation
from tests.billing.factories import bank_account, product
from tests.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin

# Tab presses before a test gives up looking for its target.
TAB_CAP = 80

FOCUSED = """() => {
  const element = document.activeElement;
  if (!element || element === document.body || element === document.documentElement) {
    return null;
  }
  const style = getComputedStyle(element);
  const box = element.getBoundingClientRect();
  return {
    element: element.outerHTML.slice(0, 160),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth) || 0,
    boxShadow: style.boxShadow,
    width: box.width,
    height: box.height,
  };
}"""
MATCHES = "(selector) => !!document.activeElement && document.activeElement.matches(selector)"


def path_is(path: str) -> re.Pattern[str]:
    return re.compile(re.escape(path) + r"(\?[^#]*)?(#.*)?$")


def assert_focus_visible(page: Page) -> None:
    """The focused element is on screen and drawn with a focus indicator."""
    focused = page.evaluate(FOCUSED)
    if focused is None:
        return  # past the last stop, in the browser's own controls
    assert focused["width"] > 0 and focused["height"] > 0, f"focus on a hidden element: {focused}"
    ring = focused["outlineStyle"] != "none" and focused["outlineWidth"] > 0
    assert ring or focused["boxShadow"] != "none", f"no visible focus: {focused}"


def tab_to(page: Page, selector: str, *, cap: int = TAB_CAP) -> None:
    """Press Tab until the focused element matches ``selector``, checking each stop."""
    for _ in range(cap):
        page.keyboard.press("Tab")
        assert_focus_visible(page)
        if page.evaluate(MATCHES, selector):
            return
    raise AssertionError(f"{selector} not reached in {cap} Tab presses on {page.url}")


def type_into(page: Page, selector: str, text: str) -> None:
    """Tab to a text field and type ``text`` over what it held."""
    tab_to(page, selector)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Delete")
    page.keyboard.type(text)


def choose(page: Page, selector: str, value: str) -> None:
    """Tab to a closed <select> and press the arrows until ``value`` is chosen."""
    tab_to(page, selector)
    for key in ("Home", *["ArrowDown"] * 40):
        if page.evaluate("(s) => document.querySelector(s).value", selector) == value:
            return
        page.keyboard.press(key)
    raise AssertionError(f"{value} not chosen in {selector}")


def press_enter_on(page: Page, selector: str, *, timeout: float = 5_000) -> None:
    """Tab to a link or button and press Enter; wait for the page it opens (``timeout``
    milliseconds for a slow one)."""
    tab_to(page, selector)
    with page.expect_navigation(timeout=timeout):
        page.keyboard.press("Enter")


def skip_to_content(page: Page, link: str = "a.skip-link[href='#content']") -> None:
    """The first Tab on a page reaches its skip link; Enter jumps past the menus."""
    page.keyboard.press("Tab")
    assert page.evaluate(MATCHES, link), page.evaluate(FOCUSED)
    assert_focus_visible(page)
    page.keyboard.press("Enter")


def log_in_by_keyboard(page: Page, email: str) -> None:
    page.goto(reverse("account_login"))
    type_into(page, "input[name=login]", email)
    type_into(page, "input[name=password]", DEFAULT_PASSWORD)
    press_enter_on(page, "main form:has(input[name=password]) button[type=submit]")
    expect(page).not_to_have_url(path_is(reverse("account_login")))


def staff_session(context: BrowserContext, base_url: str, staff: User) -> None:
    """A signed-in session for the controller's staff member (their sign-in with a second
    factor is another test's subject)."""
    session = SessionStore()
    session["_auth_user_id"] = str(staff.pk)
    session["_auth_user_backend"] = "allauth.account.auth_backends.AuthenticationBackend"
    session["_auth_user_hash"] = staff.get_session_auth_hash()
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "email": staff.email},
        {"method": "mfa", "at": time.time(), "type": "totp"},
    ]
    session.create()
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": base_url}]
    )


@pytest.fixture
def english_member(db) -> Callable[..., User]:
    def _make(email: str, **kwargs) -> User:
        return UserFactory(email=email, preferred_language="en", **kwargs)

    return _make


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_skips_to_the_content_with_the_first_tab(page: Page, live_server, console_errors):
    page.goto(reverse("account_login"))

    page.keyboard.press("Tab")
    assert page.evaluate(MATCHES, "a.skip-link[href='#content']")
    assert_focus_visible(page)
    expect(page.locator("a.skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate(MATCHES, "main#content")
    # The next Tab goes on from the content, past the header's links.
    tab_to(page, "main a, main input, main button", cap=1)
    assert console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_signs_up_with_the_keyboard(page: Page, live_server, mailoutbox, console_errors):
    page.goto(reverse("home"))
    press_enter_on(page, f".site-header a[href='{reverse('account_signup')}']")
    expect(page).to_have_url(path_is(reverse("account_signup")))

    type_into(page, "input[name=email]", "kaisa.nappis@example.fi")
    type_into(page, "input[name=password1]", "Lentokone-Kaisa-2026")
    type_into(page, "input[name=password2]", "Lentokone-Kaisa-2026")
    press_enter_on(page, "main form:has(input[name=password2]) button[type=submit]")

    expect(page).to_have_url(path_is(reverse("account_email_verification_sent")))
    assert [message.to for message in mailoutbox] == [["kaisa.nappis@example.fi"]]
    assert console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_edits_the_profile_with_the_keyboard(
    page: Page, live_server, english_member, console_errors
):
    member = english_member("kalle.nappis@example.fi", city="Helsinki")
    log_in_by_keyboard(page, member.email)
    press_enter_on(page, f".site-header a[href='{reverse('accounts:profile')}']")

    type_into(page, "input[name=city]", "Tampere")
    press_enter_on(page, "main form[method=post] button[type=submit]")

    member.refresh_from_db()
    assert member.city == "Tampere"
    expect(page.locator("main .message-success")).to_have_count(1)
    assert console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_admin_invites_a_member_with_the_keyboard(
    page: Page, live_server, english_member, mailoutbox, console_errors
):
    admin = english_member("aila.nappis@example.fi")
    organization = organization_with_admin(admin, name="Näppäinkerho ry")
    log_in_by_keyboard(page, admin.email)
    page.goto(reverse("organizations:detail", args=[organization.pk]))
    invitations_url = reverse("organizations:invitations", args=[organization.pk])
    press_enter_on(page, f"main a[href='{invitations_url}']")
    expect(page).to_have_url(path_is(invitations_url))

    type_into(page, "input[name=name]", "Ville Vieras")
    type_into(page, "input[name=email]", "ville.vieras@example.fi")
    type_into(page, "input[name=member_number]", "77")
    press_enter_on(page, "main form:has(input[name=member_number]) button[type=submit]")

    invitation = Invitation.objects.select_related("membership").get()
    assert invitation.membership.organization == organization
    assert invitation.membership.member_number == "77"
    expect(page.locator("main .message-success")).to_contain_text("ville.vieras@example.fi")
    assert [message.to for message in mailoutbox] == [["ville.vieras@example.fi"]]
    assert console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_admin_creates_and_sends_an_invoice_with_the_keyboard(
    page: Page, live_server, settings, english_member, mailoutbox, console_errors
):
    settings.SITE_URL = live_server.url
    admin = english_member("aila.nappis@example.fi")
    member = english_member("mikko.nappis@example.fi")
    organization = organization_with_admin(admin, name="Näppäinkerho ry")
    membership = add_member(organization, member, member_number="12")
    bank_account(organization)
    flight_hour = product(organization)
    log_in_by_keyboard(page, admin.email)
    page.goto(reverse("billing:invoices", args=[organization.pk]))
    create_url = reverse("billing:invoice_create", args=[organization.pk])
    press_enter_on(page, f"main a[href='{create_url}']")
    expect(page).to_have_url(path_is(create_url))

    form = "main form[method=post]:has(select[name=membership])"
    choose(page, f"{form} select[name=membership]", str(membership.pk))
    choose(page, f"{form} select[name='lines-0-product']", str(flight_hour.pk))
    type_into(page, f"{form} input[name='lines-0-quantity']", "2")
    # The form's last submit button creates the invoice; the first one only adds rows.
    press_enter_on(page, f"{form} button[type=submit]:not([name=add_lines])")

    invoice = Invoice.objects.get(organization=organization)
    assert invoice.membership == membership
    assert invoice.lines.get().quantity == 2
    invoice_url = reverse("billing:invoice", args=[organization.pk, invoice.pk])
    expect(page).to_have_url(path_is(invoice_url))

    send_url = reverse("billing:invoice_send", args=[organization.pk, invoice.pk])
    # Sending renders the PDF before the page answers (Celery runs in-process here).
    press_enter_on(page, f"main form[action='{send_url}'] button[type=submit]", timeout=30_000)
    expect(page).to_have_url(path_is(invoice_url))
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SENT
    assert [message.to for message in mailoutbox] == [[member.email]]
    assert console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_member_files_a_privacy_request_with_the_keyboard(
    page: Page, live_server, english_member, console_errors
):
    member = english_member("kalle.nappis@example.fi")
    log_in_by_keyboard(page, member.email)
    press_enter_on(page, f".site-header a[href='{reverse('gdpr:privacy')}']")

    access_form = "#request-access form[method=post]"
    type_into(page, f"{access_form} textarea[name=access-details]", "Kaikki tietoni, kiitos.")
    press_enter_on(page, f"{access_form} button[type=submit]")

    request = DataSubjectRequest.objects.get(subject=member)
    assert request.kind == RequestKind.ACCESS
    assert request.details == "Kaikki tietoni, kiitos."
    expect(page).to_have_url(path_is(reverse("gdpr:request_detail", args=[request.public_id])))
    assert console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_controller_handles_a_request_at_the_desk_with_the_keyboard(
    page: Page, context: BrowserContext, live_server, english_member, console_errors
):
    member = english_member("kalle.nappis@example.fi", first_name="Kalle", last_name="Näppis")
    request = request_file(subject=member, kind=RequestKind.ACCESS, actor=member)
    staff = StaffFactory(email="laura.nappis@example.fi", preferred_language="en")
    staff_session(context, live_server.url, staff)
    page.goto(reverse("admin:gdpr_datasubjectrequest_changelist"))

    # Past the admin's menu of every model with its own skip link.
    admin_skip_link = "a.skip-to-content-link[href='#content-start']"
    skip_to_content(page, admin_skip_link)
    change_url = reverse("admin:gdpr_datasubjectrequest_change", args=[request.pk])
    press_enter_on(page, f"#result_list a[href^='{change_url}']")
    expect(page).to_have_url(path_is(change_url))
    skip_to_content(page, admin_skip_link)
    press_enter_on(page, ".gdpr-desk a.gdpr-step--verify")
    skip_to_content(page, admin_skip_link)

    # A group of radio buttons is one Tab stop; the arrows choose within it.
    tab_to(page, "input[name=method]")
    page.keyboard.press("Space")
    for _ in range(10):
        if page.evaluate(MATCHES, "input[name=method][value=signed_in]:checked"):
            break
        page.keyboard.press("ArrowDown")
    type_into(page, "textarea[name=note]", "Kirjautunut palveluun.")
    press_enter_on(page, "#content-main form[method=post] input[type=submit].default")

    expect(page).to_have_url(path_is(change_url))
    request.refresh_from_db()
    assert request.status == RequestStatus.IDENTITY_VERIFIED
    assert console_errors == []
