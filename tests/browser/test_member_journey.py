"""A new member, from signing up to reading their own data in Swedish."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from accounts.models import User

from .conftest import submit

EMAIL = "siiri.lentaja@example.fi"
PASSWORD = "Siipivali-2026-kevat"
MY_DATA = re.compile(re.escape(reverse("accounts:my_data")) + "$")
CONFIRMATION_LINK = re.compile(r"https?://\S+/accounts/confirm-email/[^/\s]+/")
SAVED = "Your details were saved."


def in_language(language: str, message: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_takes_a_new_member_from_signup_to_their_data_in_swedish(
    page: Page, new_context, live_server, mailoutbox, log_in, log_out, console_errors
):
    # Sign up. The browser asks for English, but the service speaks Finnish.
    page.goto(reverse("account_signup"))
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    submit(page, "form:has(input[name=password2])")
    expect(page).to_have_url(re.compile(re.escape(reverse("account_email_verification_sent"))))

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [EMAIL]
    link = CONFIRMATION_LINK.search(message.body)
    assert link, message.body
    assert link.group(0).startswith(live_server.url)

    # Until the address is confirmed, the password does not let them in (tried on another
    # device: in this browser allauth would finish that login once the link is opened).
    other_device = new_context().new_page()
    other_device.goto(reverse("account_login"))
    other_device.fill("input[name=login]", EMAIL)
    other_device.fill("input[name=password]", PASSWORD)
    submit(other_device, "form:has(input[name=password])")
    expect(other_device).to_have_url(
        re.compile(re.escape(reverse("account_email_verification_sent")))
    )
    assert other_device.request.get(reverse("accounts:my_data"), max_redirects=0).status == 302

    # Confirm the address from the link in the mail (a GET only shows the button). In the
    # browser that signed up, that also finishes the sign-in (LOGIN_ON_EMAIL_CONFIRMATION).
    page.goto(link.group(0))
    submit(page, "form[action*='/confirm-email/']")
    expect(page).to_have_url(MY_DATA)
    user = User.objects.get(email=EMAIL)
    assert user.emailaddress_set.get(email=EMAIL).verified

    # From now on the password lets them in.
    log_out()
    log_in(EMAIL, PASSWORD)
    expect(page).to_have_url(MY_DATA)
    expect(page.locator(f".site-header a[href='{reverse('account_logout')}']")).to_be_visible()

    # Fill in the profile.
    page.locator(f".site-header a[href='{reverse('accounts:profile')}']").click()
    expect(page.locator("input[name=first_name]")).to_be_visible()
    page.fill("input[name=first_name]", "Siiri")
    page.fill("input[name=last_name]", "Lentäjä")
    page.fill("input[name=street_address]", "Kiitotie 3 A 7")
    page.fill("input[name=postal_code]", "01530")
    page.fill("input[name=city]", "Vantaa")
    page.select_option("select[name=country]", "FI")
    page.fill("input[name=phone]", "040 123 4567")
    page.fill("input[name=date_of_birth]", "1990-04-15")
    submit(page, "form:has(input[name=first_name])")
    expect(page).to_have_url(MY_DATA)
    expect(page.locator(".message-success")).to_have_text(in_language("fi", SAVED))
    profile = page.locator("#section-profile")
    expect(profile).to_contain_text("Suomi")  # the country, in Finnish

    # Switch the interface to Swedish with the switcher in the header.
    page.select_option("#language-select", "sv")
    submit(page, "form.language-switcher")

    # "My data" now speaks Swedish and shows what was typed.
    expect(page).to_have_url(MY_DATA)
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.locator("#language-select")).to_have_value("sv")
    expect(page.locator("main h1")).to_have_text(in_language("sv", "My data"))
    assert in_language("sv", "My data") != in_language("fi", "My data")
    expect(profile).to_contain_text("Siiri Lentäjä")
    expect(profile).to_contain_text(EMAIL)
    expect(profile).to_contain_text("Kiitotie 3 A 7")
    expect(profile).to_contain_text("01530 Vantaa")
    expect(profile).to_contain_text("Finland")  # the country, in Swedish
    expect(profile).not_to_contain_text("Suomi")
    # The phone number typed in the national form is shown in the international one
    # (libphonenumber groups it "+358 40 1234567").
    expect(profile).to_contain_text(re.compile(r"\+358 40 123 ?4567"))
    expect(profile).to_contain_text("15.4.1990")
    expect(profile).to_contain_text("svenska")  # the preferred language, in Swedish

    # The choice is remembered on the account, not only in this browser.
    user.refresh_from_db()
    assert user.preferred_language == "sv"
    assert user.phone.as_e164 == "+358401234567"

    assert console_errors == []
