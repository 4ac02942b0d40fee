"""An admin registers an organization, invites a member by email and makes them an admin."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from organizations import permissions, selectors
from organizations.models import (
    AdminRightChange,
    Invitation,
    MemberDataView,
    Membership,
    Organization,
)
from tests.factories import DEFAULT_PASSWORD, UserFactory

from .conftest import CSP_VIOLATION_REPORTER, submit

ADMIN_EMAIL = "aino.admin@example.fi"
INVITEE_EMAIL = "ville.vieras@example.fi"
ORGANIZATION_NAME = "Lentokerho Pohjantähti ry"
BUSINESS_ID = "2468823-3"
MEMBER_NUMBER = "1042"
INVITATION_LINK = re.compile(r"https?://\S+/organizations/invitation/[^/\s]+/")


def watch_console(context: BrowserContext, errors: list[str]) -> None:
    """What the ``console_errors`` fixture does for ``page``'s context, for another one.

    The fixture listens on the default ``context`` only; a second browser context made
    with ``new_context`` needs the same reporter and listeners of its own.
    """

    def on_console(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        errors.append(f"{url}: {message.text}" if url else message.text)

    context.add_init_script(CSP_VIOLATION_REPORTER)
    context.on("console", on_console)
    context.on("weberror", lambda web_error: errors.append(f"uncaught: {web_error.error}"))


def sign_in(page: Page, email: str, password: str = DEFAULT_PASSWORD) -> None:
    """allauth's login form on ``page`` (the conftest ``log_in`` drives ``page`` only)."""
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    submit(page, "main form:has(input[name=password])")


