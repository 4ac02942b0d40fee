"""Retention of memberships: once a membership has ended and its settling period has
passed, what only the membership needed goes; a membership row that invoices still point
at stays as their anchor (the invoices keep the recipient as it was)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, ProtectedError
from django.utils.translation import gettext_lazy as _

from gdpr.jobs import RetentionJob, register_job

from .models import AdminRightChange, Invitation, MemberDataView, Membership


def ended_memberships(now: datetime.datetime):
    """Memberships that ended more than the settling period ago."""
    cutoff = now.date() - datetime.timedelta(days=settings.ENDED_MEMBERSHIP_RETENTION_DAYS)
    return Membership.objects.filter(status=Membership.Status.ENDED, ended_on__lt=cutoff)


def purge_ended_memberships(now: datetime.datetime) -> dict[str, int]:
    ended = ended_memberships(now)
    counts = {
        "organizations.Invitation": Invitation.objects.filter(membership__in=ended).delete()[0],
        "organizations.AdminRightChange": AdminRightChange.objects.filter(
            membership__in=ended
        ).delete()[0],
    }
    # The log of who viewed a member's data in an organization goes when no membership of
    # that person in that organization is left that is not past its period.
    still_member = Membership.objects.filter(
        organization=OuterRef("organization"), user=OuterRef("subject")
    ).exclude(pk__in=ended.values("pk"))
    counts["organizations.MemberDataView"] = (
        MemberDataView.objects.filter(
            Exists(ended.filter(organization=OuterRef("organization"), user=OuterRef("subject")))
        )
        .exclude(Exists(still_member))
        .delete()[0]
    )
    deleted = 0
    for membership in ended.iterator(chunk_size=500):
        try:
            with transaction.atomic():
                membership.delete()
        except ProtectedError:
            continue  # invoices (kept by the Accounting Act) still point at it
        deleted += 1
    counts["organizations.Membership"] = deleted
    return counts


register_job(
    RetentionJob(
        name="organizations.ended_memberships",
        label=_("Memberships whose settling period after ending has passed"),
        run=purge_ended_memberships,
    )
)
