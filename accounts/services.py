"""Writes for the accounts app."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from .events import profile_changed
from .models import LoginEvent, ProfileFieldSource, User
from .sources import DataSource

if TYPE_CHECKING:
    from django.http import HttpRequest

PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "street_address",
    "postal_code",
    "city",
    "country",
    "preferred_language",
    "date_of_birth",
    "phone",
)


@transaction.atomic
def profile_update(
    *,
    user: User,
    data: Mapping[str, Any],
    source: DataSource = DataSource.SUBJECT,
    acting_user: User | None = None,
    note: str = "",
) -> User:
    """Save profile fields (already validated by a form) and record where they came from.

    By default the member changes their own data; the controller passes its source (its
    own staff, or e.g. a public register) and itself as ``acting_user``.

    Compares against the stored row, not the instance: a bound ModelForm has already
    copied the new values onto the instance it was given.
    """
    stored = User.objects.select_for_update().get(pk=user.pk)
    changed = [
        name for name in PROFILE_FIELDS if name in data and getattr(stored, name) != data[name]
    ]
    for name in changed:
        setattr(stored, name, data[name])
    if changed:
        stored.profile_updated_at = timezone.now()
        stored.save(update_fields=[*changed, "profile_updated_at"])
        profile_sources_record(
            user=stored, fields=changed, source=source, acting_user=acting_user or stored, note=note
        )
        transaction.on_commit(lambda: profile_changed.send(sender=User, user=stored))
    return stored


def profile_sources_record(
    *,
    user: User,
    fields: Iterable[str],
    source: DataSource,
    acting_user: User | None,
    note: str = "",
) -> None:
    """Remember where the current value of each of ``fields`` came from (two queries)."""
    fields = list(fields)
    now = timezone.now()
    ProfileFieldSource.objects.filter(user=user, field__in=fields).delete()
    ProfileFieldSource.objects.bulk_create(
        ProfileFieldSource(
            user=user,
            field=name,
            source=source,
            recorded_at=now,
            recorded_by=acting_user,
            note=note,
        )
        for name in fields
    )


def user_language_set(*, user: User, language: str) -> None:
    """Remember the UI language the user picked; it follows them to every device."""
    if language not in User.Language.values:
        raise ValueError(f"Unsupported language {language!r}")
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])


def _client_details(request: HttpRequest | None) -> tuple[str | None, str]:
    if request is None:
        return None, ""
    ip = request.META.get("REMOTE_ADDR") or None
    agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    return ip, agent


def login_event_record(
    *, user: User, outcome: LoginEvent.Outcome, request: HttpRequest | None
) -> LoginEvent:
    """Record a sign-in or a failed attempt on the user's account."""
    ip, agent = _client_details(request)
    return LoginEvent.objects.create(user=user, outcome=outcome, ip_address=ip, user_agent=agent)


def login_events_purge(*, older_than: datetime.datetime) -> int:
    """Delete login history older than ``older_than``; safe to run any number of times."""
    deleted, _ = LoginEvent.objects.filter(occurred_at__lt=older_than).delete()
    return deleted
