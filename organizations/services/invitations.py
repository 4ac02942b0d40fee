"""Invitations: created one by one or imported from a list, revoked, accepted by the
person through the mailed link, and sent by a task."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import profile_update
from accounts.sources import DataSource
from gdpr.api import acting_as, attach_mail_to_person, audit_queryset_update, log_mail
from organizations import emails, tasks
from organizations.models import (
    Invitation,
    Membership,
    Organization,
)
from organizations.selectors import InvitedAddress, invited_address_on_account
from organizations.services.base import RuleError, _member_fields_from_user, _search_fields
from registry.outbox.services import enqueue_on_commit
from registry.user_input import NUL_MESSAGE, has_nul, max_length

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
    language = translation.get_language() or settings.LANGUAGE_CODE
    enqueue_on_commit(tasks.send_invitation, invitation.pk, token, language)
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
    # update() sends no signals: the audit entry is written by audit_queryset_update.

    audit_queryset_update(
        Membership.objects.filter(organization=membership.organization, user=user), user=None
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_email = invited_email
    invitation.save(update_fields=["accepted_at", "accepted_email"])
    _profile_names_from_invitation(user=user, name=membership.name)
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


def split_full_name(name: str) -> tuple[str, str]:
    """First and last name from a name typed in one field: "Matti Meikäläinen" or, as
    member lists often have it, "Meikäläinen, Matti". A single word is a first name."""
    name = " ".join(name.split())
    if "," in name:
        last, _comma, first = name.partition(",")
        return first.strip(), last.strip()
    first, _space, last = name.rpartition(" ")
    if not first:
        return last, ""
    return first, last


def _profile_names_from_invitation(*, user: User, name: str) -> None:
    """Give a profile with no name the one the admin typed in the invitation.

    The person sees it on their profile, as typed by the organization's admin, and can
    change it there; a name the person has already given is never replaced.
    """
    if not name or user.first_name or user.last_name:
        return
    first, last = split_full_name(name)
    limit = max_length(User, "first_name")
    updated = profile_update(
        user=user,
        data={"first_name": first[:limit], "last_name": last[: max_length(User, "last_name")]},
        source=DataSource.ORGANIZATION_ADMIN,
    )
    user.first_name, user.last_name = updated.first_name, updated.last_name


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
    subject_line = emails.send_invitation_email(
        invitation=invitation, token=token, language=language
    )
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
