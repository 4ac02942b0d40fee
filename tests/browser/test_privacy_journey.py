"""A member's data-protection requests, end to end in the browser: a copy of their data
answered through the controller's admin desk and downloaded behind a fresh password, and
an erasure request filed after its preview.

Export builds run in-process (tests/conftest.py makes Celery eager): the build starts
on the commit of the controller's "start" step and runs in that request of the live
server, WeasyPrint's report PDF included, so that one step is given a long timeout.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable

import pytest
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from playwright.sync_api import BrowserContext, ConsoleMessage, Locator, Page, expect

from billing.models import Invoice
from gdpr.models import DataExport, DataSubjectRequest, RequestKind, RequestStatus
from tests.billing.factories import invoice_for
from tests.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from tests.gdpr.distinctive import use_private_storage
from tests.organizations.factories import add_member, organization_with_admin

from .conftest import CSP_VIOLATION_REPORTER, submit

MEMBER_EMAIL = "helmi.purjelentaja@example.fi"
MEMBER_NAME = "Helmi Purjelentäjä"
STAFF_EMAIL = "tuula.tietosuoja@example.fi"
LANGUAGE = "fi"  # the service's own language, for both of them
ACCESS_DETAILS = "Haluan kopion kaikista tiedoistani."
IDENTITY_NOTE = "Kirjautunut palveluun ja tunnistautunut uudelleen."
ANSWER = "Kopio tiedoistasi on valmis ladattavaksi."
ERASURE_DETAILS = "Lopetin lentämisen."
# Collecting the data and laying out the report PDF: seconds, more on a busy machine.
EXPORT_BUILD_TIMEOUT = 180_000


def in_language(message: str) -> str:
    with translation.override(LANGUAGE):
        return translation.gettext(message)


def path_is(path: str) -> re.Pattern[str]:
    return re.compile(re.escape(path) + r"(\?.*)?$")


def press(page: Page, button: Locator, *, timeout: float | None = None) -> None:
    """Click a submit button and wait for the answer to load (``timeout`` for a slow one:
    the click itself waits for the navigation to commit)."""
    with page.expect_navigation(timeout=timeout):
        button.click(timeout=timeout)


def watch_console(context: BrowserContext, errors: list[str]) -> None:
    """The ``console_errors`` fixture's listeners, for a context made with ``new_context``."""

    def on_console(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        errors.append(f"{url}: {message.text}" if url else message.text)

    context.add_init_script(CSP_VIOLATION_REPORTER)
    context.on("console", on_console)
    context.on("weberror", lambda web_error: errors.append(f"uncaught: {web_error.error}"))


def fill_in_password_confirmation(page: Page, password: str = DEFAULT_PASSWORD) -> None:
    """Fill in allauth's "confirm your password" form (the caller submits it)."""
    expect(page).to_have_url(path_is(reverse("account_reauthenticate")))
    expect(page.locator("input[name=login]")).to_have_count(0)
    page.fill("form:has(input[name=password]) input[name=password]", password)


@pytest.fixture(autouse=True)
def _private_files(monkeypatch, tmp_path):
    # The live server runs in this process: its exports land in the test's folder.
    use_private_storage(monkeypatch, tmp_path / "private")


@pytest.fixture
def member_page(page: Page, log_in, console_errors) -> Page:
    first_name, last_name = MEMBER_NAME.split()
    UserFactory(
        email=MEMBER_EMAIL, first_name=first_name, last_name=last_name, preferred_language=LANGUAGE
    )
    log_in(MEMBER_EMAIL)
    return page


@pytest.fixture
def controller_page(new_context, authenticator_app) -> Callable[[list[str]], Page]:
    """The controller's staff member, signed in to the admin with their authenticator code,
    in a browser of their own whose console errors go to the list given."""

    def _open(errors: list[str]) -> Page:
        secret = generate_totp_secret()
        StaffFactory(email=STAFF_EMAIL, preferred_language=LANGUAGE, totp=secret)
        context = new_context()
        context.set_default_timeout(5_000)
        watch_console(context, errors)
        page = context.new_page()
        page.goto(reverse("admin:index"))
        expect(page).to_have_url(path_is(reverse("account_login")))
        page.fill("input[name=login]", STAFF_EMAIL)
        page.fill("input[name=password]", DEFAULT_PASSWORD)
        submit(page, "form:has(input[name=password])")
        expect(page).to_have_url(path_is(reverse("mfa_authenticate")))
        authenticator_app(secret).enter_code(page)
        expect(page).to_have_url(path_is(reverse("admin:index")))
        return page

    return _open


def take_step(page: Page, name: str, change_url: str) -> Locator:
    """Open one step of the request from the desk's buttons; the step's form."""
    with page.expect_navigation():
        page.locator(f".gdpr-desk a.gdpr-step--{name}").click()
    expect(page.locator("body.gdpr-step-page")).to_have_count(1)
    expect(page.locator(f".breadcrumbs a[href='{change_url}']")).to_have_count(1)
    return page.locator("#content-main form[method=post]")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_member_gets_a_copy_of_their_data_through_the_controllers_desk(
    member_page: Page, controller_page, live_server, settings, mailoutbox, console_errors
):
    settings.SITE_URL = live_server.url
    page = member_page

    # The member asks for a copy of their data on the privacy page.
    page.locator(f".site-header a[href='{reverse('gdpr:privacy')}']").click()
    expect(page).to_have_url(path_is(reverse("gdpr:privacy")))
    expect(page.locator("html")).to_have_attribute("lang", LANGUAGE)
    access_form = "#request-access form[method=post]"
    page.fill(f"{access_form} textarea[name=access-details]", ACCESS_DETAILS)
    submit(page, access_form)

    privacy_request = DataSubjectRequest.objects.get(subject__email=MEMBER_EMAIL)
    assert privacy_request.kind == RequestKind.ACCESS
    assert privacy_request.status == RequestStatus.RECEIVED
    assert privacy_request.details == ACCESS_DETAILS
    detail_url = reverse("gdpr:request_detail", args=[privacy_request.public_id])
    expect(page).to_have_url(path_is(detail_url))
    expect(page.locator("main .message-success")).to_have_text(
        in_language("Your request was received. We answer within a month at the latest.")
    )
    with translation.override(LANGUAGE):
        access_label = str(RequestKind.ACCESS.label)
        received_label = str(RequestStatus.RECEIVED.label)
        completed_label = str(RequestStatus.COMPLETED.label)
    expect(page.locator("main h1")).to_have_text(access_label)
    expect(page.locator(".badge.request-status-received")).to_have_text(received_label)

    # The controller opens it on the desk: verifies who asked, starts, and answers.
    staff_errors: list[str] = []
    desk = controller_page(staff_errors)
    change_url = reverse("admin:gdpr_datasubjectrequest_change", args=[privacy_request.pk])
    desk.goto(reverse("admin:gdpr_datasubjectrequest_changelist"))
    expect(desk.locator("#result_list")).to_contain_text(MEMBER_NAME)
    with desk.expect_navigation():
        desk.locator(f"#result_list a[href^='{change_url}']").first.click()
    expect(desk).to_have_url(path_is(change_url))
    expect(desk.locator(".gdpr-desk .gdpr-status--received")).to_have_count(1)

    verify = take_step(desk, "verify", change_url)
    verify.locator("input[name=method][value=signed_in]").check()
    verify.locator("textarea[name=note]").fill(IDENTITY_NOTE)
    press(desk, verify.locator("input[type=submit].default"))
    expect(desk).to_have_url(path_is(change_url))
    expect(desk.locator(".messagelist .success")).to_have_text(in_language("Identity verified."))
    expect(desk.locator(".gdpr-desk .gdpr-status--identity_verified")).to_have_count(1)

    # Starting queues the export on commit; eager Celery builds it before the page answers.
    start = take_step(desk, "start", change_url)
    press(desk, start.locator("input[type=submit].default"), timeout=EXPORT_BUILD_TIMEOUT)
    expect(desk).to_have_url(path_is(change_url))
    expect(desk.locator(".messagelist .success")).to_have_text(in_language("Handling started."))
    expect(desk.locator(".gdpr-desk .gdpr-status--in_progress")).to_have_count(1)
    export = DataExport.objects.get(request=privacy_request)
    assert export.status == DataExport.Status.READY, export.error
    assert export.language == LANGUAGE
    download_url = reverse("gdpr:export_download", kwargs={"export_id": export.pk})
    expect(desk.locator(".gdpr-desk .export-status-ready")).to_have_count(1)

    complete = take_step(desk, "complete", change_url)
    complete.locator("textarea[name=response]").fill(ANSWER)
    press(desk, complete.locator("input[type=submit].default"))
    expect(desk).to_have_url(path_is(change_url))
    expect(desk.locator(".messagelist .success")).to_have_text(
        in_language("Request completed; the answer has been sent.")
    )
    expect(desk.locator(".gdpr-desk .gdpr-status--completed")).to_have_count(1)
    privacy_request.refresh_from_db()
    assert privacy_request.status == RequestStatus.COMPLETED
    assert privacy_request.response == ANSWER
    assert privacy_request.identity_verified_by.email == STAFF_EMAIL
    # Received, export ready and the answer: each mailed to the member.
    assert [m.to for m in mailoutbox] == [[MEMBER_EMAIL]] * 3
    assert f"{live_server.url}{download_url}" in mailoutbox[-1].body

    # The member reads the answer on the request's page and downloads the copy.
    page.goto(detail_url)
    expect(page.locator(".badge.request-status-completed")).to_have_text(completed_label)
    expect(page.locator("section[aria-labelledby=response-title]")).to_contain_text(ANSWER)
    link = page.locator(f"section[aria-labelledby=export-title] a[href='{download_url}']")
    expect(link).to_have_text(in_language("Download your data (ZIP)"))
    with page.expect_navigation():
        link.click()
    # The ZIP holds everything about them: allauth asks for the password first, even
    # right after signing in.
    fill_in_password_confirmation(page)
    with page.expect_download() as download_info:
        page.locator("form:has(input[name=password]) button[type=submit]").click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(download.path().read_bytes())) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        data = json.loads(archive.read("data.json"))
        report = archive.read("report.pdf")
    assert "data.json" in names
    assert data["subject"]["email"] == MEMBER_EMAIL
    assert data["request"]["id"] == str(privacy_request.public_id)
    assert MEMBER_EMAIL in json.dumps(data["records"], ensure_ascii=False)
    assert report.startswith(b"%PDF")
    assert export.downloads.filter(downloaded_by__email=MEMBER_EMAIL).count() == 1

    assert staff_errors == []
    assert console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_member_previews_the_erasure_and_requests_it_behind_a_fresh_password(
    page: Page, live_server, settings, log_in, console_errors
):
    settings.SITE_URL = live_server.url
    member = UserFactory(email=MEMBER_EMAIL, preferred_language=LANGUAGE)
    organization = organization_with_admin(UserFactory(), name="Purjelentokerho Tuuli ry")
    membership = add_member(organization, member, member_number="31")
    # An issued invoice: the Accounting Act keeps it after the erasure.
    invoice = invoice_for(membership, send=True)
    assert invoice.status == Invoice.Status.SENT
    log_in(MEMBER_EMAIL)

    # From the privacy page to the preview.
    page.goto(reverse("gdpr:privacy"))
    preview_url = reverse("gdpr:erasure_preview")
    with page.expect_navigation():
        page.locator(f"#request-erasure a[href='{preview_url}']").click()
    expect(page).to_have_url(path_is(preview_url))
    expect(page.locator("html")).to_have_attribute("lang", LANGUAGE)
    expect(page.locator("main h1")).to_have_text(in_language("Erase my data"))
    plan = page.locator(".erasure-plan")
    expect(plan.locator(".erasure-refusal")).to_have_count(0)

    # What goes: the account and its records.
    expect(plan.locator("h3", has_text=in_language("Deleted"))).to_have_count(1)
    deleted = plan.locator(
        "table.erasure-table:not(:has(th:nth-child(3)))",
        has=page.get_by_role("columnheader", name=in_language("Records"), exact=True),
    )
    expect(deleted).to_have_count(1)
    expect(deleted.locator("tbody tr").first).to_be_visible()
    expect(plan.locator("ul.erasure-steps").first).to_contain_text(
        in_language("The account is closed: signing in stops working.")
    )

    # What is kept: the invoice, until the date the Accounting Act sets, and why.
    expect(
        plan.locator("h3", has_text=in_language("Kept until a date the law sets"))
    ).to_be_visible()
    kept = plan.locator(
        "table.erasure-table",
        has=page.get_by_role("columnheader", name=in_language("Kept until"), exact=True),
    )
    with translation.override(LANGUAGE):
        invoice_name = capfirst(f"{Invoice._meta.verbose_name} {invoice.number}")
    invoice_row = kept.locator(
        "tbody tr", has=page.get_by_role("cell", name=invoice_name, exact=True)
    )
    expect(invoice_row).to_have_count(1)
    until = invoice.retain_until
    expect(invoice_row.locator("td").nth(1)).to_have_text(f"{until.day}.{until.month}.{until.year}")
    expect(invoice_row.locator("td").nth(2)).to_contain_text("1336/1997")
    assert not DataSubjectRequest.objects.filter(subject=member).exists()  # looking does nothing

    # The request: confirmed with the box, then with the password.
    form = page.locator(f"form[action='{reverse('gdpr:erasure_request')}']")
    form.locator("input[name=confirm]").check()
    form.locator("textarea[name=details]").fill(ERASURE_DETAILS)
    press(page, form.locator("button[type=submit]"))
    fill_in_password_confirmation(page)
    assert not DataSubjectRequest.objects.filter(subject=member).exists()
    submit(page, "form:has(input[name=password])")

    # allauth replays the stashed request: the member lands on their new request.
    erasure_request = DataSubjectRequest.objects.get(subject=member)
    assert erasure_request.kind == RequestKind.ERASURE
    assert erasure_request.status == RequestStatus.RECEIVED
    assert erasure_request.details == ERASURE_DETAILS
    expect(page).to_have_url(
        path_is(reverse("gdpr:request_detail", args=[erasure_request.public_id]))
    )
    expect(page.locator("main .message-success")).to_have_text(
        in_language(
            "Your erasure request was received. The controller checks it and answers within a"
            " month; until then your account stays as it is."
        )
    )
    with translation.override(LANGUAGE):
        erasure_label = str(RequestKind.ERASURE.label)
        received_label = str(RequestStatus.RECEIVED.label)
    expect(page.locator("main h1")).to_have_text(erasure_label)
    expect(page.locator(".badge.request-status-received")).to_have_text(received_label)
    expect(page.locator("main .preserve-lines").first).to_have_text(ERASURE_DETAILS)
    # Nothing is erased before the controller acts.
    member.refresh_from_db()
    assert member.is_active
    invoice.refresh_from_db()
    assert invoice.membership.user_id == member.pk

    assert console_errors == []
