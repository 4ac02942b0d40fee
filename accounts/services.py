"""Writes for the accounts app."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import is_mfa_enabled
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gdpr.api import acting_as

from .client_ip import client_ip
from .events import profile_changed
from .models import LoginEvent, ProfileFieldSource, User
from .selectors import SECOND_FACTORS
from .sources import DataSource

if TYPE_CHECKING:
    from django.http import HttpRequest

logger = logging.getLogger(__name__)

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
    actor: User | None = None,
    note: str = "",
) -> User:
    """Save profile fields (already validated by a form) and record where they came from.

    By default the member changes their own data; the controller passes its source (its
    own staff, or e.g. a public register) and itself as ``actor``.

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
        # No actor: whoever is already acting (the person, on their own profile page).
        with acting_as(actor) if actor is not None else nullcontext():
            stored.save(update_fields=[*changed, "profile_updated_at"])
        profile_sources_record(
            user=stored, fields=changed, source=source, actor=actor or stored, note=note
        )
        transaction.on_commit(lambda: profile_changed.send(sender=User, user=stored))
    return stored


def profile_sources_record(
    *,
    user: User,
    fields: Iterable[str],
    source: DataSource,
    actor: User | None,
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
            recorded_by=actor,
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
    ip = client_ip(request)
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


class StaffChangeRefused(Exception):
    """Staff rights were not granted or revoked; the message says why, to whoever asked."""


def _check_staff_change(*, user: User, actor: User | None) -> None:
    # ``actor`` None is the command line: whoever runs it already holds the server.
    if actor is None:
        return
    if actor.pk == user.pk:
        raise StaffChangeRefused(
            _("You cannot change your own staff rights: ask another member of staff.")
        )
    if not actor.is_superuser:
        raise StaffChangeRefused(_("Only a superuser can grant or revoke staff rights."))


@transaction.atomic
def user_grant_staff(*, user: User, actor: User | None, superuser: bool = False) -> User:
    """Make ``user`` staff (and superuser if asked), refused unless they already have a
    second factor: the admin opens only to factors older than the grant."""
    _check_staff_change(user=user, actor=actor)
    stored = User.objects.select_for_update().get(pk=user.pk)
    if not stored.is_active:
        raise StaffChangeRefused(
            _("%(user)s is not active and cannot be given staff rights.") % {"user": stored}
        )
    if not is_mfa_enabled(stored, types=SECOND_FACTORS):
        raise StaffChangeRefused(
            _(
                "%(user)s has no two-factor authentication. Staff rights are granted only"
                " after the person has enabled it themselves."
            )
            % {"user": stored}
        )
    stored.is_staff = True
    stored.is_superuser = superuser
    stored.staff_granted_at = timezone.now()
    stored.staff_granted_by = actor
    with acting_as(actor):
        stored.save(
            update_fields=["is_staff", "is_superuser", "staff_granted_at", "staff_granted_by"]
        )
    logger.info(
        "Staff rights (superuser: %s) granted to user %s by %s",
        superuser,
        stored.pk,
        actor.pk if actor else "the command line",
    )
    return stored


@transaction.atomic
def user_revoke_staff(*, user: User, actor: User | None) -> User:
    """Take away ``user``'s staff and superuser rights."""
    _check_staff_change(user=user, actor=actor)
    stored = User.objects.select_for_update().get(pk=user.pk)
    stored.is_staff = False
    stored.is_superuser = False
    stored.staff_granted_at = None
    stored.staff_granted_by = None
    with acting_as(actor):
        stored.save(
            update_fields=["is_staff", "is_superuser", "staff_granted_at", "staff_granted_by"]
        )
    logger.info(
        "Staff rights revoked from user %s by %s",
        stored.pk,
        actor.pk if actor else "the command line",
    )
    return stored


@dataclass(frozen=True)
class TotpEnrollment:
    """What the person adds to their authenticator app, shown once."""

    secret: str
    uri: str
    recovery_codes: list[str]


@transaction.atomic
def user_totp_enroll(*, user: User, secret: str | None = None) -> TotpEnrollment:
    """Enroll an authenticator app for ``user`` outside the browser (the first controller,
    the demo), with recovery codes as allauth's own setup page makes them."""
    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        raise ValueError(f"User {user.pk} already has an authenticator app")
    secret = secret or generate_totp_secret()
    TOTP.activate(user, secret)
    existing = Authenticator.objects.filter(
        user=user, type=Authenticator.Type.RECOVERY_CODES
    ).first()
    codes = (existing.wrap() if existing else RecoveryCodes.activate(user)).get_unused_codes()
    return TotpEnrollment(
        secret=secret, uri=get_mfa_adapter().build_totp_url(user, secret), recovery_codes=codes
    )
