"""Direct-marketing bans (GDPR Art. 21(2)-(3)) and the one way to build a marketing
audience.

An objection to direct marketing is absolute: no balancing and no controller step, so a ban
takes effect the moment it is recorded. Every marketing list goes through
``marketing_audience()``, which leaves out everyone who has banned the channel, whose
address is suppressed (a ban that outlived an erased account), whose processing is
restricted, or — for email and SMS — who has not consented (Act 917/2014, §200). The rows
a list is built from belong to other apps, which declare how a row names its person
(``gdpr.marketing.hooks.MarketingAudience``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gdpr.audit import acting_as
from gdpr.keys import address_keys, email_key, phone_key
from gdpr.marketing.consents import purposes_for_channel
from gdpr.marketing.hooks import MarketingAudience, marketing_audience_for
from gdpr.models import (
    Consent,
    MarketingBan,
    MarketingChannel,
    ProcessingRestriction,
    Suppression,
)

if TYPE_CHECKING:
    from accounts.models import User

# Channels on which marketing needs the person's prior consent (917/2014 §200).
CONSENT_CHANNELS = frozenset({MarketingChannel.EMAIL, MarketingChannel.SMS})
AUDIENCE_CHUNK = 2000


class MarketingError(ValidationError):
    """A ban or lift that cannot be recorded (an unknown channel, no channel)."""


def _channels(channels: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(channels))
    if not chosen:
        raise MarketingError(_("Choose at least one channel."), code="no_channel")
    unknown = [c for c in chosen if c not in MarketingChannel.values]
    if unknown:
        raise MarketingError(_("Unknown marketing channel."), code="unknown_channel")
    return chosen


def _lock_person(user: User) -> None:
    # Serialises a person's ban changes: two clicks cannot both insert an active ban.
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))


# --- Writes -------------------------------------------------------------------------------


@transaction.atomic
def marketing_ban(
    user: User, *, channels: Iterable[str], source: str, actor: User | None
) -> list[MarketingBan]:
    """Ban direct marketing to ``user`` through ``channels``, in force at once.

    Idempotent: a channel already banned keeps its original ban (and time). Returns the
    bans now in force for the channels asked.
    """
    chosen = _channels(channels)
    _lock_person(user)
    active = {
        ban.channel: ban
        for ban in MarketingBan.objects.filter(
            user=user, channel__in=chosen, lifted_at__isnull=True
        )
    }
    now = timezone.now()
    with acting_as(actor):
        for channel in chosen:
            if channel not in active:
                active[channel] = MarketingBan.objects.create(
                    user=user, channel=channel, banned_at=now, source=source
                )
    return [active[channel] for channel in chosen]


def marketing_ban_all(user: User, *, source: str, actor: User | None) -> list[MarketingBan]:
    """Ban direct marketing through every channel, in one step."""
    return marketing_ban(user, channels=MarketingChannel.values, source=source, actor=actor)


@transaction.atomic
def marketing_lift(user: User, *, channel: str, actor: User | None) -> MarketingBan | None:
    """Lift ``user``'s ban on ``channel``: the row stays with ``lifted_at`` so the history
    shows when the ban applied.

    A suppression entry of the person's current address on that channel (a ban kept from
    an erased earlier account) goes too: the person, signed in, has chosen again.
    """
    (channel,) = _channels([channel])
    _lock_person(user)
    with acting_as(actor):
        keys = suppression_keys(user)[channel]
        Suppression.objects.filter(channel=channel, key__in=keys).delete()
        ban = MarketingBan.objects.filter(
            user=user, channel=channel, lifted_at__isnull=True
        ).first()
        if ban is None:
            return None
        ban.lifted_at = timezone.now()
        ban.save(update_fields=["lifted_at"])
    return ban


# --- Reads --------------------------------------------------------------------------------


def suppression_keys(user: User) -> dict[str, list[str]]:
    """The keyed hashes under which a ban on each channel is suppressed for ``user`` (the
    erasure keeps bans this way; the audience checks them)."""
    emails = [email_key(user.email)] if user.email else []
    phones = [phone_key(str(user.phone))] if user.phone else []
    addresses = address_keys(user.street_address, user.postal_code) if user.street_address else []
    return {
        MarketingChannel.EMAIL: emails,
        MarketingChannel.POST: addresses,
        MarketingChannel.PHONE: phones,
        MarketingChannel.SMS: phones,
    }


def marketing_state(user: User) -> dict[str, MarketingBan | Suppression | None]:
    """Per channel, what keeps marketing away from ``user``: their active ban, else a
    suppression entry of their current address, else ``None`` (two queries)."""
    state: dict[str, MarketingBan | Suppression | None] = dict.fromkeys(MarketingChannel.values)
    for ban in MarketingBan.objects.filter(user=user, lifted_at__isnull=True):
        state[ban.channel] = ban
    keys = suppression_keys(user)
    wanted = Q()
    for channel, channel_keys in keys.items():
        if channel_keys:
            wanted |= Q(channel=channel, key__in=channel_keys)
    if wanted:
        for entry in Suppression.objects.filter(wanted):
            if state[entry.channel] is None:
                state[entry.channel] = entry
    return state


def _reachable(channel: str, declared: MarketingAudience) -> Q:
    """Rows with something to send to on ``channel``: the person's own details when they
    have an account, the row's own address (if it keeps one) when not."""
    person = declared.person
    if channel == MarketingChannel.EMAIL:
        reachable = Q(**{f"{person}__isnull": False, f"{person}__email__gt": ""})
        if declared.own_email:
            reachable |= Q(**{f"{person}__isnull": True, f"{declared.own_email}__gt": ""})
        return reachable
    if channel == MarketingChannel.POST:
        return Q(**{f"{person}__street_address__gt": "", f"{person}__postal_code__gt": ""})
    return Q(**{f"{person}__phone__gt": ""})


