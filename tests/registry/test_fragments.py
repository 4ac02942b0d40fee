"""The frame's fragments (``{% fragment %}``): rendered once per language and key, and never
holding what belongs to one request or one person."""

from __future__ import annotations

import re

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import translation

from organizations.models import Organization
from registry import fragments
from tests.factories import UserFactory
from tests.organizations.factories import organization_with_admin

pytestmark = pytest.mark.django_db


def _signed_in(client, user):
    client.force_login(user)
    return client


def test_a_fragment_renders_once_per_language_and_key():
    template = engines["django"].from_string(
        "{% load fragments %}{% fragment key %}{{ key }}-{{ counter.next }}{% endfragment %}"
    )
    calls = iter(range(100))
    counter = {"next": lambda: next(calls)}
    with translation.override("fi"):
        first = template.render({"key": "a", "counter": counter})
        assert template.render({"key": "a", "counter": counter}) == first == "a-0"
        assert template.render({"key": "b", "counter": counter}) == "b-1"
    with translation.override("en"):
        assert template.render({"key": "a", "counter": counter}) == "a-2"


def test_a_key_that_cannot_be_hashed_renders_every_time():
    template = engines["django"].from_string(
        "{% load fragments %}{% fragment key %}{{ counter.next }}{% endfragment %}"
    )
    calls = iter(range(10))
    counter = {"next": lambda: next(calls)}
    assert template.render({"key": [1], "counter": counter}) == "0"
    assert template.render({"key": [1], "counter": counter}) == "1"


def test_the_store_is_bounded(monkeypatch):
    monkeypatch.setattr(fragments, "LIMIT", 3)
    fragments.clear()
    template = engines["django"].from_string(
        "{% load fragments %}{% fragment key %}{{ key }}{% endfragment %}"
    )
    for key in range(10):
        assert template.render({"key": key}) == str(key)
    assert len(fragments._store) <= 3


def test_the_organization_menu_follows_a_new_name(client):
    admin = UserFactory(preferred_language="en")
    organization = organization_with_admin(admin, name="Malmin Ilmailukerho ry")
    url = reverse("organizations:members", args=[organization.pk])
    _signed_in(client, admin)
    assert "Malmin Ilmailukerho ry" in client.get(url).content.decode()
    Organization.objects.filter(pk=organization.pk).update(name="Malmin Lentokerho ry")
    page = client.get(url).content.decode()
    assert "Malmin Lentokerho ry" in page and "Malmin Ilmailukerho ry" not in page


def test_each_organization_gets_its_own_menu(client):
    admin = UserFactory(preferred_language="en")
    first = organization_with_admin(admin, name="Malmin Ilmailukerho ry")
    second = organization_with_admin(admin, name="Jämin Lentokerho ry")
    _signed_in(client, admin)
    for organization in (first, second, first):
        page = client.get(reverse("organizations:members", args=[organization.pk])).content
        nav = re.search(rb'<nav class="subnav org-nav".*?</nav>', page, re.S).group()
        assert organization.name.encode() in nav
        assert f"/{organization.pk}/".encode() in nav


def test_the_site_menu_follows_who_is_signed_in_and_their_language(client):
    member = UserFactory(preferred_language="en")
    staff = UserFactory(preferred_language="en", is_staff=True)
    finn = UserFactory(preferred_language="fi")
    admin_link = reverse("admin:index").encode()

    page = _signed_in(client, staff).get(reverse("accounts:profile")).content
    assert admin_link in page
    page = _signed_in(client, member).get(reverse("accounts:profile")).content
    assert admin_link not in page and b"Sign out" in page
    page = _signed_in(client, finn).get(reverse("accounts:profile")).content
    assert b"Kirjaudu ulos" in page and b"Sign out" not in page
    client.logout()
    page = client.get(reverse("account_login")).content
    assert b"Sign out" not in page and b"Kirjaudu ulos" not in page


def test_what_belongs_to_one_request_stays_outside_the_fragments(client):
    """The language form's CSRF token and its return address are the request's own."""
    _signed_in(client, UserFactory(preferred_language="en"))
    tokens, returns = set(), set()
    for name in ("accounts:profile", "accounts:my_data"):
        page = client.get(reverse(name)).content.decode()
        form = re.search(r'<form class="language-switcher".*?</form>', page, re.S).group()
        tokens.add(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1))
        returns.add(re.search(r'name="next" type="hidden" value="([^"]+)"', form).group(1))
        assert 'id="language-select"' in form
    assert returns == {reverse("accounts:profile"), reverse("accounts:my_data")}
    assert len(tokens) == 2  # masked anew for each page
