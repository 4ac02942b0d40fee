"""Writes for organizations: each runs in a transaction and records who did it."""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from accounts.sources import DataSource
from gdpr.api import acting_as, attach_mail_to_person, controller_contact, log_mail
from registry.user_input import NUL_MESSAGE, has_nul, max_length

from .models import (
    AdminRightChange,
    BankAccount,
    ContactPerson,
    Invitation,
    MemberDataView,
    Membership,
    Organization,
    OrganizationClaim,
    business_id_normalise,
    iban_normalise,
)
from .permissions import ADMINISTER_CODENAME
from .selectors import InvitedAddress, active_admins, invited_address_on_account

if TYPE_CHECKING:
    from accounts.models import User

ORGANIZATION_FIELDS = (
    "name",
    "kind",
    "business_id",
    "association_register_number",
    "email",
    "phone",
    "street_address",
    "postal_code",
    "city",
    "website",
    "e_invoice_address",
    "e_invoice_operator",
    "financial_period_end_month",
)


logger = logging.getLogger(__name__)


class RuleError(ValidationError):
    """A request that breaks a rule of the register (e.g. removing the last admin)."""


def _business_id(value: str) -> str:
    """The Y-tunnus as stored, or RuleError: a service is not trusting its caller's form."""
    try:
        return business_id_normalise(value or "")
    except ValidationError as error:
        raise RuleError(error.messages, code="invalid") from error


def business_id_holder(
    *, business_id: str, exclude: Organization | None = None
) -> Organization | None:
    """The organization already registered under ``business_id`` (normalised), if any."""
    if not business_id:
        return None
    organizations = Organization.objects.filter(business_id=business_id)
    if exclude is not None and exclude.pk is not None:
        organizations = organizations.exclude(pk=exclude.pk)
    return organizations.first()


def _registered_error() -> RuleError:
    return RuleError(_("An organization with this business ID already exists."), code="registered")


# --- Denormalised member fields ---------------------------------------------------------


def _member_fields_from_user(user: User) -> dict[str, str]:
    name = user.get_full_name().strip()
    return {"name": name, "email": user.email}


def _search_fields(membership: Membership) -> None:
    sort_source = membership.name
    if membership.user is not None and membership.user.last_name:
        sort_source = f"{membership.user.last_name} {membership.user.first_name}"
    membership.sort_name = (sort_source or membership.email).strip().lower()[:300]
    membership.search_text = " ".join(
        part for part in (membership.name, membership.email, membership.member_number) if part
    ).lower()


def memberships_sync_user(*, user: User) -> int:
    """Copy the user's current name and email onto their active memberships.

    An organization the person has left keeps the record as it was when they left.
    """
    memberships = list(
        Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).select_related("user")
    )
    for membership in memberships:
        for name, value in _member_fields_from_user(user).items():
            setattr(membership, name, value)
        _search_fields(membership)
    Membership.objects.bulk_update(memberships, ["name", "email", "sort_name", "search_text"])
    from gdpr.api import audit_record_saved  # bulk_update sends no signals

    audit_record_saved(memberships, fields=["name", "email"])
    return len(memberships)


@transaction.atomic
def membership_add(
    *,
    organization: Organization,
    user: User,
    member_number: str = "",
    joined_on: datetime.date | None = None,
    source: DataSource = DataSource.CONTROLLER,
) -> Membership:
    """Put an existing user straight into the register as an active member.

    For imports by the controller and demo data; people are normally invited.
    """
    membership = Membership(
        organization=organization,
        user=user,
        member_number=member_number,
        status=Membership.Status.ACTIVE,
        joined_on=joined_on or timezone.localdate(),
        source=source,
        **_member_fields_from_user(user),
    )
    _search_fields(membership)
    membership.save()
    return membership


# --- Organizations ------------------------------------------------------------------------


def _grant_admin(*, membership: Membership, actor: User | None) -> None:
    assign_perm(ADMINISTER_CODENAME, membership.user, membership.organization)
    membership.role = Membership.Role.ADMIN
    with acting_as(actor):
        membership.save(update_fields=["role", "updated_at"])
    AdminRightChange.objects.create(
        organization=membership.organization,
        membership=membership,
        action=AdminRightChange.Action.GRANT,
        changed_by=actor,
    )


