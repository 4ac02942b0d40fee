"""Who administers an organization when the erasure of a person takes its only admin.

The controller decides per organization, before the erasure runs (gdpr asks through the
decision organizations register in ``organizations.erasure``): either a successor among
its active members or contact persons with an account, who is granted the admin rights
here and told by email, or that the organization is left without an admin, in which
case its contact persons are told and the Django admin flags it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.sources import DataSource
from gdpr.api import log_mail
from organizations import emails
from organizations.models import ContactPerson, Membership, Organization
from organizations.selectors import active_admins
from organizations.services.base import _grant_admin, acting, membership_add

if TYPE_CHECKING:
    from accounts.models import User

# The decision that leaves the organization without an admin.
LEAVE = "leave"


@dataclass(frozen=True)
class Candidate:
    """Someone who may succeed the leaving admin: ``value`` is what the form posts
    ("m<membership id>" or "c<contact person id>")."""

    value: str
    label: str


def sole_admin_organizations(user: User) -> list[Organization]:
    """The organizations whose only active admin ``user`` is (one query)."""
    others = active_admins(organization=OuterRef("pk")).exclude(user=user)
    return list(
        Organization.objects.filter(
            Exists(active_admins(user=user).filter(organization=OuterRef("pk")))
        )
        .exclude(Exists(others))
        .order_by("name", "pk")
    )


def successor_candidates(organization: Organization, *, leaving: User) -> list[Candidate]:
    """Its active members with an account, then its contact persons with an account who
    are not among them; never the person leaving."""
    members = (
        Membership.objects.filter(
            organization=organization, status=Membership.Status.ACTIVE, user__isnull=False
        )
        .exclude(user=leaving)
        .select_related("user")
        .order_by("name", "pk")
    )
    candidates = [
        Candidate(f"m{m.pk}", f"{m.name or m.user.get_full_name()} <{m.user.email}>")
        for m in members
    ]
    member_users = {m.user_id for m in members}
    contacts = (
        ContactPerson.objects.filter(organization=organization, user__isnull=False)
        .exclude(user=leaving)
        .exclude(user__in=member_users)
        .select_related("user")
        .order_by("name", "pk")
    )
    candidates += [
        Candidate(
            f"c{c.pk}",
            _("%(name)s <%(email)s> (contact person)") % {"name": c.name, "email": c.user.email},
        )
        for c in contacts
        if c.user.is_active
    ]
    return candidates


def _successor_membership(organization: Organization, value: str, *, leaving: User) -> Membership:
    """The membership to make admin for the posted ``value``; ValueError if it names
    nobody who may succeed (not an active member or contact person of the organization)."""
    if value not in {c.value for c in successor_candidates(organization, leaving=leaving)}:
        raise ValueError(
            _("The successor must be an active member or a contact person of %(organization)s.")
            % {"organization": organization.name}
        )
    if value.startswith("m"):
        return Membership.objects.select_related("user", "organization").get(pk=int(value[1:]))
    contact = ContactPerson.objects.select_related("user").get(pk=int(value[1:]))
    existing = (
        Membership.objects.filter(organization=organization, user=contact.user)
        .exclude(status=Membership.Status.ENDED)
        .first()
    )
    if existing is not None and existing.status == Membership.Status.ACTIVE:
        return existing
    # A contact person who is not a member becomes one: the admin rights are a member's.
    return membership_add(
        organization=organization, user=contact.user, source=DataSource.CONTROLLER
    )


@transaction.atomic
def successor_appoint(
    *, organization: Organization, value: str, leaving: User, actor: User | None
) -> Membership:
    """Grant the admin rights to the successor the controller chose; they are told by
    email once the transaction commits (the grant is logged as any other)."""
    membership = _successor_membership(organization, value, leaving=leaving)
    if membership.role != Membership.Role.ADMIN:
        _grant_admin(membership=membership, actor=actor)
    successor = membership.user
    transaction.on_commit(lambda: _tell_successor(organization.pk, successor.pk))
    return membership


def _tell_successor(organization_id: int, user_id: int) -> None:
    organization = Organization.objects.get(pk=organization_id)
    user = get_user_model().objects.get(pk=user_id)
    line = emails.send_successor_email(organization=organization, to=user)
    log_mail(organization=organization, subject=user, counterpart=user.email, subject_line=line)


@transaction.atomic
def organization_leave_without_admin(
    *, organization: Organization, leaving: User, actor: User | None
) -> Organization:
    """Record that the organization is left without an admin; its contact persons are
    told once, after the transaction commits."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.without_admin_since is None:
        organization.without_admin_since = timezone.now()
        with acting(actor):
            organization.save(update_fields=["without_admin_since"])
    excluded = {leaving.email.lower()} if leaving.email else set()
    transaction.on_commit(lambda: organization_without_admin_notify(organization.pk, excluded))
    return organization


@transaction.atomic
def organization_without_admin_notify(organization_id: int, excluded: set[str]) -> int:
    """Mail the contact persons of an organization left without an admin; once (the row
    is locked and stamped: a second call sends nothing). Returns how many were told."""
    organization = Organization.objects.select_for_update().filter(pk=organization_id).first()
    if organization is None or organization.without_admin_notified_at is not None:
        return 0
    contacts = [
        c
        for c in ContactPerson.objects.filter(organization=organization)
        .exclude(email="")
        .select_related("user")
        .order_by("pk")
        if c.email.lower() not in excluded
        and (c.user is None or c.user.email.lower() not in excluded)
    ]
    for contact in contacts:
        line = emails.send_without_admin_email(organization=organization, contact=contact)
        log_mail(
            organization=organization,
            subject=contact.user,
            counterpart=contact.email,
            subject_line=line,
        )
    # Stamped only when someone was told: with no other contact person the admin page
    # shows nobody has been, and the organization stays flagged on the admin home.
    if contacts:
        organization.without_admin_notified_at = timezone.now()
        organization.save(update_fields=["without_admin_notified_at"])
    return len(contacts)


def succession_apply(user: User, decisions: Mapping[str, str], actor: User | None) -> None:
    """Carry out the controller's decision for each organization ``user`` is the only
    admin of (``decisions``: organization id -> a candidate's value or ``LEAVE``)."""
    for organization in sole_admin_organizations(user):
        value = decisions.get(str(organization.pk), "")
        if value == LEAVE:
            organization_leave_without_admin(organization=organization, leaving=user, actor=actor)
        else:
            successor_appoint(organization=organization, value=value, leaving=user, actor=actor)
