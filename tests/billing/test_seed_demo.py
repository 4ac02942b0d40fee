"""The demo's billing: contracts and invoices for the club's members, and one bank
payment that matched no invoice, for the privacy desk's search to find."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from billing.models import BillingSettings, Contract, Invoice, Payment, ReferenceRate
from organizations.models import Membership

pytestmark = pytest.mark.django_db


def test_the_demo_billing_is_created_once_with_an_unmatched_payment():
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo_organizations", verbosity=0)
    call_command("seed_demo_billing", verbosity=0)
    call_command("seed_demo_billing", verbosity=0)

    assert Invoice.objects.exists()
    assert Contract.objects.exists()
    (unmatched,) = Payment.objects.filter(invoice__isnull=True)
    assert unmatched.payer_iban == "FI2112345600000785"
    assert Membership.objects.filter(name=unmatched.payer_name).exists()


def test_the_demo_has_the_published_reference_rates_and_charges_interest():
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo_organizations", verbosity=0)
    call_command("seed_demo_billing", verbosity=0)
    call_command("seed_demo_billing", verbosity=0)

    rates = dict(ReferenceRate.objects.values_list("valid_from", "rate"))
    assert rates[datetime.date(2024, 1, 1)] == Decimal("4.50")
    assert rates[datetime.date(2026, 1, 1)] == Decimal("2.50")
    (settings,) = BillingSettings.objects.all()
    assert (settings.reminder_fee, settings.charges_interest) == (Decimal("5.00"), True)
