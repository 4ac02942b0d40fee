"""Mail that organizations send."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Invitation


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def send_invitation_email(*, invitation: Invitation, token: str, language: str) -> str:
    """Mail the invitation; returns the subject line (for the communication log)."""
    membership = invitation.membership
    with translation.override(language):
        context = {
            "organization": membership.organization,
            "name": membership.name,
            "invited_by": invitation.created_by,
            "url": site_url(reverse("organizations:invitation", args=[token])),
            "expires_at": invitation.expires_at,
        }
        subject = _("[%(site)s] Invitation to %(organization)s") % {
            "site": _("Aviation registry"),
            "organization": membership.organization.name,
        }
        body = render_to_string("organizations/email/invitation.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[membership.email])
    message.send()
    return subject
