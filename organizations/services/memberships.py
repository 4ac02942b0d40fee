"""Members' admin rights, ending a membership and correcting a member record (Art. 16);
the organization always keeps one admin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.sources import DataSource
from gdpr.api import acting_as
from organizations.leaving import (
    Commitment,
    Due,
    Kept,
    due_after_leaving,
    kept_after_leaving,
    settle_at_leaving,
)
from organizations.models import (
    Membership,
    Organization,
)
from organizations.selectors import active_admins
from organizations.services.base import (
    RuleError,
    _grant_admin,
    _revoke_admin,
    _search_fields,
    acting,
)

if TYPE_CHECKING:
    from accounts.models import User

# --- Admin rights and memberships ---------------------------------------------------------


def _active_admin_count(organization: Organization) -> int:
    return active_admins(organization=organization).count()


@transaction.atomic
def membership_admin_grant(*, membership: Membership, actor: User) -> Membership:
    """Make an active member an admin of their organization."""
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to the user.
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("organization", "user")
        .get(pk=membership.pk)
    )
    if membership.status != Membership.Status.ACTIVE or membership.user is None:
        raise RuleError(_("Only an active member can be made an admin."))
    if membership.role != Membership.Role.ADMIN:
        _grant_admin(membership=membership, actor=actor)
    return membership


@transaction.atomic
def membership_admin_revoke(*, membership: Membership, actor: User) -> Membership:
    """Take admin rights away; the organization always keeps at least one admin."""
    # Lock the organization's admin rows so two admins cannot revoke each other at once.
    list(
        Membership.objects.select_for_update()
        .filter(organization_id=membership.organization_id, role=Membership.Role.ADMIN)
        .values_list("pk", flat=True)
    )
    membership = Membership.objects.select_related("organization", "user").get(pk=membership.pk)
    if membership.role != Membership.Role.ADMIN:
        return membership
    if _active_admin_count(membership.organization) <= 1:
        raise RuleError(_("The organization must keep at least one admin."))
    _revoke_admin(membership=membership, actor=actor)
    return membership


@dataclass(frozen=True)
class MembershipEnding:
    """A membership that ended, what ended with it, what stays visible of it and what the
    member still owes."""

    membership: Membership
    settled: list[Commitment]
    kept: list[Kept]
    due: list[Due]

    @property
    def ended(self) -> list[Commitment]:
        return [item for item in self.settled if item.ended]

    @property
    def left_to_admins(self) -> list[Commitment]:
        return [item for item in self.settled if not item.ended]


@transaction.atomic
def membership_leave(*, membership: Membership, actor: User) -> MembershipEnding:
    """End a membership (the member leaves or an admin ends it) and say what ended with it
    (the apps' commitments, e.g. contracts) and what stays visible of it, until when."""
    list(
        Membership.objects.select_for_update()
        .filter(organization_id=membership.organization_id, role=Membership.Role.ADMIN)
        .values_list("pk", flat=True)
    )
    membership = Membership.objects.select_related("organization", "user").get(pk=membership.pk)
    if membership.status == Membership.Status.ENDED:
        return MembershipEnding(
            membership=membership,
            settled=[],
            kept=kept_after_leaving(membership=membership, left_on=membership.ended_on),
            due=due_after_leaving(membership=membership),
        )
    if membership.status == Membership.Status.INVITED:
        raise RuleError(_("An invitation is revoked, not ended."))
    if membership.role == Membership.Role.ADMIN:
        if _active_admin_count(membership.organization) <= 1:
            raise RuleError(_("The last admin cannot leave. Make another member an admin first."))
        _revoke_admin(membership=membership, actor=actor)
    membership.status = Membership.Status.ENDED
    membership.ended_on = timezone.localdate()
    with acting_as(actor):
        membership.save(update_fields=["status", "ended_on", "updated_at"])
    # Contracts and the like end with the membership, or go to the admins to end.
    settled = settle_at_leaving(membership=membership, left_on=membership.ended_on, actor=actor)
    return MembershipEnding(
        membership=membership,
        settled=settled,
        kept=kept_after_leaving(membership=membership, left_on=membership.ended_on),
        due=due_after_leaving(membership=membership),
    )


def membership_end(*, membership: Membership, actor: User) -> Membership:
    """End a membership (the member leaves or an admin ends it); the record stays, and
    what the apps end with it ends too (``membership_leave``)."""
    return membership_leave(membership=membership, actor=actor).membership


MEMBERSHIP_RECTIFIABLE = ("member_number", "joined_on", "ended_on", "role", "name", "email")


@transaction.atomic
def membership_rectify(
    *,
    membership: Membership,
    field: str,
    value: Any,
    actor: User | None,
    source: DataSource = DataSource.SUBJECT,
) -> Membership:
    """Correct one datum of a member record on the person's request (GDPR Art. 16).

    The role goes through the admin-rights steps, so the rights follow it and the last
    admin rule holds; a corrected name or email records where it came from.
    """
    if field not in MEMBERSHIP_RECTIFIABLE:
        raise ValueError(f"{field} is not a rectifiable membership field")
    if field == "role":
        if value == Membership.Role.ADMIN:
            return membership_admin_grant(membership=membership, actor=actor)
        return membership_admin_revoke(membership=membership, actor=actor)
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=membership.pk)
    )
    if (
        field == "member_number"
        and Membership.objects.filter(
            organization_id=membership.organization_id, member_number=value
        )
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise RuleError(_("Member number %(number)s is already in use.") % {"number": value})
    joined = value if field == "joined_on" else membership.joined_on
    ended = value if field == "ended_on" else membership.ended_on
    if joined and ended and ended < joined:
        raise RuleError(_("A membership cannot end before it began."))
    setattr(membership, field, value)
    changed = [field, "updated_at"]
    if field in ("name", "email"):
        membership.source = source
        changed.append("source")
    if field in ("member_number", "name", "email"):
        _search_fields(membership)
        changed += ["sort_name", "search_text"]
    with acting(actor):
        membership.save(update_fields=changed)
    return membership
