"""Retention of memberships: once a membership has ended and its settling period has
passed, what only the membership needed goes; a membership row that invoices still point
at stays as their anchor (the invoices keep the recipient as it was).

A membership an erasure anonymised goes as soon as nothing another app keeps points at it
(``organizations.erased_memberships``), before the memberships past their settling period:
an app whose purges free memberships (billing's vouchers and contracts) orders its jobs
before these two with ``before=``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import PROTECT, RESTRICT, Exists, OuterRef, ProtectedError, QuerySet
from django.utils.translation import gettext_lazy as _

from gdpr.api import RetentionJob, audit_blank, audit_suppressed, forget_mail_about, register_job

from .models import AdminRightChange, Invitation, MemberDataView, Membership
from .selectors import anonymised_memberships
from .services import member_exports_forget

ERASED_MEMBERSHIPS_JOB = "organizations.erased_memberships"
ENDED_MEMBERSHIPS_JOB = "organizations.ended_memberships"
INVITATIONS_JOB = "organizations.unaccepted_invitations"


def _not_protected(memberships: QuerySet[Membership]) -> QuerySet[Membership]:
    """Leave out the memberships that rows of other apps keep (those that point at a
    membership with PROTECT or RESTRICT: billing's kept vouchers and contracts), without
    organizations naming them."""
    for relation in Membership._meta.related_objects:
        if relation.on_delete in (PROTECT, RESTRICT):
            memberships = memberships.exclude(**{f"{relation.name}__isnull": False})
    return memberships


def purge_erased_memberships(now: datetime.datetime) -> dict[str, int]:
    """The memberships an erasure left empty that nothing keeps any more (their kept
    vouchers went with their retention date). Nothing about the person is left in them,
    so they go whatever their age."""
    with audit_suppressed():
        empty = _not_protected(anonymised_memberships()).select_for_update(
            skip_locked=True, of=("self",)
        )
        ids = list(empty.values_list("pk", flat=True))
        deleted = Membership.objects.filter(pk__in=ids).delete()[1]
        audit_blank("organizations.membership", ids)
    return {label: n for label, n in deleted.items() if n}


def ended_memberships(now: datetime.datetime) -> QuerySet[Membership]:
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
    # The same people leave that organization's logged exports (one list per export).
    still_member_of = Membership.objects.filter(
        organization=OuterRef("organization"), user=OuterRef("user")
    ).exclude(pk__in=ended.values("pk"))
    gone: dict[int, set[int]] = {}
    for organization_id, user_id in (
        ended.filter(user__isnull=False)
        .exclude(Exists(still_member_of))
        .values_list("organization_id", "user_id")
    ):
        gone.setdefault(organization_id, set()).add(user_id)
    counts["organizations.MemberListExport"] = sum(
        member_exports_forget(organization_id=organization_id, user_ids=user_ids)
        for organization_id, user_ids in gone.items()
    )
    deleted = 0
    for membership in ended.iterator(chunk_size=500):
        try:
            with transaction.atomic():
                # Another job (vouchers of erased people) may hold or have taken it.
                locked = (
                    Membership.objects.select_for_update(skip_locked=True)
                    .filter(pk=membership.pk)
                    .first()
                )
                if locked is None:
                    continue
                locked.delete()
        except ProtectedError:
            continue  # invoices (kept by the Accounting Act) still point at it
        deleted += 1
    counts["organizations.Membership"] = deleted
    return counts


def unaccepted_invitations(now: datetime.datetime) -> QuerySet[Membership]:
    """Invitations nobody accepted, whose link expired more than the period ago."""
    cutoff = now - datetime.timedelta(days=settings.UNACCEPTED_INVITATION_RETENTION_DAYS)
    return Membership.objects.filter(
        status=Membership.Status.INVITED, user__isnull=True, invitation__expires_at__lt=cutoff
    )


def purge_unaccepted_invitations(now: datetime.datetime) -> dict[str, int]:
    """The invited person's name and address, the invitation and the mail logged about it
    go; the organization can invite them again."""

    counts = {"organizations.Membership": 0, "organizations.Invitation": 0}
    communications = 0
    for membership in unaccepted_invitations(now).iterator(chunk_size=500):
        try:
            # One savepoint each: all of a person's invitation goes, or none of it.
            with transaction.atomic():
                # Another run (or the person accepting right now) holds it: leave it be.
                locked = (
                    Membership.objects.select_for_update(skip_locked=True)
                    .filter(pk=membership.pk, status=Membership.Status.INVITED, user__isnull=True)
                    .first()
                )
                if locked is None:
                    continue
                pk = locked.pk
                invitations = list(Invitation.objects.filter(membership=locked))
                forgotten = forget_mail_about(related=invitations)
                locked.delete()
        except ProtectedError:
            continue
        communications += forgotten
        counts["organizations.Invitation"] += len(invitations)
        counts["organizations.Membership"] += 1
        audit_blank("organizations.membership", [pk])
    if communications:
        counts["communications.CommunicationRecord"] = communications
    return {label: n for label, n in counts.items() if n}


register_job(
    RetentionJob(
        name=ERASED_MEMBERSHIPS_JOB,
        label=_("Memberships an erasure left empty that nothing keeps any more"),
        run=purge_erased_memberships,
    )
)
register_job(
    RetentionJob(
        name=INVITATIONS_JOB,
        label=_("Invitations nobody accepted, past their period after the link expired"),
        run=purge_unaccepted_invitations,
    )
)
register_job(
    RetentionJob(
        name=ENDED_MEMBERSHIPS_JOB,
        label=_("Memberships whose settling period after ending has passed"),
        run=purge_ended_memberships,
        # An erased membership goes with its own job (its trail blanked), not this one.
        after=(ERASED_MEMBERSHIPS_JOB,),
    )
)
