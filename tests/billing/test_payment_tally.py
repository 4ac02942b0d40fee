"""Each organization's number of payments, kept by PostgreSQL's triggers (``PaymentTally``)
and read by the payments list instead of counting; one state's payments are counted."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing import selectors, services
from billing.models import Payment, PaymentTally
from organizations.models import Organization
from tests.factories import UserFactory
from tests.organizations.factories import organization_with_admin

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the tally's triggers are PostgreSQL's"
    ),
]

PAID_ON = datetime.date(2026, 3, 2)


@pytest.fixture
def admin(db):
    return UserFactory(preferred_language="en")


@pytest.fixture
def organization(admin) -> Organization:
    return organization_with_admin(admin, name="Malmin Ilmailukerho ry")


@pytest.fixture
def admin_client(client, admin, organization):
    client.force_login(admin)
    return client


def tally(organization: Organization) -> int:
    found = PaymentTally.objects.filter(organization=organization).values_list("payments")
    return found[0][0] if found else 0


def record(organization: Organization, admin, amount: str = "10.00") -> Payment:
    return services.payment_record(
        organization=organization, amount=Decimal(amount), paid_on=PAID_ON, actor=admin
    )


def test_the_tally_follows_recorded_bulk_and_deleted_payments(admin, organization):
    assert tally(organization) == 0
    first = record(organization, admin)
    record(organization, admin, "20.00")
    assert tally(organization) == 2
    Payment.objects.bulk_create(
        Payment(
            organization=organization,
            amount=Decimal("5.00"),
            paid_on=PAID_ON,
            source=Payment.Source.BANK_FILE,
            retain_until=datetime.date(2033, 12, 31),
        )
        for _ in range(4)
    )
    assert tally(organization) == Payment.objects.filter(organization=organization).count() == 6
    first.events.all().delete()
    first.delete()
    Payment.objects.filter(organization=organization, amount=Decimal("5.00")).delete()
    assert tally(organization) == Payment.objects.filter(organization=organization).count() == 1


def test_the_list_of_all_payments_reads_the_tally_and_one_state_is_counted(
    admin_client, admin, organization
):
    for amount in ("10.00", "20.00", "30.00"):
        record(organization, admin, amount)
    url = reverse("billing:payments", args=[organization.pk])
    with CaptureQueriesContext(connection) as queries:
        content = admin_client.get(url).content.decode()
    assert "3 payments" in content
    sql = [q["sql"] for q in queries.captured_queries]
    assert any("billing_paymenttally" in s for s in sql)
    assert not any(s.startswith("SELECT COUNT(*)") for s in sql)

    with CaptureQueriesContext(connection) as queries:
        content = admin_client.get(url, {"show": "unmatched"}).content.decode()
    assert "3 payments" in content
    assert not any("billing_paymenttally" in q["sql"] for q in queries.captured_queries)
    assert selectors.payment_list_count(organization=organization, state="unmatched") is None
