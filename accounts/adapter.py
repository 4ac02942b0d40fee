"""allauth customisation: all of it goes through this adapter."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.utils.translation import gettext

from .client_ip import client_ip
from .models import User


def service_name() -> str:
    """The service's name in the active language, as every page and mail names it."""
    return gettext("Aviation registry")


@dataclass(frozen=True)
class MailSite:
    """What allauth's mail templates call ``current_site``.

    Without the sites framework allauth takes the request's host for both the name and
    the domain ("Hello from 127.0.0.1:8000!"); the mails name the service instead.
    """

    name: str
    domain: str


def mail_site() -> MailSite:
    request = allauth_context.request
    domain = request.get_host() if request is not None else urlsplit(settings.SITE_URL).netloc
    return MailSite(name=service_name(), domain=domain)


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
        return f"[{service_name()}] {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # Every allauth mail (account, MFA, sessions) comes through here. allauth's own
        # would also fail outside a request (no sites framework to fall back on).
        ctx = {
            "request": allauth_context.request,
            "email": email,
            "current_site": mail_site(),
            **context,
        }
        self.render_mail(template_prefix, email, ctx).send()
