"""The e-invoice address as personal data: correctable on request (through the same
checks as the admin's form), purged with the ended membership, declared to the register."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from billing import einvoice
from billing.models import EInvoiceAddress
from billing.rectification import EINVOICE_SOURCE
from billing.retention import purge_contracts_of_ended_memberships
from gdpr import declarations
from gdpr.rectification.services import rectifiable_data
from organizations.models import Membership
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db) -> User:
    return UserFactory()


@pytest.fixture
def membership(admin) -> Membership:
    return add_member(organization_with_admin(admin, name="Malmin Ilmailukerho ry"))


@pytest.fixture
def address(membership, admin) -> EInvoiceAddress:
    return einvoice.einvoice_address_save(
        membership=membership,
        kind=EInvoiceAddress.Kind.CONSUMER,
        address="FI4950009420028730",
        intermediator="NDEAFIHH",
        actor=admin,
    )


def test_the_member_may_ask_to_correct_each_field(membership, address):
    keys = {datum.key for datum in rectifiable_data(membership.user)}

    for field in ("kind", "address", "intermediator"):
        assert f"billing.einvoiceaddress:{address.pk}:{field}" in keys


def test_an_accepted_correction_goes_through_the_forms_checks(address, admin):
    EINVOICE_SOURCE.apply(address, "intermediator", "okoyfihh", actor=admin, reason="Pankki")

    address.refresh_from_db()
    assert address.intermediator == "OKOYFIHH"
    with pytest.raises(ValidationError):
        EINVOICE_SOURCE.apply(address, "intermediator", "EI-PANKKI", actor=admin, reason="")
    address.refresh_from_db()
    assert address.intermediator == "OKOYFIHH"


def test_it_goes_with_the_ended_membership_after_the_settling_period(membership, address):
    membership.status = Membership.Status.ENDED
    membership.ended_on = datetime.date(2020, 1, 31)
    membership.save()

    counts = purge_contracts_of_ended_memberships(timezone.now())

    assert counts["billing.EInvoiceAddress"] == 1
    assert not EInvoiceAddress.objects.exists()


def test_an_active_members_address_stays(membership, address):
    purge_contracts_of_ended_memberships(timezone.now())

    assert EInvoiceAddress.objects.filter(pk=address.pk).exists()


def test_the_register_declares_every_field():
    entry = declarations.entry_for(EInvoiceAddress)

    assert set(entry.personal) | entry.not_personal == {
        f.name for f in EInvoiceAddress._meta.concrete_fields
    }
    assert entry.erasure.strategy == declarations.ErasureStrategy.DELETE


def test_the_audit_trail_names_who_changed_it(address, admin):
    from gdpr.models import AuditEntry

    assert AuditEntry.objects.filter(model="billing.einvoiceaddress", actor=admin).exists()
