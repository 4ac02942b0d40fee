"""axe-core finds no serious or critical accessibility violation on the pages a visitor who
is not signed in reaches, on a phone (390 px) and on a desktop (1280 px), under the site's
real CSP.

The signed-in personas' pages (the member's, an organization admin's, the controller's) are
checked by the page walk (``test_every_page.py``), every page at both widths.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Browser

from tests.gdpr.distinctive import use_private_storage
from tests.security.world import ANONYMOUS, World, build_world

from .a11y import serious_violations

WIDTHS = (390, 1280)


def public_pages(world: World) -> list[str]:
    names = ["home", "account_login", "account_signup", "account_reset_password", "gdpr:notice"]
    return [reverse(name) for name in names]


PERSONAS = {ANONYMOUS: public_pages}


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
