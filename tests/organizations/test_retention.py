"""organizations' purge of the memberships an erasure left empty: they go once nothing
another app keeps (a voucher, a contract) points at them, and only they."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import PROTECT, RESTRICT

from gdpr.models import AuditEntry
from gdpr.retention.jobs import run_job
from organizations.models import Membership
from organizations.retention import ERASED_MEMBERSHIPS_JOB
from organizations.selectors import anonymised_memberships
from tests.billing.factories import contract_for, invoice_for
from tests.organizations.factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 3, 1, 3, 0, tzinfo=datetime.UTC)


def erased(membership: Membership) -> Membership:
    """As an erasure leaves it: ended, no person, no name, no address."""
    Membership.objects.filter(pk=membership.pk).update(
        user=None, name="", email="", status=Membership.Status.ENDED
    )
    membership.refresh_from_db()
    return membership


def test_an_empty_membership_goes_unless_something_keeps_it():
    club = organization_with_admin(name="Tyhjien kerho ry")
    empty = erased(add_member(club))
    with_invoice = erased(add_member(club))
    invoice_for(with_invoice)
    with_contract = add_member(club)
    contract_for(with_contract)
    erased(with_contract)
    ended_with_name = add_member(club, status=Membership.Status.ENDED)
    active = add_member(club)
    assert set(anonymised_memberships()) == {empty, with_invoice, with_contract}

    run = run_job(ERASED_MEMBERSHIPS_JOB, now=NOW)

    assert run.counts == {"organizations.Membership": 1}
    assert not Membership.objects.filter(pk=empty.pk).exists()
    kept = {with_invoice.pk, with_contract.pk, ended_with_name.pk, active.pk}
    assert Membership.objects.filter(pk__in=kept).count() == 4
    trail = AuditEntry.objects.filter(model="organizations.membership", object_id=str(empty.pk))
    assert trail.exists()
    assert all(entry.changes == {} for entry in trail)
    assert run_job(ERASED_MEMBERSHIPS_JOB, now=NOW).counts == {}


def test_what_keeps_a_membership_is_what_protects_it_from_deletion():
    """The job leaves out memberships rows of other apps protect, without naming them:
    today billing's invoices and contracts, as when the purge was gdpr's."""
    protecting = {
        relation.name
        for relation in Membership._meta.related_objects
        if relation.on_delete in (PROTECT, RESTRICT)
    }
    assert protecting == {"invoices", "contracts"}
