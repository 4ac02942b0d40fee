"""Login history: every sign-in and failed attempt is recorded for the account's owner."""

from __future__ import annotations

from allauth.account.signals import email_changed
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from .events import profile_changed
from .models import LoginEvent, User
from .services import login_event_record


@receiver(user_logged_in, dispatch_uid="accounts.record_login")
def record_login(sender, request, user, **kwargs) -> None:
    login_event_record(user=user, outcome=LoginEvent.Outcome.SUCCESS, request=request)


@receiver(user_login_failed, dispatch_uid="accounts.record_failed_login")
def record_failed_login(sender, credentials, request=None, **kwargs) -> None:
    email = (credentials.get("email") or credentials.get("username") or "").strip().lower()
    if not email:
        return
    user = User.objects.filter(email=email).first()
    if user is not None:
        login_event_record(user=user, outcome=LoginEvent.Outcome.FAILURE, request=request)


@receiver(email_changed, dispatch_uid="accounts.email_changed")
def forward_email_change(sender, request, user, from_email_address, to_email_address, **kwargs):
    profile_changed.send(sender=User, user=user)
