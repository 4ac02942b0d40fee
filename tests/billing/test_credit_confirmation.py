"""Crediting an invoice cannot be undone: it asks first, naming the invoice, its member and
its amount; only the confirmation page's own POST credits it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from billing.models import Invoice
from organizations.models import Membership, Organization
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .factories import bank_account
from .test_org_pages import _sent, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db) -> User:
    return UserFactory(email="aila.admin@example.fi", preferred_language="en")


@pytest.fixture
def organization(admin) -> Organization:
    organization = organization_with_admin(admin, name="Malmin Ilmailukerho ry")
    bank_account(organization)
    return organization


@pytest.fixture
def membership(organization) -> Membership:
    user = UserFactory(email="aino.member@example.fi", first_name="Aino", last_name="Virtanen")
    return add_member(organization, user, member_number="17")


@pytest.fixture
def admin_client(client, admin, organization):
    client.force_login(admin)
    return client


def _text(response) -> str:
    return " ".join(response.content.decode().split())


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_shows_what_crediting_does_and_credits_nothing(
    admin_client, organization, membership, method
):
    invoice = _sent(membership)
    response = getattr(admin_client, method)(
        url("invoice_credit", organization, invoice.pk), {"reason": "Tuplalaskutus"}
    )

    assert response.status_code == 200
    text = _text(response)
    total = f"{invoice.total:.2f}".replace(".", ",")
    assert f"Invoice {invoice.number} to Aino Virtanen, {total} €, is cancelled" in text
    assert "This cannot be undone" in text
    assert 'name="confirm" value="yes"' in text
    if method == "post":
        assert "Tuplalaskutus" in text  # the typed text is kept for the confirmation
    assert not Invoice.objects.filter(credit_note_for=invoice).exists()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SENT


def test_the_detail_pages_form_leads_to_the_confirmation(admin_client, organization, membership):
    invoice = _sent(membership)
    response = admin_client.post(
        url("invoice_credit", organization, invoice.pk), {"reason": "Virhe"}
    )
    assert response.status_code == 200
    assert response.templates[0].name == "billing/org/invoice_credit.html"

    response = admin_client.post(
        url("invoice_credit", organization, invoice.pk), {"reason": "Virhe", "confirm": "yes"}
    )
    credit_note = Invoice.objects.get(credit_note_for=invoice)
    assert response["Location"] == url("invoice", organization, credit_note.pk)
    assert credit_note.notes == "Virhe"


def test_it_offers_no_button_for_an_invoice_already_credited(
    admin_client, organization, membership
):
    invoice = _sent(membership)
    admin_client.post(url("invoice_credit", organization, invoice.pk), {"confirm": "yes"})
    text = _text(admin_client.get(url("invoice_credit", organization, invoice.pk)))
    assert "The invoice has already been credited or cancelled." in text
    assert 'name="confirm"' not in text


@pytest.mark.parametrize("role", ["anonymous", "member", "other_admin", "staff"])
def test_only_the_organizations_admin_may_credit(client, organization, membership, role):
    invoice = _sent(membership)
    if role == "member":
        client.force_login(membership.user)
    elif role == "other_admin":
        other = UserFactory()
        organization_with_admin(other, name="Vaasan Lentokerho ry")
        client.force_login(other)
    elif role == "staff":
        client.force_login(StaffFactory())
    target = url("invoice_credit", organization, invoice.pk)
    for response in (client.get(target), client.post(target, {"confirm": "yes"})):
        if role == "anonymous":
            assert response["Location"].startswith(reverse("account_login"))
        else:
            assert response.status_code == 404
    assert not Invoice.objects.filter(credit_note_for=invoice).exists()


def test_the_confirmation_keeps_to_a_query_budget(
    admin_client, organization, membership, django_assert_max_num_queries
):
    invoice = _sent(membership)
    with django_assert_max_num_queries(20):
        admin_client.get(url("invoice_credit", organization, invoice.pk))
