"""A NUL character in a query string (``?q=%00``) never reaches the database.

PostgreSQL refuses NUL in text: without the guard these pages answered 500 there, while
SQLite searched for it silently.
"""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.urls import reverse

from accounts.models import User
from organizations.models import Organization
from registry.user_input import query_text
from tests.billing.factories import bank_account, invoice_for
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db

NUL = "\x00"


@pytest.fixture
def admin(db) -> User:
    return UserFactory(email="aila.admin@example.fi", preferred_language="en")


@pytest.fixture
def organization(admin) -> Organization:
    organization = organization_with_admin(admin, name="Malmin Ilmailukerho ry")
    bank_account(organization)
    membership = add_member(
        organization, UserFactory(email="aino.member@example.fi"), member_number="17"
    )
    invoice_for(membership, send=True)
    return organization


# Each page and the parameters it reads from the query string.
PAGES = [
    ("organizations:members", ["q", "status", "role", "sort", "page", "per_page"]),
    ("organizations:members_export", ["q", "status", "role", "sort"]),
    ("billing:invoices", ["status", "page", "per_page"]),
    ("billing:invoice_create", ["member_q"]),
    ("billing:contracts", ["page", "per_page"]),
    ("billing:contract_open", ["member_q"]),
    ("billing:payments", ["show", "page", "per_page"]),
    ("communications:org_records", ["channel", "page"]),
    ("communications:org_record_add", ["member"]),
]


@pytest.mark.parametrize(("name", "parameters"), PAGES, ids=[name for name, _ in PAGES])
@pytest.mark.parametrize("value", [NUL, f"aino{NUL}", f"{NUL}17"], ids=["nul", "after", "before"])
def test_it_answers_a_nul_in_any_parameter_without_an_error(
    client, admin, organization, name, parameters, value
):
    client.force_login(admin)
    response = client.get(reverse(name, args=[organization.pk]), dict.fromkeys(parameters, value))
    assert response.status_code == 200


def test_it_searches_members_without_the_nul(client, admin, organization):
    client.force_login(admin)
    response = client.get(
        reverse("billing:invoice_create", args=[organization.pk]), {"member_q": f"aino.mem{NUL}ber"}
    )
    assert response.status_code == 200
    choices = response.context["form"].fields["membership"].widget.choices
    assert [value for value, _label in choices if value] == [
        organization.memberships.get(member_number="17").pk
    ]


def test_it_cuts_a_search_and_drops_nul_characters():
    params = QueryDict(mutable=True)
    params["q"] = f"{NUL}ai{NUL}no" + "x" * 300
    assert query_text(params, "q", max_length=10) == "ainoxxxxxx"
    assert query_text(params, "missing") == ""
