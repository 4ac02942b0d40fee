"""The privacy notice is one click from every page, in each language, and prints to PDF."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from tests.browser.conftest import submit


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_notice_is_reachable_from_the_footer_and_its_pdf_opens(
    page: Page, live_server, console_errors, language
):
    page.goto(reverse("account_login"))
    page.select_option("#language-select", language)
    submit(page, "form.language-switcher")
    with translation.override(language):
        link_text = translation.gettext("Privacy notice")
        pdf_text = translation.gettext("Download as PDF")
        in_brief = translation.gettext("In brief")

    page.locator(".site-footer").get_by_role("link", name=link_text).click()

    expect(page).to_have_url(f"{live_server.url}{reverse('gdpr:notice')}")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("h1")).to_contain_text(link_text)
    expect(page.locator("#notice-summary-title")).to_have_text(in_brief)

    pdf_link = page.get_by_role("link", name=pdf_text)
    # WeasyPrint lays out a dozen pages: allow it more than the 5 s other pages get.
    response = page.request.get(pdf_link.get_attribute("href"), timeout=60_000)
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    assert console_errors == []
