"""What a person may ask an organization to correct (GDPR Art. 16), declared to gdpr.

The member register and the contact-person records are the organization's: its admins
decide a correction of them (or the controller), so the organization is declared as a
holder of records too — who administers it, where it is told that a correction waits, and
the page where its admins decide (``organizations.views.rectifications``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.sources import DataSource
from gdpr.api import (
    RecordHolder,
    RectifiableField,
    RectifiableSource,
    ValueKind,
    register_holder,
    register_source,
)

from .models import ContactPerson, Membership, Organization
from .permissions import is_organization_admin
from .recipients import organization_addresses
from .services import contact_person_save, membership_rectify

if TYPE_CHECKING:
    from accounts.models import User


# --- The organization as the holder of records ---------------------------------------------


def admin_addresses(
    organization: Organization, *, exclude: User | None = None
) -> Iterator[tuple[str, str]]:
    """Where to write to the organization, as (language, email): its own address, or else
    each active admin in their language, never ``exclude`` (the person who asks) — the
    same rule as the Art. 19 notices."""
    for address in organization_addresses([organization], exclude=exclude)[organization.pk]:
        yield address.language, address.email


def _decide_path(organization: Organization, request: Any) -> str:
    return reverse(
        "organizations:rectification_decide",
        kwargs={"pk": organization.pk, "public_id": request.public_id},
    )


ORGANIZATION_HOLDER = register_holder(
    RecordHolder(
        model=Organization,
        administers=is_organization_admin,
        addresses=admin_addresses,
        decide_path=_decide_path,
    )
)


# --- The member register -------------------------------------------------------------------


def _membership_rows(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .exclude(status=Membership.Status.INVITED)
        .select_related("organization")
        .order_by("organization__name", "pk")
    )


def _membership_apply(
    membership: Membership, field: str, value: Any, *, actor: User, reason: str
) -> None:
    membership_rectify(
        membership=membership, field=field, value=value, actor=actor, source=DataSource.SUBJECT
    )


def _is_ended(membership: Membership) -> bool:
    return membership.status == Membership.Status.ENDED


def _is_active(membership: Membership) -> bool:
    return membership.status == Membership.Status.ACTIVE


MEMBERSHIP_SOURCE = register_source(
    RectifiableSource(
        model=Membership,
        noun=gettext_lazy("Membership"),
        fields=(
            RectifiableField("member_number", gettext_lazy("Member number")),
            RectifiableField("joined_on", gettext_lazy("Joined"), ValueKind.DATE),
            RectifiableField("ended_on", gettext_lazy("Ended"), ValueKind.DATE, applies=_is_ended),
            RectifiableField(
                "role",
                gettext_lazy("Role"),
                ValueKind.CHOICE,
                choices=tuple(Membership.Role.choices),
                applies=_is_active,
            ),
            # While the membership is active the register copies these from the profile,
            # where the person edits them; an ended membership keeps them as they were.
            RectifiableField("name", gettext_lazy("Name in the register"), applies=_is_ended),
            RectifiableField(
                "email",
                gettext_lazy("Email address in the register"),
                ValueKind.EMAIL,
                applies=_is_ended,
            ),
        ),
        rows=_membership_rows,
        describe=lambda m: _("Membership of %(organization)s") % {"organization": m.organization},
        holder=lambda m: m.organization,
        apply=_membership_apply,
        how=gettext_lazy("The organization's member register is corrected."),
        order=10,
    )
)


# --- Contact persons -----------------------------------------------------------------------


def _contact_rows(user: User) -> QuerySet[ContactPerson]:
    return (
        ContactPerson.objects.filter(Q(user=user) | Q(email__iexact=user.email))
        .select_related("organization")
        .order_by("organization__name", "pk")
    )


def _contact_apply(
    contact: ContactPerson, field: str, value: Any, *, actor: User, reason: str
) -> None:
    contact_person_save(
        organization=contact.organization,
        contact=contact,
        data={field: value},
        source=DataSource.SUBJECT,
    )


CONTACT_PERSON_SOURCE = register_source(
    RectifiableSource(
        model=ContactPerson,
        noun=gettext_lazy("Contact person"),
        fields=(
            RectifiableField("name", gettext_lazy("Name")),
            RectifiableField("role", gettext_lazy("Role")),
            RectifiableField("phone", gettext_lazy("Phone number"), ValueKind.PHONE),
            RectifiableField("email", gettext_lazy("Email address"), ValueKind.EMAIL),
        ),
        rows=_contact_rows,
        describe=lambda c: (
            _("Contact person of %(organization)s") % {"organization": c.organization}
        ),
        holder=lambda c: c.organization,
        apply=_contact_apply,
        how=gettext_lazy("The organization's contact-person record is corrected."),
        order=20,
    )
)
