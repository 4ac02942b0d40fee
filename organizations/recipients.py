"""Who, in organizations, receives people's data — declared to gdpr (see gdpr.api).

- Art. 19 recipients: an organization whose admins see the person's data (every
  membership still holding data, ended ones included, and contact-person records) is told
  when that data is rectified or erased or its processing restricted. It is written to at
  its own address, or else through its active admins.
- Disclosures: the controller may add all active members of an organization to a
  disclosure at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gdpr.api import (
    DataRecipient,
    DisclosureSubjectSource,
    RecipientAddress,
    RecipientSource,
    register_disclosure_subject_source,
    register_recipient_source,
)

from .models import ContactPerson, Membership, Organization
from .selectors import active_admins

if TYPE_CHECKING:
    from accounts.models import User

# The kind of recipient the notices and the access report name.
KIND = "organization"
# What an organization's admins see of a member or contact person (the member list, the
# contact persons): a notice names the person to it by these, as it holds them, so the
# member number is its own and never another organization's.
RECEIVED_IDENTIFIERS = ("name", "email", "member_number")


def organization_addresses(
    organizations: Iterable[Organization], *, exclude: User | None = None
) -> dict[int, list[RecipientAddress]]:
    """Where to write to each organization: its own address, or else its active admins
    (in each admin's language), never ``exclude`` (the person the notice is about). One
    query at most, however many."""
    default = settings.LANGUAGE_CODE
    found: dict[int, list[RecipientAddress]] = {}
    without_email = []
    for organization in organizations:
        if organization.email:
            found[organization.pk] = [RecipientAddress(organization.email, default)]
        else:
            found[organization.pk] = []
            without_email.append(organization.pk)
    if without_email:
        admins = active_admins().filter(
            organization_id__in=without_email, user__isnull=False, user__is_active=True
        )
        if exclude is not None:
            admins = admins.exclude(user=exclude)
        rows = admins.order_by("pk").values_list(
            "organization_id", "user__email", "user__preferred_language"
        )
        for organization_id, email, language in rows:
            found[organization_id].append(RecipientAddress(email, language or default))
    return found


def _addresses_of(organization: Organization, exclude: User | None) -> list[RecipientAddress]:
    return organization_addresses([organization], exclude=exclude)[organization.pk]


def recipients_for(user: User) -> list[DataRecipient]:
    """The organizations that hold ``user``'s data, by name, with why (three queries)."""
    held: dict[int, tuple[Organization, list[str]]] = {}
    memberships = (
        Membership.objects.filter(user=user)
        .exclude(status=Membership.Status.INVITED)
        .select_related("organization")
    )
    for membership in memberships:
        reason = (
            _("Member") if membership.status == Membership.Status.ACTIVE else _("Former member")
        )
        held.setdefault(membership.organization_id, (membership.organization, []))
        held[membership.organization_id][1].append(reason)
    contacts = ContactPerson.objects.filter(
        Q(user=user) | Q(email__iexact=user.email)
    ).select_related("organization")
    for contact in contacts:
        held.setdefault(contact.organization_id, (contact.organization, []))
        held[contact.organization_id][1].append(_("Contact person"))
    addresses = organization_addresses(
        [organization for organization, _reasons in held.values()], exclude=user
    )
    return [
        DataRecipient(
            kind=KIND,
            name=organization.name,
            reason=", ".join(dict.fromkeys(reasons)),
            holder=organization,
            # The organization's own address, never an admin's personal one.
            email=organization.email,
            addresses=tuple(addresses.get(organization.pk, ())),
            identifiers=RECEIVED_IDENTIFIERS,
        )
        for organization, reasons in sorted(
            held.values(), key=lambda item: (item[0].name.lower(), item[0].pk)
        )
    ]


def active_members(organization: Organization) -> QuerySet:
    """The users with an active membership of ``organization``."""
    return get_user_model().objects.filter(
        memberships__organization=organization,
        memberships__status=Membership.Status.ACTIVE,
    )


register_recipient_source(
    RecipientSource(
        name=KIND,
        recipients_for=recipients_for,
        holder_model=Organization,
        addresses_of=_addresses_of,
    )
)
register_disclosure_subject_source(
    DisclosureSubjectSource(
        key="organization",
        label=gettext_lazy("All members of an organization"),
        help_text=gettext_lazy("Adds every active member (with an account) of the organization."),
        # Picked with the search of the organizations admin (the key points there).
        holder_field=Membership._meta.get_field("organization"),
        people=active_members,
    )
)
