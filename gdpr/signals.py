"""The privacy notice shown at signup is recorded against the new account."""

from __future__ import annotations

from allauth.account.signals import user_signed_up
from django.dispatch import receiver

from gdpr.notice.services import notice_acknowledge


@receiver(user_signed_up, dispatch_uid="gdpr.notice_shown_at_signup")
def record_notice_at_signup(sender, request, user, **kwargs) -> None:
    # The signup page carries the number of the version it linked (SignupNoticeForm).
    shown = request.POST.get("notice_version") if request is not None else None
    notice_acknowledge(user, context="signup", shown=shown)
