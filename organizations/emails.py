"""Mail that organizations send."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gdpr.api import controller_contact

from .models import ContactPerson, Invitation, Organization, OrganizationClaim
from .selectors import active_admins

if TYPE_CHECKING:
    from accounts.models import User


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


CLAIM_SUBJECTS = {
    "claim_filed_claimant": gettext_lazy(
        "[%(site)s] Your claim to %(organization)s went to the controller"
    ),
    "claim_filed_admin": gettext_lazy(
        "[%(site)s] Someone has claimed to represent %(organization)s"
    ),
    "claim_decided_claimant": gettext_lazy(
        "[%(site)s] Your claim to %(organization)s has been decided"
    ),
    "claim_approved_admin": gettext_lazy("[%(site)s] %(organization)s has passed to a new admin"),
}


def _language(user: User) -> str:
    language = getattr(user, "preferred_language", "")
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _send_answered_by_controller(
    *, language: str, subject: object, template: str, context: dict, to: str
) -> str:
    """Render ``template`` and ``subject`` (a lazy text with ``%(site)s`` and
    ``%(organization)s``) in ``language`` and mail them to ``to``, replies going to the
    controller, who decided what the mail tells; returns the subject line."""
    with translation.override(language):
        subject_line = str(subject) % {
            "site": _("Aviation registry"),
            "organization": context["organization"].name,
        }
        body = render_to_string(template, context)
    reply_to = controller_contact()["email"]
    EmailMultiAlternatives(
        subject=subject_line, body=body, to=[to], reply_to=[reply_to] if reply_to else None
    ).send()
    return subject_line


def send_claim_email(*, claim: OrganizationClaim, template: str, to: User | None = None) -> str:
    """Mail one notice about ``claim`` to ``to`` (the claimant by default), in their
    language; returns the subject line (for the communication log)."""
    recipient = to or claim.claimant
    organization = claim.organization
    with translation.override(_language(recipient)):
        context = {
            "claim": claim,
            "organization": organization,
            "name": recipient.get_full_name(),
            "status": claim.get_status_display(),
            "claim_url": site_url(reverse("organizations:claim", args=[claim.pk])),
            "organization_url": site_url(reverse("organizations:detail", args=[organization.pk])),
            "mine_url": site_url(reverse("organizations:mine")),
            "still_admin": active_admins(organization=organization, user=recipient).exists(),
            "new_admin": claim.claimant.get_full_name() or claim.claimant.email,
        }
    return _send_answered_by_controller(
        language=_language(recipient),
        subject=CLAIM_SUBJECTS[template],
        template=f"organizations/email/{template}.txt",
        context=context,
        to=recipient.email,
    )


def send_successor_email(*, organization: Organization, to: User) -> str:
    """Tell the successor the controller chose that they are now the organization's
    admin (its previous only admin's account was erased); returns the subject line."""
    language = _language(to)
    with translation.override(language):
        context = {
            "organization": organization,
            "name": to.get_full_name(),
            "organization_url": site_url(reverse("organizations:detail", args=[organization.pk])),
        }
    return _send_answered_by_controller(
        language=language,
        subject=gettext_lazy("[%(site)s] You are now the admin of %(organization)s"),
        template="organizations/email/successor_admin.txt",
        context=context,
        to=to.email,
    )


def send_without_admin_email(*, organization: Organization, contact: ContactPerson) -> str:
    """Tell a contact person that the organization has no admin any more; returns the
    subject line."""
    language = _language(contact.user) if contact.user else settings.LANGUAGE_CODE
    return _send_answered_by_controller(
        language=language,
        subject=gettext_lazy("[%(site)s] %(organization)s has no admin"),
        template="organizations/email/without_admin.txt",
        context={"organization": organization, "name": contact.name},
        to=contact.email,
    )
