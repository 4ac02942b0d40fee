"""What leaving an organization changes, as the apps declare it.

A member who leaves is told what really stays visible, to whom and until when, and which
of their commitments end: each app that keeps something of a membership after it ends
(billing's invoices and contracts, communications' records) registers a ``Leaving`` here
from its ``AppConfig.ready()``, so ``organizations`` names none of them. The same
declarations answer the confirmation page before leaving, the message after it and the
member's list of their memberships once it has ended, and their ``settle`` steps run inside
``membership_end``, whoever ends the membership.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
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
    # Why it is kept longer than the privacy notice's usual period, when it is.
    why: str | Promise = ""


@dataclass(frozen=True)
class RecordHold:
    """Rows of an app that point at a member record and so keep it (and the entry in the
    member list) until ``until``; ``why`` names them, as the clause of a sentence."""

    until: datetime.date
    why: str | Promise


@dataclass(frozen=True)
class Due:
    """Something the member still owes the organization after leaving (an open invoice):
    leaving does not cancel it."""

    what: str | Promise
    amount: str
    due_on: datetime.date


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
    and says what it ended and what it left to the admins;
    ``holds_record(memberships)`` says, in one query for all of them, until when the app's
    rows keep each member record (by membership id; none: not past the settling period);
    ``due(membership)`` what the member still owes after leaving.
    """

    name: str
    kept: Callable[[Membership, datetime.date], list[Kept]] = field(default=lambda m, d: [])
    commitments: Callable[[Membership, datetime.date], list[Commitment]] = field(
        default=lambda m, d: []
    )
    settle: Callable[[Membership, datetime.date, User | None], list[Commitment]] = field(
        default=lambda m, d, a: []
    )
    holds_record: Callable[[Sequence[Membership]], dict[int, RecordHold]] = field(
        default=lambda ms: {}
    )
    due: Callable[[Membership], list[Due]] = field(default=lambda m: [])


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


def member_records_kept(
    *, memberships: Sequence[Membership], left_on: datetime.date | None = None
) -> dict[int, Kept]:
    """The entry in the member list that stays of each of ``memberships`` after it ends
    (on ``left_on``, or the day it ended), by membership id: who sees it and until when.

    That is the settling period (what the privacy notice gives), or longer while rows of
    another app point at the record, which the retention job then cannot remove: the
    entry says why. One query per app that declares ``holds_record``, whatever the number
    of memberships, so a list of them can say it for each.
    """
    holds: dict[int, list[RecordHold]] = {}
    if memberships:
        for leaving in registered_leavings():
            for pk, hold in leaving.holds_record(memberships).items():
                holds.setdefault(pk, []).append(hold)
    records = {}
    for membership in memberships:
        ended_on = left_on or membership.ended_on or timezone.localdate()
        until, why = member_record_until(ended_on), ""
        longest = max(holds.get(membership.pk, []), key=lambda hold: hold.until, default=None)
        if longest is not None and longest.until > until:
            until = longest.until
            why = _(
                "Kept longer than the usual %(days)s days after the membership ends: %(why)s."
            ) % {"days": settings.ENDED_MEMBERSHIP_RETENTION_DAYS, "why": longest.why}
        records[membership.pk] = Kept(
            what=_(
                "Your name, email address and member number, and when you joined and left, "
                "in the organization's member list"
            ),
            seen_by=_("the organization's admins"),
            until=until,
            why=why,
        )
    return records


def kept_after_leaving(*, membership: Membership, left_on: datetime.date) -> list[Kept]:
    """What stays visible of ``membership`` after it ends on ``left_on``, and until when:
    the member record first (kept as long as any row that points at it), then what each
    app declares."""
    kept = [item for leaving in registered_leavings() for item in leaving.kept(membership, left_on)]
    record = member_records_kept(memberships=[membership], left_on=left_on)[membership.pk]
    return [record, *sorted(kept, key=lambda item: item.until or datetime.date.max)]


def due_after_leaving(*, membership: Membership) -> list[Due]:
    """What the member still owes the organization after leaving, per app, soonest due
    first."""
    due = [item for leaving in registered_leavings() for item in leaving.due(membership)]
    return sorted(due, key=lambda item: item.due_on)


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
