"""A payment's state has its rules twice: ``Payment.state`` in Python (the list's rows) and
``selectors.PAYMENT_STATES`` in the database (the list's filters). They must agree."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import selectors, services
from billing.models import Invoice, Payment
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .factories import invoice_for

pytestmark = pytest.mark.django_db

# SQLite (the quick start) adds decimals as binary floats: 0.01 + 3.01 is not 3.02 there.
# Quarters add up exactly in both, so on SQLite the amounts are drawn from them.
_STEP = 25 if connection.vendor == "sqlite" else 1
CENTS = st.integers(min_value=0, max_value=50_000 // _STEP).map(lambda n: Decimal(n * _STEP) / 100)


@pytest.fixture
def payment() -> Payment:
    organization = organization_with_admin(UserFactory(), name="Malmin Ilmailukerho ry")
    # Sent: an issued invoice has a number, whatever status it is given below.
    invoice = invoice_for(add_member(organization, UserFactory()), send=True)
    return services.payment_record(
        organization=organization,
        invoice=invoice,
        amount=Decimal("10.00"),
        paid_on=timezone.localdate(),
        actor=None,
    )


def _states_in_the_database(payment: Payment) -> list[str]:
    payments = Payment.objects.filter(pk=payment.pk)
    return [state for state, rule in selectors.PAYMENT_STATES.items() if payments.filter(rule)]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    # No payment is ever matched to a draft.
    status=st.sampled_from([s for s in Invoice.Status.values if s != Invoice.Status.DRAFT]),
    total=CENTS,
    fees=st.sampled_from([Decimal("0.00"), Decimal("5.00")]),
    interest=CENTS,
    paid=CENTS,
    # Paid amounts equal to what is due happen all the time: drawn on purpose.
    paid_in_full=st.booleans(),
)
def test_the_rows_and_the_filters_give_a_payment_the_same_state(
    payment, status, total, fees, interest, paid, paid_in_full
):
    if paid_in_full:
        paid = total + fees + interest
    Invoice.objects.filter(pk=payment.invoice_id).update(
        status=status,
        total=total,
        fees_charged=fees,
        interest_charged=interest,
        paid_amount=paid,
    )
    (listed,) = selectors.payments_for_organization(organization=payment.organization).filter(
        pk=payment.pk
    )
    assert _states_in_the_database(payment) == [listed.state]


def test_an_unmatched_payment_is_unmatched_in_both(payment):
    Payment.objects.filter(pk=payment.pk).update(invoice=None)
    (listed,) = selectors.payments_for_organization(organization=payment.organization).filter(
        pk=payment.pk
    )
    assert listed.state == Payment.State.UNMATCHED
    assert _states_in_the_database(payment) == [Payment.State.UNMATCHED]


def test_the_list_reads_each_rows_invoice_with_the_payment(payment, django_assert_num_queries):
    with django_assert_num_queries(1):
        states = [
            p.state for p in selectors.payments_for_organization(organization=payment.organization)
        ]
    assert states == [Payment.State.PARTIAL]
