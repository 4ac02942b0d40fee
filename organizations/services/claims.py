"""Claims to an organization: a person says they represent one; the controller decides
and, on approval, makes them an admin."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.sources import DataSource
from gdpr.api import acting_as, log_mail
from organizations import emails, tasks
from organizations.models import (
    Membership,
    Organization,
    OrganizationClaim,
)
from organizations.selectors import active_admins
from organizations.services.base import (
    RuleError,
    _business_id,
    _grant_admin,
    _member_fields_from_user,
    _revoke_admin,
    _search_fields,
    business_id_holder,
    membership_add,
)
from organizations.services.organization import organization_verify
from registry.outbox.services import enqueue_on_commit

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


# --- Claims ----------------------------------------------------------------------------------

CLAIM_FILED = "filed"
CLAIM_DECIDED = "decided"


def _notify_claim(claim: OrganizationClaim, event: str, previous_admins: list[int]) -> None:
    enqueue_on_commit(tasks.send_claim_notices, claim.pk, event, previous_admins)


@transaction.atomic
def organization_claim_file(
    *, business_id: str, claimant: User, statement: str
) -> OrganizationClaim:
    """A person claims to represent the organization registered under ``business_id``.

    The controller decides; the claimant and the organization's admins are mailed (the
    admins learn that a claim was filed, not by whom).
    """
    business_id = _business_id(business_id)
    statement = statement.strip()
    if not statement:
        raise RuleError(_("Tell the controller how you represent the organization."))
    organization = business_id_holder(business_id=business_id)
    if organization is None:
        raise RuleError(_("No organization is registered with this business ID."))
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if active_admins(organization=organization, user=claimant).exists():
        raise RuleError(_("You are already an admin of this organization."), code="admin")
    if OrganizationClaim.objects.filter(
        organization=organization, claimant=claimant, status=OrganizationClaim.Status.PENDING
    ).exists():
        raise RuleError(
            _("You already have a claim to this organization waiting for the controller."),
            code="open",
        )
    claim = OrganizationClaim.objects.create(
        organization=organization, claimant=claimant, statement=statement
    )
    logger.info("Claim %s to organization %s filed", claim.pk, organization.pk)
    _notify_claim(claim, CLAIM_FILED, [])
    return claim


def _pending_claim(claim: OrganizationClaim) -> OrganizationClaim:
    # of=("self",): PostgreSQL cannot lock the nullable side of the join to decided_by.
    claim = (
        OrganizationClaim.objects.select_for_update(of=("self",))
        .select_related("organization", "claimant")
        .get(pk=claim.pk)
    )
    if not claim.is_pending:
        raise RuleError(_("The claim has already been decided."), code="decided")
    return claim


def _decide(claim: OrganizationClaim, status: str, *, actor: User | None, note: str) -> None:
    claim.status = status
    claim.decided_at = timezone.now()
    claim.decided_by = actor
    claim.decision_note = note.strip()
    with acting_as(actor):
        claim.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])


@transaction.atomic
def organization_claim_approve(
    *,
    claim: OrganizationClaim,
    actor: User | None,
    note: str = "",
    remove_previous_admins: bool = False,
) -> OrganizationClaim:
    """Hand the organization to the claimant: they become an admin (a member first, if
    need be), the organization becomes verified with the claim as its evidence, and, if
    the controller so chooses, the previous admins lose their rights (their memberships
    stay). The claimant is the admin left, so the organization always keeps one."""
    claim = _pending_claim(claim)
    organization = claim.organization
    claimant = claim.claimant
    if not claimant.is_active:
        raise RuleError(_("The claimant's account is not active."), code="inactive")
    # Lock the admin rows, as revoking does, so no admin change runs alongside.
    previous = list(
        active_admins(organization=organization)
        .select_for_update(of=("self",))
        .select_related("organization", "user")
        .exclude(user=claimant)
    )
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("organization", "user")
        .filter(organization=organization, user=claimant)
        .first()
    )
    with acting_as(actor):
        if membership is None:
            membership = membership_add(
                organization=organization, user=claimant, source=DataSource.CONTROLLER
            )
        elif membership.status != Membership.Status.ACTIVE:
            # A former member comes back: the same row, as an invitation accepted again does.
            membership.status = Membership.Status.ACTIVE
            membership.joined_on = timezone.localdate()
            membership.ended_on = None
            for name, value in _member_fields_from_user(claimant).items():
                setattr(membership, name, value)
            _search_fields(membership)
            membership.save()
    if membership.role != Membership.Role.ADMIN:
        _grant_admin(membership=membership, actor=actor)
    if remove_previous_admins:
        for old in previous:
            _revoke_admin(membership=old, actor=actor)
    _decide(claim, OrganizationClaim.Status.APPROVED, actor=actor, note=note)
    organization_verify(
        organization=organization,
        evidence=_("Claim no. %(number)s approved by the controller on %(date)s.")
        % {"number": claim.pk, "date": date_format(timezone.localdate(), "SHORT_DATE_FORMAT")},
        actor=actor,
    )
    logger.info(
        "Claim %s approved: organization %s passed to user %s (previous admins %s)",
        claim.pk,
        organization.pk,
        claimant.pk,
        "removed" if remove_previous_admins else "kept",
    )
    _notify_claim(claim, CLAIM_DECIDED, [m.user_id for m in previous])
    return claim


@transaction.atomic
def organization_claim_reject(
    *, claim: OrganizationClaim, actor: User | None, note: str = ""
) -> OrganizationClaim:
    """Turn a claim down; the claimant is told, with the controller's note."""
    claim = _pending_claim(claim)
    _decide(claim, OrganizationClaim.Status.REJECTED, actor=actor, note=note)
    logger.info("Claim %s rejected", claim.pk)
    _notify_claim(claim, CLAIM_DECIDED, [])
    return claim