def _revoke_admin(*, membership: Membership, actor: User | None) -> None:
    remove_perm(ADMINISTER_CODENAME, membership.user, membership.organization)
    membership.role = Membership.Role.MEMBER
    with acting_as(actor):
        membership.save(update_fields=["role", "updated_at"])
    AdminRightChange.objects.create(
        organization=membership.organization,
        membership=membership,
        action=AdminRightChange.Action.REVOKE,
        changed_by=actor,
    )


@transaction.atomic
def organization_create(
    *, data: Mapping[str, Any], first_admin: User, actor: User | None
) -> Organization:
    """Register an organization; ``first_admin`` becomes its first member and admin.

    The organization is usable at once but unverified until the controller verifies it.
    A business ID already registered is refused (the person files a claim instead).
    """
    values = {name: data[name] for name in ORGANIZATION_FIELDS if name in data}
    values["business_id"] = _business_id(values.get("business_id", ""))
    if business_id_holder(business_id=values["business_id"]) is not None:
        raise _registered_error()
    try:
        # A savepoint: two registrations of one business ID at once meet the constraint.
        with transaction.atomic(), acting_as(actor):
            organization = Organization.objects.create(**values, created_by=actor)
    except IntegrityError as error:
        raise _registered_error() from error
    membership = Membership(
        organization=organization,
        user=first_admin,
        status=Membership.Status.ACTIVE,
        joined_on=timezone.localdate(),
        **_member_fields_from_user(first_admin),
    )
    _search_fields(membership)
    with acting_as(actor):
        membership.save()
    _grant_admin(membership=membership, actor=actor)
    return organization


@transaction.atomic
def organization_update(*, organization: Organization, data: Mapping[str, Any]) -> Organization:
    """Save the changed fields of an organization's own data."""
    # Compare with the stored row, not the caller's instance: a ModelForm has already
    # copied the new values onto the instance it was given.
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    data = dict(data)
    if "business_id" in data:
        data["business_id"] = _business_id(data["business_id"])
        if business_id_holder(business_id=data["business_id"], exclude=organization) is not None:
            raise _registered_error()
    changed = [n for n in ORGANIZATION_FIELDS if n in data and getattr(organization, n) != data[n]]
    for name in changed:
        setattr(organization, name, data[name])
    if "business_id" in changed and organization.is_verified:
        # The verification vouched for the organization under its business ID: under
        # another one it vouches for nothing, and the controller looks again.
        logger.info(
            "Organization %s changed its business ID; its verification was withdrawn",
            organization.pk,
        )
        organization.verified_at = None
        organization.verified_by = None
        organization.verification_evidence = ""
        changed += ["verified_at", "verified_by", "verification_evidence"]
    if changed:
        try:
            with transaction.atomic():
                organization.save(update_fields=changed)
        except IntegrityError as error:
            raise _registered_error() from error
    return organization


@transaction.atomic
def organization_verify(
    *, organization: Organization, evidence: str, actor: User | None
) -> Organization:
    """The controller confirms that the organization is who it says it is, naming the
    evidence (e.g. a trade register extract). Verifying again replaces the evidence."""
    evidence = evidence.strip()
    if not evidence:
        raise RuleError(_("Name the evidence the verification rests on."), code="evidence")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    organization.verified_at = timezone.now()
    organization.verified_by = actor
    organization.verification_evidence = evidence
    # The audit trail records who verified (verified_by is an actor field).
    with acting_as(actor):
        organization.save(update_fields=["verified_at", "verified_by", "verification_evidence"])
    logger.info(
        "Organization %s verified by user %s",
        organization.pk,
        getattr(actor, "pk", None),
    )
    return organization


@transaction.atomic
def bank_account_save(
    *, organization: Organization, account: BankAccount | None, data: Mapping[str, Any]
) -> BankAccount:
    """Add or change a bank account; one primary account at most, and an IBAN belongs to
    one organization only."""
    account = account or BankAccount(organization=organization)
    data = dict(data)
    if "iban" in data:
        try:
            data["iban"] = iban_normalise(data["iban"])
        except ValidationError as error:
            raise RuleError(error.messages, code="invalid") from error
    for name in ("iban", "bic", "bank_name", "description", "is_primary"):
        if name in data:
            setattr(account, name, data[name])
    problem = bank_account_iban_problem(
        organization=organization, iban=account.iban, account_pk=account.pk
    )
    if problem:
        raise RuleError(problem, code="iban_taken")
    if account.is_primary:
        organization.bank_accounts.exclude(pk=account.pk).update(is_primary=False)
    elif not organization.bank_accounts.exclude(pk=account.pk).filter(is_primary=True).exists():
        account.is_primary = True
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as error:
        # Another organization registered the same account a moment earlier.
        raise RuleError(iban_taken_message(), code="iban_taken") from error
    return account


