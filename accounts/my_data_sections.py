"""The sections of "My data" that the accounts app itself contributes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import selectors
from .my_data import Section, register

if TYPE_CHECKING:
    from .models import User


def _profile(user: User) -> dict[str, Any]:
    return {"profile_user": user, "sources": selectors.profile_sources_for_user(user=user)}


def _emails(user: User) -> dict[str, Any]:
    return {"email_addresses": list(selectors.email_addresses_for_user(user=user))}


def _mfa(user: User) -> dict[str, Any]:
    return {"authenticators": selectors.authenticators_for_user(user=user)}


def _sessions(user: User) -> dict[str, Any]:
    return {"user_sessions": list(selectors.sessions_for_user(user=user))}


def _logins(user: User) -> dict[str, Any]:
    return {
        "login_events": selectors.recent_logins_for_user(user=user),
        "retention_days": settings.LOGIN_EVENT_RETENTION_DAYS,
    }


register(Section("profile", _("Profile"), "accounts/my_data/profile.html", _profile, 10, queries=1))
register(Section("emails", _("Email addresses"), "accounts/my_data/emails.html", _emails, 20))
register(Section("mfa", _("Two-factor authentication"), "accounts/my_data/mfa.html", _mfa, 30))
register(Section("sessions", _("Active sessions"), "accounts/my_data/sessions.html", _sessions, 40))
register(Section("logins", _("Recent sign-ins"), "accounts/my_data/logins.html", _logins, 50))
