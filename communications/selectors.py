"""Reads for communication records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from .models import CommunicationRecord

if TYPE_CHECKING:
    from accounts.models import User
    from organizations.models import Organization


def records_for_subject(*, user: User, limit: int = 50) -> tuple[list[CommunicationRecord], int]:
    records = CommunicationRecord.objects.filter(subject=user)
    latest = list(records.select_related("organization").order_by("-occurred_at")[:limit])
    return latest, records.count()


def records_for_organization(*, organization: Organization) -> QuerySet[CommunicationRecord]:
    return (
        CommunicationRecord.objects.filter(organization=organization)
        .select_related("subject", "recorded_by")
        .order_by("-occurred_at", "-id")
    )