def iban_taken_message() -> str:
    contact = controller_contact()
    controller = contact["name"]
    if contact["email"]:
        controller = f"{controller} ({contact['email']})"
    return _(
        "This account is already registered to another organization. If it belongs to your "
        "organization, contact the controller of the register, %(controller)s."
    ) % {"controller": controller}


def bank_account_iban_problem(
    *, organization: Organization | None, iban: str, account_pk: int | None = None
) -> str:
    """Why ``iban`` (compact) cannot be this organization's account; "" if it can.

    Compared in compact form, the way accounts are stored, so "FI21 1234…" and
    "fi211234…" are one account.
    """
    holders = BankAccount.objects.filter(iban=iban)
    if account_pk is not None:
        holders = holders.exclude(pk=account_pk)
    holder = holders.values_list("organization_id", flat=True).first()
    if holder is None:
        return ""
    if organization is not None and holder == organization.pk:
        return _("This account is already registered.")
    return iban_taken_message()


@transaction.atomic
def bank_account_delete(*, account: BankAccount) -> None:
    organization = account.organization
    was_primary = account.is_primary
    account.delete()
    if was_primary:
        successor = organization.bank_accounts.order_by("pk").first()
        if successor is not None:
            successor.is_primary = True
            successor.save(update_fields=["is_primary"])


def contact_person_save(
    *,
    organization: Organization,
    contact: ContactPerson | None,
    data: Mapping[str, Any],
    source: DataSource = DataSource.ORGANIZATION_ADMIN,
) -> ContactPerson:
    contact = contact or ContactPerson(organization=organization)
    contact.source = source
    for name in ("name", "role", "phone", "email", "user"):
        if name in data:
            setattr(contact, name, data[name])
    contact.save()
    return contact


def contact_person_delete(*, contact: ContactPerson) -> None:
    contact.delete()


# --- Claims ----------------------------------------------------------------------------------

CLAIM_FILED = "filed"
CLAIM_DECIDED = "decided"


def _notify_claim(claim: OrganizationClaim, event: str, previous_admins: list[int]) -> None:
    from .tasks import send_claim_notices

    transaction.on_commit(lambda: send_claim_notices.delay(claim.pk, event, previous_admins))


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
    from . import emails

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


@transaction.atomic
def membership_end(*, membership: Membership, actor: User) -> Membership:
    """End a membership (the member leaves or an admin ends it); the record stays."""
    list(
        Membership.objects.select_for_update()
        .filter(organization_id=membership.organization_id, role=Membership.Role.ADMIN)
        .values_list("pk", flat=True)
    )
    membership = Membership.objects.select_related("organization", "user").get(pk=membership.pk)
    if membership.status == Membership.Status.ENDED:
        return membership
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
    return membership


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
    with acting_as(actor):
        membership.save(update_fields=changed)
    return membership


# --- Invitations --------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _invitation_lifetime() -> datetime.timedelta:
    return datetime.timedelta(days=getattr(settings, "INVITATION_VALID_DAYS", 14))


@dataclass
class NewInvitation:
    invitation: Invitation
    token: str


def _check_invitee_shape(*, email: str, name: str, member_number: str) -> list[str]:
    """What the database would refuse (PostgreSQL does; SQLite would store it silently)."""
    if has_nul(email, name, member_number):
        return [str(NUL_MESSAGE)]
    problems = []
    limit = max_length(Membership, "email")
    if len(email) > limit:
        problems.append(
            _("The email address is too long (at most %(limit)s characters).") % {"limit": limit}
        )
    limit = max_length(Membership, "name")
    if len(name) > limit:
        problems.append(
            _("The name is too long (at most %(limit)s characters).") % {"limit": limit}
        )
    limit = max_length(Membership, "member_number")
    if len(member_number) > limit:
        problems.append(
            _("The member number is too long (at most %(limit)s characters).") % {"limit": limit}
        )
    return problems


def _check_invitee(
    organization: Organization, *, email: str, name: str = "", member_number: str
) -> list[str]:
    problems = _check_invitee_shape(email=email, name=name, member_number=member_number)
    if problems:
        # Looking the values up would fail on PostgreSQL as well.
        return problems
    email_taken = Membership.objects.filter(
        organization=organization,
        email__iexact=email,
        status__in=[Membership.Status.ACTIVE, Membership.Status.INVITED],
    ).exists()
    if email_taken:
        problems.append(_("%(email)s is already a member or invited.") % {"email": email})
    if (
        member_number
        and Membership.objects.filter(
            organization=organization, member_number=member_number
        ).exists()
    ):
        problems.append(
            _("Member number %(number)s is already in use.") % {"number": member_number}
        )
    return problems


