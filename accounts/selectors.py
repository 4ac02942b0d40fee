"""Reads for the accounts app: what the service holds about a user."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.db.models import QuerySet

from .models import LoginEvent, ProfileFieldSource, User

RECENT_LOGINS_SHOWN = 20


def email_addresses_for_user(*, user: User) -> QuerySet[EmailAddress]:
    return EmailAddress.objects.filter(user=user).order_by("-primary", "email")


def authenticators_for_user(*, user: User) -> list[dict[str, object]]:
    """MFA authenticators as type, name and dates only — never a secret."""
    rows = Authenticator.objects.filter(user=user).order_by("created_at")
    return [
        {
            "type": authenticator.get_type_display(),
            "name": authenticator.wrap().name
            if authenticator.type == Authenticator.Type.WEBAUTHN
            else "",
            "created_at": authenticator.created_at,
            "last_used_at": authenticator.last_used_at,
        }
        for authenticator in rows
    ]


def sessions_for_user(*, user: User) -> QuerySet[UserSession]:
    return UserSession.objects.filter(user=user).order_by("-last_seen_at")


def recent_logins_for_user(*, user: User, limit: int = RECENT_LOGINS_SHOWN) -> list[LoginEvent]:
    return list(LoginEvent.objects.filter(user=user).order_by("-occurred_at")[:limit])


def profile_sources_for_user(*, user: User) -> list[dict[str, object]]:
    """Where each profile field's current value came from, with labels to show."""
    rows = ProfileFieldSource.objects.filter(user=user).order_by("field")
    return [
        {
            "field": str(User._meta.get_field(row.field).verbose_name),
            "source": row.get_source_display(),
            "recorded_at": row.recorded_at,
            "note": row.note,
        }
        for row in rows
        if row.field in {f.name for f in User._meta.get_fields()}
    ]