def path_is(path: str) -> re.Pattern[str]:
    return re.compile(re.escape(path) + r"(\?.*)?$")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_admin_registers_an_organization_invites_a_member_and_makes_them_an_admin(
    page: Page, new_context, live_server, settings, mailoutbox, log_in, console_errors
):
    # Links in mail are built from SITE_URL; point it at the test server.
    settings.SITE_URL = live_server.url
    admin = UserFactory(email=ADMIN_EMAIL, first_name="Aino", last_name="Virtanen")
    invitee = UserFactory(email=INVITEE_EMAIL, first_name="Ville", last_name="Vieras")

    # The admin signs in and registers the organization.
    log_in(ADMIN_EMAIL)
    page.goto(reverse("organizations:create"))
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    page.fill("input[name=name]", ORGANIZATION_NAME)
    page.select_option("select[name=kind]", Organization.Kind.FLIGHT_SCHOOL)
    page.fill("input[name=business_id]", BUSINESS_ID)
    submit(page, "main form:has(input[name=business_id])")

    organization = Organization.objects.get(business_id=BUSINESS_ID)
    assert organization.name == ORGANIZATION_NAME
    assert organization.kind == Organization.Kind.FLIGHT_SCHOOL
    assert organization.created_by == admin
    assert permissions.is_organization_admin(admin, organization)
    expect(page).to_have_url(path_is(reverse("organizations:detail", args=[organization.pk])))
    expect(page.locator("main h1")).to_have_text(ORGANIZATION_NAME)
    expect(page.locator("main .message-success")).to_have_count(1)

    # To the Invitations page through the organization's menu; invite by email.
    invitations_url = reverse("organizations:invitations", args=[organization.pk])
    page.locator(f"main .org-nav a[href='{invitations_url}']").click()
    expect(page).to_have_url(path_is(invitations_url))
    page.fill("input[name=name]", "Ville Vieras")
    page.fill("input[name=email]", INVITEE_EMAIL)
    page.fill("input[name=member_number]", MEMBER_NUMBER)
    submit(page, "main form:has(input[name=member_number])")
    expect(page).to_have_url(path_is(invitations_url))
    expect(page.locator("main .message-success")).to_contain_text(INVITEE_EMAIL)
    open_row = page.locator("main table tbody tr", has_text=INVITEE_EMAIL)
    expect(open_row).to_have_count(1)
    expect(open_row).to_contain_text(MEMBER_NUMBER)

    invitation = Invitation.objects.select_related("membership").get()
    assert invitation.membership.organization == organization
    assert invitation.membership.status == Membership.Status.INVITED
    assert invitation.membership.member_number == MEMBER_NUMBER
    assert invitation.membership.user is None
    assert invitation.sent_at is not None  # the task ran on commit, in-process

    # The mail went out with a link to the live server.
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [INVITEE_EMAIL]
    assert ORGANIZATION_NAME in message.subject
    assert ORGANIZATION_NAME in message.body
    link = INVITATION_LINK.search(message.body)
    assert link, message.body
    assert link.group(0).startswith(live_server.url)

    # The invitee, in a browser of their own, opens the link before signing in.
    invitee_errors: list[str] = []
    invitee_context = new_context()
    invitee_context.set_default_timeout(5_000)
    watch_console(invitee_context, invitee_errors)
    invitee_page = invitee_context.new_page()
    response = invitee_page.goto(link.group(0))
    assert response is not None and response.status == 200
    invitation_path = urlsplit(link.group(0)).path
    expect(invitee_page.locator("html")).to_have_attribute("lang", "fi")
    expect(invitee_page.locator("main h1")).to_contain_text(ORGANIZATION_NAME)

    # It lists every profile field the organization's admins would see, in Finnish.
    with translation.override("fi"):
        visible = [label[:1].upper() + label[1:] for label in selectors.visible_profile_labels()]
    shown = invitee_page.locator("main ul li").all_inner_texts()
    for label in visible:
        assert label in shown, (label, shown)
    assert invitee_page.locator("main form[method=post] button[type=submit]").count() == 0

    # Signing in from the invitation page comes back to it.
    login_link = invitee_page.locator(f"main a[href^='{reverse('account_login')}?next=']")
    with invitee_page.expect_navigation():
        login_link.click()
    sign_in(invitee_page, INVITEE_EMAIL)
    expect(invitee_page).to_have_url(path_is(invitation_path))
    expect(invitee_page.locator("main")).to_contain_text(INVITEE_EMAIL)

    # Accepting leads to the organization's page.
    submit(invitee_page, "main form[method=post]")
    expect(invitee_page).to_have_url(
        path_is(reverse("organizations:detail", args=[organization.pk]))
    )
    expect(invitee_page.locator("main h1")).to_have_text(ORGANIZATION_NAME)
    expect(invitee_page.locator("main .message-success")).to_contain_text(ORGANIZATION_NAME)

    membership = Membership.objects.get(organization=organization, user=invitee)
    assert membership.status == Membership.Status.ACTIVE
    assert membership.role == Membership.Role.MEMBER
    assert membership.member_number == MEMBER_NUMBER
    assert membership.email == INVITEE_EMAIL
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert not permissions.is_organization_admin(invitee, organization)

    # The admin finds the new member in the member list by name, then by member number.
    members_url = reverse("organizations:members", args=[organization.pk])
    member_url = reverse("organizations:member", args=[organization.pk, membership.pk])
    page.locator(f"main .org-nav a[href='{members_url}']").click()
    expect(page).to_have_url(path_is(members_url))
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(2)  # the admin and the new member

    for term in ("Vieras", MEMBER_NUMBER):
        page.fill("main form[role=search] input[name=q]", term)
        submit(page, "main form[role=search]")
        expect(page).to_have_url(re.compile(re.escape(members_url) + r"\?.*q=" + term))
        expect(rows).to_have_count(1)
        expect(rows).to_contain_text(INVITEE_EMAIL)
        expect(rows).to_contain_text(MEMBER_NUMBER)
        expect(rows).not_to_contain_text(ADMIN_EMAIL)

    # The member's page shows their profile; make them an admin from there.
    rows.locator(f"a[href='{member_url}']").click()
    expect(page).to_have_url(path_is(member_url))
    expect(page.locator("main h1")).to_have_text("Ville Vieras")
    expect(page.locator("main")).to_contain_text(INVITEE_EMAIL)
    expect(page.locator("main")).to_contain_text(MEMBER_NUMBER)
    # Opening the page is logged for the member's "who has seen my data".
    assert MemberDataView.objects.filter(
        organization=organization, subject=invitee, viewer=admin
    ).exists()
    grant_form = "main form:has(input[name=action][value=grant])"
    expect(page.locator(grant_form)).to_have_count(1)
    submit(page, grant_form)
    expect(page).to_have_url(path_is(member_url))
    expect(page.locator("main form:has(input[name=action][value=revoke])")).to_have_count(1)
    expect(page.locator(grant_form)).to_have_count(0)

    membership.refresh_from_db()
    assert membership.role == Membership.Role.ADMIN
    assert permissions.is_organization_admin(invitee, organization)
    change = AdminRightChange.objects.get(membership=membership)
    assert change.action == AdminRightChange.Action.GRANT
    assert change.changed_by == admin

    # The admins page lists both admins.
    admins_url = reverse("organizations:admins", args=[organization.pk])
    page.locator(f"main .org-nav a[href='{admins_url}']").click()
    expect(page).to_have_url(path_is(admins_url))
    admin_rows = page.locator("main .page-body > .table-scroll tbody tr")
    expect(admin_rows).to_have_count(2)
    new_admin_row = admin_rows.filter(has_text=INVITEE_EMAIL)
    expect(new_admin_row).to_have_count(1)
    expect(new_admin_row.locator(f"a[href='{member_url}']")).to_have_text("Ville Vieras")
    expect(admin_rows.filter(has_text=ADMIN_EMAIL)).to_have_count(1)
    # Its history of admin rights: the founder's grant and this one, made by the founder.
    history = page.locator("main section.card tbody tr")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("Ville Vieras")
    expect(history.first).to_contain_text("Aino Virtanen")

    # The new admin now has the organization's admin pages too.
    response = invitee_page.goto(admins_url)
    assert response is not None and response.status == 200
    expect(invitee_page.locator("main .page-body > .table-scroll tbody tr")).to_have_count(2)

    assert console_errors == []
    assert invitee_errors == []