@transaction.atomic
def invitation_create(
    *,
    organization: Organization,
    email: str,
    name: str = "",
    member_number: str = "",
    actor: User,
) -> NewInvitation:
    """Invite a person by email; the link is mailed after the transaction commits."""
    email = email.strip().lower()
    name = name.strip()
    problems = _check_invitee(organization, email=email, name=name, member_number=member_number)
    if problems:
        raise RuleError(problems)
    membership = Membership(
        organization=organization,
        status=Membership.Status.INVITED,
        member_number=member_number,
        name=name,
        email=email,
        source=DataSource.ORGANIZATION_ADMIN,
    )
    _search_fields(membership)
    token = secrets.token_urlsafe(32)
    with acting_as(actor):
        membership.save()
        invitation = Invitation.objects.create(
            membership=membership,
            token_hash=_token_hash(token),
            created_by=actor,
            expires_at=timezone.now() + _invitation_lifetime(),
        )
    from .tasks import send_invitation

    language = translation.get_language() or settings.LANGUAGE_CODE
    transaction.on_commit(lambda: send_invitation.delay(invitation.pk, token, language))
    return NewInvitation(invitation=invitation, token=token)


@dataclass
class ImportRow:
    line: int
    name: str
    email: str
    member_number: str


@dataclass
class ImportResult:
    invited: list[Invitation] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def invitations_import(
    *, organization: Organization, rows: Iterable[ImportRow], actor: User
) -> ImportResult:
    """Invite every good row; report each bad row with its line number and reason.

    Each row is its own transaction: a bad row never takes the good ones down with it.
    """
    from django.core.validators import validate_email

    result = ImportResult()
    seen_emails: set[str] = set()
    seen_numbers: set[str] = set()
    for row in rows:
        email = row.email.strip().lower()
        number = row.member_number.strip()
        try:
            validate_email(email)
        except ValidationError:
            result.errors.append(
                (row.line, _("Not a valid email address: %(value)s") % {"value": row.email or "—"})
            )
            continue
        if email in seen_emails:
            result.errors.append((row.line, _("The same email address appears twice in the list.")))
            continue
        if number and number in seen_numbers:
            result.errors.append((row.line, _("The same member number appears twice in the list.")))
            continue
        seen_emails.add(email)
        if number:
            seen_numbers.add(number)
        try:
            created = invitation_create(
                organization=organization,
                email=email,
                name=row.name[:300],
                member_number=number,
                actor=actor,
            )
        except RuleError as error:
            result.errors.append((row.line, " ".join(error.messages)))
            continue
        result.invited.append(created.invitation)
    return result


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update().select_related("membership").get(pk=invitation.pk)
    )
    if invitation.accepted_at is not None:
        raise RuleError(_("The invitation was already accepted."))
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        membership = invitation.membership
        membership.status = Membership.Status.ENDED
        membership.ended_on = timezone.localdate()
        # A revoked invitation must not keep its member number reserved.
        membership.member_number = ""
        _search_fields(membership)
        with acting_as(actor):
            invitation.save(update_fields=["revoked_at"])
            membership.save()
    return invitation


def invitation_for_token(*, token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("membership__organization")
        .filter(token_hash=_token_hash(token))
        .first()
    )


