"""The invoice list of a large organization: 100,000 invoices.

The dataset is built once for the module inside an outer transaction that is rolled back
at the end (like ``setUpTestData``); each test runs in its own savepoint on top of it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from billing import numbers
from billing.models import Invoice
from organizations.models import Organization
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin
from tests.organizations.test_member_scale import _insert

from .factories import bank_account, invoice_for

pytestmark = pytest.mark.django_db

INVOICES = 100_000
MEMBERS = 50
# Session, user, allauth's session activity, the admin-rights check, the count and the
# page: whatever the page size, the depth or the status filter.
LIST_QUERY_BUDGET = 10
ISSUED = datetime.date(2026, 1, 15)
# One in ten is unpaid and past due; the rest are paid.
OVERDUE_EVERY = 10


@dataclass(frozen=True)
class Ledger:
    admin: User
    organization: Organization
    small: Organization


def add_invoices_in_bulk(organization: Organization, count: int) -> None:
    """``count`` sent invoices numbered 1…count, as ``services.invoice_create`` numbers them.

    One real invoice is made first through the services and serves as the template for
    every column that is the same; each row gets its own number, reference and status.
    """
    memberships = [add_member(organization) for _ in range(MEMBERS)]
    template = invoice_for(memberships[0], send=True, issue_date=ISSUED, due_date=ISSUED)
    template.pk = None
    rows = []
    for number in range(2, count + 1):
        overdue = number % OVERDUE_EVERY == 0
        rows.append(
            {
                "membership_id": memberships[number % MEMBERS].pk,
                "number": number,
                "reference": numbers.reference_for_invoice(
                    organization_id=organization.pk, invoice_number=number
                ),
                "status": Invoice.Status.OVERDUE if overdue else Invoice.Status.PAID,
                "paid_amount": Decimal(0) if overdue else template.total,
            }
        )
    _insert(Invoice, template, rows)


@pytest.fixture(scope="module")
def ledger(django_db_setup, django_db_blocker):
    """One organization of 100,000 invoices and one of 10, shared by the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        admin = UserFactory(
            email="iso.admin@example.fi",
            first_name="Iso",
            last_name="Admin",
            preferred_language="en",
        )
        large = organization_with_admin(admin, name="Suomen Ilmailuliitto ry")
        small = organization_with_admin(admin, name="Pieni Kerho ry")
        bank_account(large)
        bank_account(small)
        add_invoices_in_bulk(large, INVOICES)
        add_invoices_in_bulk(small, 10)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE billing_invoice")
        connection.check_constraints()
        yield Ledger(admin, large, small)
        transaction.set_rollback(True)


@pytest.fixture
def admin_client(client, ledger):
    client.force_login(ledger.admin)
    # The first request after signing in also records the session; count steady requests.
    client.get(reverse("billing:invoices", args=[ledger.small.pk]))
    return client


def _list(client, organization: Organization, **params):
    url = reverse("billing:invoices", args=[organization.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return response, len(queries)


def test_it_has_the_invoices_the_services_would_have_numbered(ledger):
    invoices = Invoice.objects.filter(organization=ledger.organization)
    assert invoices.count() == INVOICES
    last = invoices.get(number=INVOICES)
    assert numbers.reference_is_valid(last.reference)
    assert last.status == Invoice.Status.OVERDUE
    assert invoices.filter(status=Invoice.Status.OVERDUE).count() == INVOICES // OVERDUE_EVERY


@pytest.mark.parametrize("page_number", [1, 400])
def test_it_lists_a_page_within_a_query_budget_that_ignores_the_page_size(
    admin_client, ledger, page_number
):
    counts = {}
    for per_page in (25, 200):
        response, counts[per_page] = _list(
            admin_client, ledger.organization, per_page=per_page, page=page_number
        )
        shown = response.context["page"]
        assert shown.number == page_number
        assert shown.paginator.count == INVOICES
        first = INVOICES - (page_number - 1) * per_page
        assert [i.number for i in shown] == list(range(first, first - per_page, -1))
        assert f"{shown.object_list[-1].number}</a>" in response.content.decode()
    assert counts[25] == counts[200] <= LIST_QUERY_BUDGET


def test_it_filters_a_deep_page_of_overdue_invoices_within_the_budget(admin_client, ledger):
    response, count = _list(
        admin_client, ledger.organization, status="overdue", per_page=50, page=150
    )
    page = response.context["page"]
    # And number 1, the template: sent, never paid, due long ago.
    assert page.paginator.count == INVOICES // OVERDUE_EVERY + 1
    # Every tenth number, newest first: page 150 starts 149 * 50 rows down.
    first = INVOICES - 149 * 50 * OVERDUE_EVERY
    assert [i.number for i in page] == list(range(first, first - 50 * OVERDUE_EVERY, -10))
    assert count <= LIST_QUERY_BUDGET


def test_it_lists_a_small_organization_with_the_same_queries(admin_client, ledger):
    _, small = _list(admin_client, ledger.small, per_page=25)
    _, large = _list(admin_client, ledger.organization, per_page=25)
    assert small == large
