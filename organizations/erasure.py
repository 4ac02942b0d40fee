"""What erasing a person means to organizations, declared to gdpr (``gdpr.api``).

A membership is not deleted on erasure: the invoices kept under the Accounting Act point
at it. It ends, loses its link to the account and what names the person in the member
register. The only admin of an organization is warned first, and the controller must
decide, per organization, who succeeds them or that it is left without an admin
(``organizations.services.succession``). (The names and numbers a member register gives
the person are declared as identifying on the entry, in ``personal_data``.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gdpr.api import (
    DecisionCase,
    DecisionChoice,
    Eraser,
    ErasureCheck,
    ErasureDecision,
    register_eraser,
    register_erasure_check,
    register_erasure_decision,
)

from .models import MemberListExport, Membership
from .services.succession import (
    LEAVE,
    sole_admin_organizations,
    succession_apply,
    successor_candidates,
)

if TYPE_CHECKING:
    from accounts.models import User


def _sole_admin_organization_names(user: User) -> list[str]:
    """The organizations whose only active admin ``user`` is."""
    active_admin = Q(
        organization__memberships__role=Membership.Role.ADMIN,
        organization__memberships__status=Membership.Status.ACTIVE,
    )
    lonely = (
        Membership.objects.filter(
            user=user, role=Membership.Role.ADMIN, status=Membership.Status.ACTIVE
        )
        .annotate(
            others=Count(
                "organization__memberships",
                filter=active_admin & ~Q(organization__memberships__user=user),
            )
        )
        .filter(others=0)
        .values_list("organization__name", flat=True)
    )
    return list(lonely)


def only_admin_of(user: User) -> list[str]:
    """A warning to the person for each organization whose only active admin they are."""
    return [
        _(
            "You are the only admin of %(organization)s. Make another member an admin first,"
            " or the organization is left without one."
        )
        % {"organization": name}
        for name in _sole_admin_organization_names(user)
    ]


def only_admin_of_for_controller(user: User) -> list[str]:
    """The same warnings for the controller's staff, whose erasure page asks them below who
    succeeds the person (``successor_cases``): they decide, the person does nothing first."""
    return [
        _(
            "%(person)s is the only admin of %(organization)s. Before erasing, decide below"
            " who becomes its admin or that it is left without one."
        )
        % {"person": _named(user), "organization": name}
        for name in _sole_admin_organization_names(user)
    ]


def _named(user: User) -> str:
    """The person as the controller's staff know them: their name, or their address."""
    return user.get_full_name() or user.email


def end_memberships(rows: QuerySet, blanks: Mapping[str, Any]) -> int:
    """End the person's memberships, detach them from the account and blank what names
    the person (``blanks``: the entry's anonymised fields); returns how many."""
    return rows.update(
        user=None,
        status=Membership.Status.ENDED,
        role=Membership.Role.MEMBER,
        ended_on=Coalesce("ended_on", timezone.localdate()),
        **blanks,
    )


def _memberships_end(count: int) -> str:
    return ngettext(
        "Your membership ends and the member register keeps it without your name, email"
        " address or member number.",
        "Your %(counter)s memberships end and the member registers keep them without your"
        " name, email address or member number.",
        count,
    ) % {"counter": count}


def _memberships_end_for_controller(count: int) -> str:
    return ngettext(
        "The person's membership ends and the member register keeps it without their name,"
        " email address or member number.",
        "The person's %(counter)s memberships end and the member registers keep them without"
        " their name, email address or member number.",
        count,
    ) % {"counter": count}


# Lazy: the plan renders in the reader's language.
memberships_end = lazy(_memberships_end, str)
memberships_end_for_controller = lazy(_memberships_end_for_controller, str)


def successor_cases(user: User) -> list[DecisionCase]:
    """For each organization ``user`` is the only admin of: who succeeds them, or none."""
    cases = []
    for organization in sole_admin_organizations(user):
        choices = [
            DecisionChoice(c.value, c.label)
            for c in successor_candidates(organization, leaving=user)
        ]
        choices.append(
            DecisionChoice(
                LEAVE,
                _(
                    "Nobody: I confirm that %(organization)s is left without an admin (its"
                    " contact persons are told)"
                )
                % {"organization": organization.name},
            )
        )
        cases.append(
            DecisionCase(
                key=str(organization.pk),
                question=_(
                    "%(person)s is the only admin of %(organization)s. Who becomes its admin?"
                )
                % {"person": _named(user), "organization": organization.name},
                choices=tuple(choices),
            )
        )
    return cases


register_erasure_check(
    ErasureCheck(
        name="organizations.only_admin",
        warnings=only_admin_of,
        controller_warnings=only_admin_of_for_controller,
    )
)
register_erasure_decision(
    ErasureDecision(name="organizations.successor", cases=successor_cases, apply=succession_apply)
)
register_eraser(
    Eraser(
        model=Membership,
        erase=end_memberships,
        also_removes=("user",),
        step=memberships_end,
        controller_step=memberships_end_for_controller,
    )
)


def erase_from_exports(rows: QuerySet, blanks: Mapping[str, Any]) -> int:
    """The person's member list exports: counted here; their id leaves each export's list
    when the account row goes, at the end of the same erasure (``signals.py``). The lists
    hold no foreign key, and the eraser is handed the rows, not the person."""
    return rows.count()


register_eraser(Eraser(model=MemberListExport, erase=erase_from_exports))
