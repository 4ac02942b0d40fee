"""What the services of organizations share: the rule error, the business ID check,
the member fields copied from the account, and granting or revoking admin rights."""

from __future__ import annotations

import datetime
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from accounts.sources import DataSource
from gdpr.api import acting_as, audit_record_saved
from organizations.models import (
    AdminRightChange,
    Membership,
    Organization,
    business_id_normalise,
)
from organizations.permissions import ADMINISTER_CODENAME

if TYPE_CHECKING:
    from accounts.models import User


class RuleError(ValidationError):
    """A request that breaks a rule of the register (e.g. removing the last admin)."""


def acting(actor: User | None) -> AbstractContextManager[None]:
    """Record the writes inside the block as ``actor``'s; ``None`` leaves whoever is already
    acting (the request's user, a task's or a caller's ``acting_as``), as before."""
    return acting_as(actor) if actor is not None else nullcontext()


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
    # bulk_update sends no signals: the audit entry is written by audit_record_saved.

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


# --- Admin rights ---


def _grant_admin(*, membership: Membership, actor: User | None) -> None:
    assign_perm(ADMINISTER_CODENAME, membership.user, membership.organization)
    membership.role = Membership.Role.ADMIN
    with acting(actor):
        membership.save(update_fields=["role", "updated_at"])
    AdminRightChange.objects.create(
        organization=membership.organization,
        membership=membership,
        action=AdminRightChange.Action.GRANT,
        changed_by=actor,
    )
    # It has an admin again: no longer flagged as left without one.
    Organization.objects.filter(
        pk=membership.organization_id, without_admin_since__isnull=False
    ).update(without_admin_since=None, without_admin_notified_at=None)


def _revoke_admin(*, membership: Membership, actor: User | None) -> None:
    remove_perm(ADMINISTER_CODENAME, membership.user, membership.organization)
    membership.role = Membership.Role.MEMBER
    with acting(actor):
        membership.save(update_fields=["role", "updated_at"])
    AdminRightChange.objects.create(
        organization=membership.organization,
        membership=membership,
        action=AdminRightChange.Action.REVOKE,
        changed_by=actor,
    )