# Refusals where the link is fine but the account is not the invited one: the invitation
# page tells the person how to go on instead of calling the link unusable.
INVITATION_FOR_ANOTHER_ADDRESS = "invitation_for_another_address"
INVITATION_ADDRESS_UNVERIFIED = "invitation_address_unverified"


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """Accept an invitation as ``user``, who must hold the invited address verified:
    the membership becomes active."""
    found = invitation_for_token(token=token)
    if found is None:
        raise RuleError(_("This invitation link is not valid."))
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    membership = Membership.objects.select_related("organization").get(pk=invitation.membership_id)
    invitation.membership = membership
    if invitation.accepted_at is not None:
        raise RuleError(_("This invitation has already been used."))
    if invitation.revoked_at is not None:
        raise RuleError(_("This invitation has been withdrawn."))
    if invitation.is_expired:
        raise RuleError(_("This invitation has expired. Ask the organization for a new one."))
    # A link can be forwarded or leaked: only the owner of the invited address may take the
    # membership (and its number, and the mail sent about it). Nothing is written before.
    match invited_address_on_account(invitation=invitation, user=user):
        case InvitedAddress.UNVERIFIED:
            raise RuleError(
                _(
                    "Verify the email address this invitation was sent to before accepting"
                    " it. Then open the invitation link again."
                ),
                code=INVITATION_ADDRESS_UNVERIFIED,
            )
        case InvitedAddress.ABSENT:
            raise RuleError(
                _(
                    "This invitation was sent to another email address. Only an account on"
                    " which that address is verified can accept it."
                ),
                code=INVITATION_FOR_ANOTHER_ADDRESS,
            )
    invited_email = membership.email
    if Membership.objects.filter(
        organization=membership.organization, user=user, status=Membership.Status.ACTIVE
    ).exists():
        raise RuleError(_("You are already a member of this organization."))
    # A former membership of the same person gives way to the new one.
    from gdpr.api import audit_queryset_update  # update() sends no signals

    audit_queryset_update(
        Membership.objects.filter(organization=membership.organization, user=user), user=None
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_email = invited_email
    invitation.save(update_fields=["accepted_at", "accepted_email"])
    membership.user = user
    membership.source = DataSource.SUBJECT
    membership.status = Membership.Status.ACTIVE
    membership.joined_on = timezone.localdate()
    membership.ended_on = None
    for name, value in _member_fields_from_user(user).items():
        setattr(membership, name, value or getattr(membership, name))
    _search_fields(membership)
    membership.save()
    attach_mail_to_person(related=invitation, user=user)
    return membership


@transaction.atomic
def invitation_send(*, invitation_id: int, token: str, language: str) -> bool:
    """Mail the invitation link once. Returns False when there was nothing to send.

    The row stays locked while mailing, so a task delivered twice waits and then finds
    ``sent_at`` set; a failed send rolls back and the task's retry tries again.
    """
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to created_by.
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("membership__organization", "created_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.sent_at is not None or not invitation.is_open:
        return False
    from .emails import send_invitation_email

    subject_line = send_invitation_email(invitation=invitation, token=token, language=language)
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at"])
    log_mail(
        organization=invitation.membership.organization,
        subject=None,
        counterpart=invitation.membership.email,
        subject_line=subject_line,
        related=invitation,
    )
    return True


# --- Read log -------------------------------------------------------------------------------


def member_data_view_record(*, viewer: User, membership: Membership) -> None:
    """One row per page view: who saw whose data, when and how (not one's own)."""
    if membership.user_id is None or membership.user_id == viewer.pk:
        return
    MemberDataView.objects.create(
        organization_id=membership.organization_id,
        subject_id=membership.user_id,
        viewer=viewer,
        viewer_name=viewer.get_full_name() or viewer.email,
        channel=MemberDataView.Channel.DETAIL,
    )


def controller_data_view_record(*, viewer: User, subject: User) -> None:
    """One of the controller's staff opened ``subject``'s record (not their own)."""
    if subject.pk == viewer.pk:
        return
    MemberDataView.objects.create(
        organization=None,
        subject=subject,
        viewer=viewer,
        viewer_name=viewer.get_full_name() or viewer.email,
        channel=MemberDataView.Channel.CONTROLLER,
    )


def member_export_record(*, viewer: User, memberships: QuerySet[Membership]) -> int:
    """Log an export of every member in ``memberships`` with one INSERT … SELECT."""
    source = (
        memberships.filter(user__isnull=False)
        .exclude(user=viewer)
        .values_list("organization_id", "user_id")
    )
    select_sql, params = source.query.sql_with_params()
    table = MemberDataView._meta.db_table
    viewer_name = viewer.get_full_name() or viewer.email
    # Wrapped as a subquery so the SELECT keeps its own WHERE/ORDER untouched.
    sql = (
        f'INSERT INTO "{table}" (organization_id, subject_id, viewer_id, viewer_name, channel,'  # noqa: S608
        f" viewed_at) SELECT src.organization_id, src.user_id, %s, %s, %s, %s"
        f" FROM ({select_sql}) AS src"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                viewer.pk,
                viewer_name,
                MemberDataView.Channel.EXPORT,
                connection.ops.adapt_datetimefield_value(timezone.now()),
                *params,
            ],
        )
        return cursor.rowcount
