"""allauth customisation: all of it goes through this adapter."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.utils.translation import gettext

from .client_ip import client_ip
from .models import User


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return getattr(settings, "SIGNUP_OPEN", True)

    def save_user(self, request, user, form, commit=True):
        # A new member keeps the language they signed up in.
        language = translation.get_language() or settings.LANGUAGE_CODE
        if language in User.Language.values:
            user.preferred_language = language
        return super().save_user(request, user, form, commit=commit)

    def get_client_ip(self, request) -> str:
        # Rate limits and sessions count the person behind the trusted proxies, with the
        # same address the sign-in history records.
        ip = client_ip(request)
        if ip is None:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def format_email_subject(self, subject: str) -> str:
        # The product name in the recipient's language rather than a fixed prefix.
        return f"[{gettext('Aviation registry')}] {subject}"
