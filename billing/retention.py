"""Retention of contracts: a contract lives as long as the membership it belongs to; once
the membership's settling period has passed, its terminated contracts go (the invoices
they produced are vouchers with their own retention date)."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gdpr.api import RetentionJob, register_job
from organizations.retention import ended_memberships

from .models import Contract, ContractEvent


def purge_contracts_of_ended_memberships(now: datetime.datetime) -> dict[str, int]:
    contracts = Contract.objects.filter(membership__in=ended_memberships(now)).filter(
        Q(terminated_on__isnull=True) | Q(terminated_on__lt=now.date())
    )
    events = ContractEvent.objects.filter(contract__in=contracts).delete()[0]
    return {
        "billing.ContractEvent": events,
        "billing.Contract": contracts.delete()[0],
    }


register_job(
    RetentionJob(
        name="billing.contracts_of_ended_memberships",
        label=_("Contracts of memberships whose settling period has passed"),
        run=purge_contracts_of_ended_memberships,
    )
)
