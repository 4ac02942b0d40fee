"""Pages of personal data are kept by no browser cache or proxy; static files are."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.cache import get_max_age

from organizations import services as organization_services
from tests.organizations.factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


def assert_not_stored(response) -> None:
    assert {"no-store", "private"} <= directives(response), response.get("Cache-Control")


def test_it_keeps_a_members_own_pages_out_of_every_cache(member_client):
    for name in ("accounts:profile", "accounts:my_data"):
        response = member_client.get(reverse(name))
        assert response.status_code == 200
        assert_not_stored(response)


def test_it_keeps_an_organizations_member_list_out_of_every_cache(client, member):
    organization = organization_with_admin(member)
    add_member(organization)
    client.force_login(member)
    for name in ("organizations:members", "billing:invoices"):
        response = client.get(reverse(name, args=[organization.pk]))
        assert response.status_code == 200
        assert_not_stored(response)


def test_it_keeps_the_invitation_an_anonymous_visitor_opens_out_of_every_cache(client, member):
    """The link is all it takes to open the page, which tells whom the invitation is from."""
    organization = organization_with_admin(member)
    new = organization_services.invitation_create(
        organization=organization, email="ville@example.fi", name="Ville", actor=member
    )
    response = client.get(reverse("organizations:invitation", args=[new.token]))
    assert response.status_code == 200
    assert organization.name in response.content.decode()
    assert_not_stored(response)


def test_it_keeps_a_redirect_to_sign_in_out_of_every_cache(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert_not_stored(response)


def test_it_lets_static_files_be_cached(client):
    response = client.get("/static/favicon.svg")
    assert response.status_code == 200
    assert "no-store" not in directives(response)
    assert get_max_age(response)
