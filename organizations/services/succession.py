"""Who administers an organization when the erasure of a person takes its only admin.

The controller decides per organization, before the erasure runs (gdpr asks through the
decision organizations register in ``organizations.erasure``): either a successor among
its active members or contact persons with an account, who is granted the admin rights
here and told by email, or that the organization is left without an admin, in which
case its contact persons are told and the Django admin flags it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.sources import DataSource
from gdpr.api import log_mail
from organizations import emails, tasks
from organizations.models import ContactPerson, Membership, Organization
from organizations.selectors import active_admins
from organizations.services.base import _grant_admin, acting, membership_add
from registry.outbox.services import enqueue_on_commit

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
    email through the outbox once the transaction commits (the grant is logged as any
    other). A mail server that is down delays the mail; it does not fail the erasure."""
    membership = _successor_membership(organization, value, leaving=leaving)
    if membership.role != Membership.Role.ADMIN:
        _grant_admin(membership=membership, actor=actor)
    appointed_at = timezone.now().isoformat()
    enqueue_on_commit(
        tasks.send_successor_notice, organization.pk, membership.user_id, appointed_at
    )
    return membership


@transaction.atomic
def successor_notify(*, organization_id: int, user_id: int, appointed_at: str) -> bool:
    """Tell the successor appointed at ``appointed_at`` that they are now the admin; once
    (the organization's row is locked and stamped: a task delivered twice waits, then
    finds the stamp). Returns False when there was nothing to send."""
    organization = Organization.objects.select_for_update().filter(pk=organization_id).first()
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    appointed = parse_datetime(appointed_at)
    if organization is None or user is None or appointed is None:
        return False
    told = organization.successor_notified_at
    if told is not None and told >= appointed:
        return False
    line = emails.send_successor_email(organization=organization, to=user)
    organization.successor_notified_at = timezone.now()
    organization.save(update_fields=["successor_notified_at"])
    log_mail(organization=organization, subject=user, counterpart=user.email, subject_line=line)
    return True


@transaction.atomic
def organization_leave_without_admin(
    *, organization: Organization, leaving: User, actor: User | None
) -> Organization:
    """Record that the organization is left without an admin; its contact persons (but
    the leaving person) are told once, through the outbox, after the transaction commits.
    The task names the contact persons by id: nobody's address waits in the outbox."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.without_admin_since is None:
        organization.without_admin_since = timezone.now()
        with acting(actor):
            organization.save(update_fields=["without_admin_since"])
    excluded = {leaving.email.lower()} if leaving.email else set()
    contact_ids = [contact.pk for contact in _contacts_to_tell(organization, excluded)]
    enqueue_on_commit(tasks.send_without_admin_notices, organization.pk, contact_ids)
    return organization


def _contacts_to_tell(organization: Organization, excluded: set[str]) -> list[ContactPerson]:
    """The organization's contact persons with an address, but those at ``excluded``."""
    return [
        c
        for c in ContactPerson.objects.filter(organization=organization)
        .exclude(email="")
        .select_related("user")
        .order_by("pk")
        if c.email.lower() not in excluded
        and (c.user is None or c.user.email.lower() not in excluded)
    ]


@transaction.atomic
def organization_without_admin_notify(organization_id: int, contact_ids: Iterable[int]) -> int:
    """Mail these contact persons of an organization left without an admin; once (the row
    is locked and stamped: a second call sends nothing). Contact persons removed since are
    skipped. Returns how many were told."""
    organization = Organization.objects.select_for_update().filter(pk=organization_id).first()
    if organization is None or organization.without_admin_notified_at is not None:
        return 0
    if organization.without_admin_since is None:  # an admin was granted in the meantime
        return 0
    contacts = list(
        ContactPerson.objects.filter(organization=organization, pk__in=list(contact_ids))
        .exclude(email="")
        .select_related("user")
        .order_by("pk")
    )
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
