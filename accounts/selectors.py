"""Reads for the accounts app: what the service holds about a user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.db.models import QuerySet

from .models import LoginEvent

if TYPE_CHECKING:
    from .models import User

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
