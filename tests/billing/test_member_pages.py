"""The member's invoice and contract pages, and billing's "My data" sections."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import my_data
from accounts.models import User
from billing import services
from organizations.models import Membership, Organization
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .factories import contract_for, invoice_for, product

pytestmark = pytest.mark.django_db

MY_INVOICES = reverse("billing:my_invoices")
MY_CONTRACTS = reverse("billing:my_contracts")


def _page(invoice) -> str:
    return reverse("billing:my_invoice", args=[invoice.pk])


def _pdf(invoice) -> str:
    return reverse("billing:my_invoice_pdf", args=[invoice.pk])


@pytest.fixture
def alice(db) -> User:
    """The member whose invoices these are; English, so texts do not depend on catalogs."""
    return UserFactory(
        email="alice@example.fi", first_name="Alice", last_name="Aalto", preferred_language="en"
    )


@pytest.fixture
def bob(db) -> User:
    """A member of the same club."""
    return UserFactory(
        email="bob@example.fi", first_name="Bob", last_name="Berg", preferred_language="en"
    )


@pytest.fixture
def club_admin(db) -> User:
    return UserFactory(email="admin@example.fi", preferred_language="en")


@pytest.fixture
def club(club_admin) -> Organization:
    return organization_with_admin(club_admin, name="Malmin Ilmailukerho ry")


@pytest.fixture
def alice_membership(club, alice) -> Membership:
    return add_member(club, alice, member_number="101")


@pytest.fixture
def bob_membership(club, bob) -> Membership:
    return add_member(club, bob, member_number="102")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


# --- Access -----------------------------------------------------------------------------------


def test_it_requires_sign_in(client, alice_membership):
    invoice = invoice_for(alice_membership, send=True)
    for url in (MY_INVOICES, MY_CONTRACTS, _page(invoice), _pdf(invoice)):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]


def test_it_lists_the_members_sent_invoices(alice_client, alice_membership):
    invoice = invoice_for(alice_membership, send=True)
    content = alice_client.get(MY_INVOICES).content.decode()
    assert _page(invoice) in content
    assert _pdf(invoice) in content
    assert "Malmin Ilmailukerho ry" in content
    assert "Sent" in content
    assert "16.3.2026" in content  # the due date
    assert "125,50\xa0€" in content  # 100 € + 25.5 % VAT, still due


def test_it_hides_drafts(alice_client, alice_membership):
    draft = invoice_for(alice_membership)
    content = alice_client.get(MY_INVOICES).content.decode()
    assert _page(draft) not in content
    assert "You have no invoices." in content
    assert alice_client.get(_page(draft)).status_code == 404
    assert alice_client.get(_pdf(draft)).status_code == 404


def test_it_never_shows_another_members_invoice(alice_client, bob_membership, alice_membership):
    bobs = invoice_for(bob_membership, send=True)
    content = alice_client.get(MY_INVOICES).content.decode()
    assert _page(bobs) not in content
    assert "Bob" not in content
    assert alice_client.get(_page(bobs)).status_code == 404
    assert alice_client.get(_pdf(bobs)).status_code == 404


def test_it_gives_an_admin_no_member_view_of_others_invoices(client, club_admin, alice_membership):
    # The admin's way to an invoice is the admin side; the member pages are the recipient's.
    invoice = invoice_for(alice_membership, send=True)
    client.force_login(club_admin)
    assert client.get(_page(invoice)).status_code == 404
    assert client.get(_pdf(invoice)).status_code == 404


def test_it_shows_invoices_after_the_membership_has_ended(alice_client, alice_membership):
    invoice = invoice_for(alice_membership, send=True)
    alice_membership.status = Membership.Status.ENDED
    alice_membership.ended_on = datetime.date(2026, 6, 30)
    alice_membership.save()
    assert alice_client.get(_page(invoice)).status_code == 200


# --- The printable invoice and its PDF --------------------------------------------------------


def test_it_shows_the_printable_invoice(alice_client, alice_membership):
    invoice = invoice_for(alice_membership, send=True)
    response = alice_client.get(_page(invoice))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Invoice" in content
    assert "Alice Aalto" in content
    assert "Mannerheimintie 12" in content
    assert "FI21 1234 5600 0007 85" in content
    assert "Download PDF" in content
    assert response["Cache-Control"].startswith("max-age=0")


def test_it_sends_the_pdf(alice_client, alice_membership):
    invoice = invoice_for(alice_membership, send=True)
    response = alice_client.get(_pdf(invoice))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"] == (
        f'inline; filename="malmin-ilmailukerho-ry-invoice-{invoice.number}.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    assert "billing/invoice_document.html" in [t.name for t in response.templates]


# --- Contracts --------------------------------------------------------------------------------


def test_it_lists_the_members_contracts(alice_client, alice_membership, bob_membership, alice):
    flying = product(alice_membership.organization, name="Lentotunnit C-172")
    ended = contract_for(alice_membership, flying, opened_on=datetime.date(2025, 1, 1))
    services.contract_terminate(
        contract=ended,
        terminated_on=datetime.date(2025, 12, 31),
        reason="Moved to another club",
        actor=alice,
    )
    contract_for(bob_membership, product(bob_membership.organization, name="Bobs hangar"))
    content = alice_client.get(MY_CONTRACTS).content.decode()
    assert "Lentotunnit C-172" in content
    assert "1.1.2025" in content
    assert "31.12.2025" in content
    assert "Moved to another club" in content
    assert "Bobs hangar" not in content


# --- Query budgets ----------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_invoice_list_runs_the_same_queries_for_1_or_60_invoices(
    client, club, alice_membership
):
    invoice_for(alice_membership, send=True)
    client.force_login(alice_membership.user)
    client.get(MY_INVOICES)  # the first request after signing in records the session
    one = _queries(client, MY_INVOICES)

    many = add_member(club, UserFactory(preferred_language="en"))
    for _ in range(60):
        invoice_for(many, send=True)
    client.force_login(many.user)
    client.get(MY_INVOICES)
    assert _queries(client, MY_INVOICES) == one
    assert _queries(client, MY_INVOICES + "?page=2") == one


def test_the_contract_list_runs_the_same_queries_for_1_or_60_contracts(
    client, club, alice_membership
):
    contract_for(alice_membership)
    client.force_login(alice_membership.user)
    client.get(MY_CONTRACTS)
    one = _queries(client, MY_CONTRACTS)

    many = add_member(club, UserFactory(preferred_language="en"))
    for _ in range(60):
        contract_for(many)
    client.force_login(many.user)
    client.get(MY_CONTRACTS)
    assert _queries(client, MY_CONTRACTS) == one


def test_the_printable_invoice_runs_the_same_queries_for_1_or_40_lines(
    client, alice_membership, bob_membership
):
    from .factories import line

    small = invoice_for(alice_membership, send=True)
    big = invoice_for(bob_membership, [line(f"Row {i}") for i in range(40)], send=True)
    for membership, invoice in ((alice_membership, small), (bob_membership, big)):
        services.payment_record(
            organization=membership.organization,
            invoice=invoice,
            amount=invoice.total / 2,
            paid_on=datetime.date(2026, 3, 10),
            actor=None,
        )
    client.force_login(alice_membership.user)
    client.get(MY_INVOICES)
    few = _queries(client, _page(small))
    client.force_login(bob_membership.user)
    client.get(MY_INVOICES)
    assert _queries(client, _page(big)) == few


# --- My data ----------------------------------------------------------------------------------


def test_my_data_lists_invoices_and_contracts(alice_client, alice_membership):
    invoice = invoice_for(alice_membership, send=True)
    draft = invoice_for(alice_membership)
    contract_for(alice_membership, product(alice_membership.organization, name="Hallipaikka"))
    content = alice_client.get(reverse("accounts:my_data")).content.decode()
    assert 'id="section-invoices"' in content
    assert 'id="section-contracts"' in content
    assert _page(invoice) in content
    assert _page(draft) not in content
    assert "Hallipaikka" in content


def test_my_data_lists_the_latest_invoices_with_the_count(alice_client, alice_membership):
    for _ in range(12):
        invoice_for(alice_membership, send=True)
    content = alice_client.get(reverse("accounts:my_data")).content.decode()
    assert "The latest 10 of 12 are listed." in content


@pytest.mark.parametrize("key", ["invoices", "contracts"])
def test_my_data_sections_run_the_queries_they_declare(
    key, alice_membership, django_assert_num_queries
):
    for _ in range(25):
        invoice_for(alice_membership, send=True)
        contract_for(alice_membership)
    section = next(s for s in my_data.registered_sections() if s.key == key)
    with django_assert_num_queries(section.queries):
        data = section.build(alice_membership.user)
    assert data["total"] == 25