@transaction.atomic
def organization_claim_notify(
    *, claim_id: int, event: str, previous_admin_ids: Iterable[int] = ()
) -> bool:
    """Mail the claim's notices once per event. Returns False when there was nothing to send.

    Filed: the claimant (it went to the controller) and the organization's admins.
    Decided: the claimant, and on approval the admins it was taken from.
    The row stays locked while mailing, so a task delivered twice finds the stamp set.
    """
    claim = (
        OrganizationClaim.objects.select_for_update(of=("self",))
        .select_related("organization", "claimant")
        .filter(pk=claim_id)
        .first()
    )
    stamp = {CLAIM_FILED: "filed_notice_sent_at", CLAIM_DECIDED: "decision_notice_sent_at"}[event]
    if claim is None or getattr(claim, stamp) is not None:
        return False
    if event == CLAIM_DECIDED and claim.is_pending:
        return False
    organization = claim.organization
    sent: list[tuple[Organization | None, User, str]] = []
    if event == CLAIM_FILED:
        line = emails.send_claim_email(claim=claim, template="claim_filed_claimant")
        sent.append((None, claim.claimant, line))
        for admin in _active_admin_users(organization):
            line = emails.send_claim_email(claim=claim, template="claim_filed_admin", to=admin)
            sent.append((organization, admin, line))
    else:
        line = emails.send_claim_email(claim=claim, template="claim_decided_claimant")
        sent.append((None, claim.claimant, line))
        previous = get_user_model().objects.filter(pk__in=list(previous_admin_ids), is_active=True)
        for admin in previous:
            line = emails.send_claim_email(claim=claim, template="claim_approved_admin", to=admin)
            sent.append((organization, admin, line))
    setattr(claim, stamp, timezone.now())
    claim.save(update_fields=[stamp])
    for logged_organization, user, line in sent:
        # The claimant's mail is not in the organization's log: its admins must not learn
        # from it who filed a claim.
        log_mail(
            organization=logged_organization,
            subject=user,
            counterpart=user.email,
            subject_line=line,
            related=claim,
        )
    return True


def _active_admin_users(organization: Organization) -> list[User]:
    admins = active_admins(organization=organization).filter(user__isnull=False)
    return [m.user for m in admins.select_related("user") if m.user.email]
