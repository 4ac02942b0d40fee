from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

SWITCH_URL = reverse("accounts:set_language")


def test_it_is_finnish_by_default_whatever_the_browser_asks(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="fi">' in response.content.decode()
    assert response["Content-Language"] == "fi"


@pytest.mark.parametrize(("language", "text"), [("sv", "Logga in"), ("en", "Sign in")])
def test_it_switches_the_language_for_an_anonymous_visitor(client, language, text):
    response = client.post(SWITCH_URL, {"language": language, "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    page = client.get("/accounts/login/").content.decode()
    assert f'<html lang="{language}">' in page
    assert text in page


def test_it_saves_the_choice_on_the_profile_of_a_signed_in_user(member_client, member):
    member_client.post(SWITCH_URL, {"language": "sv", "next": "/"})
    member.refresh_from_db()
    assert member.preferred_language == "sv"


def test_it_applies_the_users_language_after_login(client, member, password):
    member.preferred_language = "sv"
    member.save()
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": password}, follow=True
    )
    assert '<html lang="sv">' in response.content.decode()
    assert "Mina uppgifter" in response.content.decode()


def test_it_ignores_an_unknown_language(client):
    response = client.post(SWITCH_URL, {"language": "de", "next": "/"})
    assert response.status_code == 302
    assert "django_language" not in response.cookies


def test_it_refuses_to_redirect_off_site(client):
    response = client.post(SWITCH_URL, {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_it_only_accepts_post(client):
    assert client.get(SWITCH_URL).status_code == 405
