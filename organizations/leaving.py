"""What leaving an organization changes, as the apps declare it.

A member who leaves is told what really stays visible, to whom and until when, and which
of their commitments end: each app that keeps something of a membership after it ends
(billing's invoices and contracts, communications' records) registers a ``Leaving`` here
from its ``AppConfig.ready()``, so ``organizations`` names none of them. The same
declarations answer the confirmation page before leaving and the message after it, and
their ``settle`` steps run inside ``membership_end``, whoever ends the membership.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from accounts.models import User

    from .models import Membership


@dataclass(frozen=True)
class Kept:
    """Something of the member that stays visible after they leave."""

    what: str | Promise
    seen_by: str | Promise
    # The last day it is kept; ``None`` with ``until_text`` when no date can be given.
    until: datetime.date | None
    until_text: str | Promise = ""
    # Rows that point at the member record and keep it (and so the name in the member
    # list) as long as they are kept.
    keeps_member_record: bool = False


@dataclass(frozen=True)
class Commitment:
    """Something of the membership that goes on unless ended: ended at leaving, or
    (``ended=False``) left to the organization's admins, who are told."""

    what: str | Promise
    ended: bool


@dataclass(frozen=True)
class Leaving:
    """One app's part of a membership ending.

    ``kept(membership, left_on)`` says what of it the app keeps after ``left_on``;
    ``commitments(membership, left_on)`` what would end (for the confirmation page);
    ``settle(membership, left_on, actor)`` ends it, inside the ending's transaction,
    and says what it ended and what it left to the admins.
    """

    name: str
    kept: Callable[[Membership, datetime.date], list[Kept]] = field(default=lambda m, d: [])
    commitments: Callable[[Membership, datetime.date], list[Commitment]] = field(
        default=lambda m, d: []
    )
    settle: Callable[[Membership, datetime.date, User | None], list[Commitment]] = field(
        default=lambda m, d, a: []
    )


_leavings: dict[str, Leaving] = {}


def register_leaving(leaving: Leaving) -> Leaving:
    """Add (or replace, by name) an app's part of a membership ending."""
    _leavings[leaving.name] = leaving
    return leaving


def unregister_leaving(name: str) -> None:
    _leavings.pop(name, None)


def registered_leavings() -> list[Leaving]:
    return [_leavings[name] for name in sorted(_leavings)]


def member_record_until(left_on: datetime.date) -> datetime.date:
    """The last day the member record of a membership ended on ``left_on`` is kept when
    nothing else keeps it (organizations' retention job, ``ended_memberships``)."""
    return left_on + datetime.timedelta(days=settings.ENDED_MEMBERSHIP_RETENTION_DAYS)


def kept_after_leaving(*, membership: Membership, left_on: datetime.date) -> list[Kept]:
    """What stays visible of ``membership`` after it ends on ``left_on``, and until when:
    the member record first (kept at least as long as any row that points at it), then
    what each app declares."""
    kept = [item for leaving in registered_leavings() for item in leaving.kept(membership, left_on)]
    until = max(
        [member_record_until(left_on)]
        + [item.until for item in kept if item.keeps_member_record and item.until is not None]
    )
    record = Kept(
        what=_(
            "Your name, email address and member number, and when you joined and left, "
            "in the organization's member list"
        ),
        seen_by=_("the organization's admins"),
        until=until,
    )
    return [record, *sorted(kept, key=lambda item: item.until or datetime.date.max)]


def commitments_at_leaving(*, membership: Membership, left_on: datetime.date) -> list[Commitment]:
    """What of ``membership`` would go on after ``left_on`` unless ended, per app."""
    return [
        item
        for leaving in registered_leavings()
        for item in leaving.commitments(membership, left_on)
    ]


def settle_at_leaving(
    *, membership: Membership, left_on: datetime.date, actor: User | None
) -> list[Commitment]:
    """End what the apps end with the membership; the caller holds the transaction."""
    return [
        item
        for leaving in registered_leavings()
        for item in leaving.settle(membership, left_on, actor)
    ]
