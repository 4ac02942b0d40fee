"""billing's retention jobs: vouchers past their date go if settled or of an erased person,
and never the membership they kept (organizations' job takes that after them)."""

from __future__ import annotations

import datetime

import pytest

from billing.models import Invoice, InvoiceLine
from billing.retention import (
    DRAFTS_JOB,
    VOUCHERS_JOB,
    purge_abandoned_drafts,
    purge_vouchers_past_retention,
)
from gdpr.retention.jobs import run_job
from organizations.models import Membership
from organizations.retention import ERASED_MEMBERSHIPS_JOB
from tests.billing.factories import invoice_for
from tests.organizations.factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db

# Vouchers issued in 2026 of a calendar-year organization are kept until 31.12.2032.
AFTER = datetime.datetime(2033, 1, 1, 3, 0, tzinfo=datetime.UTC)
ON_THE_DAY = datetime.datetime(2032, 12, 31, 3, 0, tzinfo=datetime.UTC)
# What the purge took when gdpr ran it: these, and any status for an erased person.
GOES = {Invoice.Status.PAID, Invoice.Status.CREDITED, Invoice.Status.CANCELLED}


@pytest.fixture
def membership():
    return add_member(organization_with_admin(name="Tositekerho ry"))


@pytest.mark.parametrize("status", list(Invoice.Status))
def test_a_voucher_of_a_living_member_goes_after_its_date_only_if_settled(membership, status):
    # Only a draft goes without a number: the others are issued first.
    invoice = invoice_for(membership, send=status != Invoice.Status.DRAFT)
    Invoice.objects.filter(pk=invoice.pk).update(status=status)
    assert purge_vouchers_past_retention(ON_THE_DAY) == {}
    counts = purge_vouchers_past_retention(AFTER)
    if status in GOES:
        assert counts == {"billing.Invoice": 1, "billing.InvoiceLine": 1}
        assert not InvoiceLine.objects.filter(invoice=invoice.pk).exists()
    else:
        assert counts == {}
        assert Invoice.objects.filter(pk=invoice.pk).exists()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_an_open_claim_of_an_erased_person_goes_and_then_its_membership(membership):
    invoice = invoice_for(membership, send=True)
    Membership.objects.filter(pk=membership.pk).update(
        user=None, name="", email="", status=Membership.Status.ENDED
    )
    run = run_job(VOUCHERS_JOB, now=AFTER)
    assert run.counts == {"billing.Invoice": 1, "billing.InvoiceLine": 1}
    assert not Invoice.objects.filter(pk=invoice.pk).exists()
    # The vouchers' job leaves the membership to organizations'.
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert run_job(ERASED_MEMBERSHIPS_JOB, now=AFTER).counts == {"organizations.Membership": 1}


def test_a_draft_never_sent_goes_after_its_period_and_a_sent_invoice_stays(membership, settings):
    settings.DRAFT_INVOICE_RETENTION_DAYS = 30
    written = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
    draft = invoice_for(membership, send=False)
    sent = invoice_for(membership, send=True)
    Invoice.objects.filter(pk__in=[draft.pk, sent.pk]).update(created_at=written)
    # 30 days after it was written it is still there; the next day it goes, with its line.
    assert purge_abandoned_drafts(written + datetime.timedelta(days=30)) == {}
    counts = purge_abandoned_drafts(written + datetime.timedelta(days=30, hours=1))
    assert counts == {"billing.Invoice": 1, "billing.InvoiceLine": 1}
    assert list(Invoice.objects.values_list("pk", flat=True)) == [sent.pk]
    assert InvoiceLine.objects.filter(invoice=sent).exists()


def test_the_draft_purge_is_a_registered_job():
    from gdpr.retention.jobs import registered_jobs

    assert DRAFTS_JOB in {job.name for job in registered_jobs()}