def marketing_audience_queryset(*, rows: QuerySet, channel: str) -> QuerySet:
    """``rows`` (of a model declared as a marketing audience) narrowed in SQL to the
    people marketing may reach on ``channel``: everything but the suppression check, which
    needs the keyed hash (see ``marketing_audience``)."""
    (channel,) = _channels([channel])
    declared = marketing_audience_for(rows.model)
    person = OuterRef(declared.person)
    banned = MarketingBan.objects.filter(user=person, channel=channel, lifted_at__isnull=True)
    restricted = ProcessingRestriction.objects.in_force().filter(user=person)
    queryset = (
        rows.filter(_reachable(channel, declared))
        .filter(
            Q(**{f"{declared.person}__isnull": True}) | Q(**{f"{declared.person}__is_active": True})
        )
        .filter(~Exists(banned), ~Exists(restricted))
    )
    if channel in CONSENT_CHANNELS:
        consented = Consent.objects.filter(
            user=person, purpose__in=purposes_for_channel(channel), withdrawn_at__isnull=True
        )
        queryset = queryset.filter(Exists(consented))
    return queryset


def marketing_audience(
    *, rows: QuerySet, channel: str, chunk_size: int = AUDIENCE_CHUNK
) -> Iterator[Any]:
    """The one way to build a marketing audience: the rows (with their people) that
    ``channel`` may reach, streamed.

    Two queries whatever the size: the channel's suppression entries (keyed hashes, small),
    and the rows read through a server-side cursor on PostgreSQL.
    """
    declared = marketing_audience_for(rows.model)
    queryset = marketing_audience_queryset(rows=rows, channel=channel).select_related(
        declared.person
    )
    suppressed = set(Suppression.objects.filter(channel=channel).values_list("key", flat=True))
    for row in queryset.iterator(chunk_size=chunk_size):
        if suppressed and _suppressed(row, declared, channel, suppressed):
            continue
        yield row


def _suppressed(
    row: Model, declared: MarketingAudience, channel: str, suppressed: set[str]
) -> bool:
    user = getattr(row, declared.person)
    own_email = getattr(row, declared.own_email) if declared.own_email else ""
    if user is not None:
        keys = suppression_keys(user)[channel]
        if channel == MarketingChannel.EMAIL and own_email:
            keys = [*keys, email_key(own_email)]
    elif channel == MarketingChannel.EMAIL and own_email:
        keys = [email_key(own_email)]
    else:
        keys = []
    return any(key in suppressed for key in keys)
