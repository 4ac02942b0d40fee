"""axe-core finds no serious or critical accessibility violation on the main pages of each
persona, on a phone (390 px) and on a desktop (1280 px).

The pages are filled from the URL walk's world (two organizations with everything they
hold, their admins and members, the controller's staff), under the site's real CSP.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Browser

from tests.gdpr.distinctive import use_private_storage
from tests.security.world import ADMIN_A, ANONYMOUS, MEMBER_A, SUPERUSER_MFA, World, build_world

from .a11y import serious_violations

WIDTHS = (390, 1280)


def public_pages(world: World) -> list[str]:
    names = ["home", "account_login", "account_signup", "account_reset_password", "gdpr:notice"]
    return [reverse(name) for name in names]


def member_pages(world: World) -> list[str]:
    objects = world.a.objects
    names = [
        "accounts:my_data",
        "accounts:profile",
        "account_email",
        "account_change_password",
        "usersessions_list",
        "mfa_index",
        "gdpr:privacy",
        "gdpr:marketing",
        "gdpr:rectification_new",
        "gdpr:erasure_preview",
        "organizations:mine",
        "billing:my_invoices",
        "billing:my_contracts",
    ]
    return [reverse(name) for name in names] + [
        reverse("gdpr:request_detail", args=[objects["public_id"].public_id]),
        reverse("billing:my_invoice", args=[objects["invoice_pk"].pk]),
    ]


def organization_admin_pages(world: World) -> list[str]:
    objects = world.a.objects
    org = world.a.organization.pk
    names = [
        "organizations:detail",
        "organizations:edit",
        "organizations:members",
        "organizations:admins",
        "organizations:invitations",
        "billing:products",
        "billing:contracts",
        "billing:invoices",
        "billing:invoice_create",
        "billing:payments",
        "communications:org_records",
    ]
    return [reverse(name, args=[org]) for name in names] + [
        reverse("organizations:member", args=[org, objects["membership_pk"].pk]),
        reverse("billing:contract", args=[org, objects["contract_pk"].pk]),
        reverse("billing:invoice", args=[org, objects["invoice_pk"].pk]),
    ]


def controller_pages(world: World) -> list[str]:
    request = world.a.objects["public_id"].pk
    return [
        reverse("admin:index"),
        reverse("admin:app_list", kwargs={"app_label": "gdpr"}),
        reverse("admin:gdpr_datasubjectrequest_changelist"),
        reverse("admin:gdpr_datasubjectrequest_change", args=[request]),
        reverse("admin:gdpr_datasubjectrequest_verify", args=[request]),
        reverse("admin:gdpr_datasubjectrequest_note", args=[request]),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[world.a.member.pk]),
        reverse("admin:organizations_organization_changelist"),
        reverse("admin:organizations_organization_change", args=[world.a.organization.pk]),
        reverse("admin:billing_invoice_changelist"),
    ]


PERSONAS = {
    ANONYMOUS: public_pages,
    MEMBER_A: member_pages,
    ADMIN_A: organization_admin_pages,
    SUPERUSER_MFA: controller_pages,
}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", PERSONAS)
def test_it_has_no_serious_accessibility_violations(
    browser: Browser, live_server, monkeypatch, tmp_path, role: str
):
    use_private_storage(monkeypatch, tmp_path)
    world = build_world()
    urls = PERSONAS[role](world)
    session = world.session_cookie(role)

    found: list[str] = []
    for width in WIDTHS:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": 900}, locale="en-US"
        )
        context.set_default_timeout(5_000)
        if session:
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
            )
        page = context.new_page()
        for url in urls:
            response = page.goto(url)
            assert response is not None and response.status == 200, (url, response)
            assert page.url == f"{live_server.url}{url}", f"{url} went to {page.url}"
            found += [f"{width} px {line}" for line in serious_violations(page)]
        context.close()

    assert found == [], "\n".join(found)
