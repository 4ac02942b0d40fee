"""The demo's billing: contracts and invoices for the club's members, and one bank
payment that matched no invoice, for the privacy desk's search to find."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from billing.models import Contract, Invoice, Payment
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
