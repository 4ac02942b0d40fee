"""Notices to recipients (GDPR Art. 19): whoever received a person's data is told when it
is rectified or erased or its processing restricted, and the person may see who they were.

Recipients are the organizations whose admins see the person's data (every membership
still holding data, ended ones included, and contact-person records) and the partners and
authorities of disclosures that have begun. Each notice becomes a ``RecipientNotice`` row:
sent, or the reason it could not be (no address).

Messages are rendered inside the transaction and sent after it commits: an erasure may
remove the very data a message names, and nothing is mailed for a step that rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gdpr.disclosures.services import disclosures_of
from gdpr.models import (
    ControllerDetails,
    DataSubjectRequest,
    Disclosure,
    RecipientNotice,
    RequestEvent,
    RequestKind,
)
from gdpr.notice.document import controller_contact

if TYPE_CHECKING:
    from accounts.models import User
    from organizations.models import Organization

logger = logging.getLogger(__name__)

# Art. 19 covers these; the other requests change nothing a recipient holds.
NOTIFIED_KINDS = (RequestKind.RECTIFICATION, RequestKind.ERASURE, RequestKind.RESTRICTION)


@dataclass(frozen=True)
class Address:
    email: str
    language: str


@dataclass(frozen=True)
class RecipientInfo:
    """Someone who received the person's data."""

    class Kind:
        ORGANIZATION = "organization"
        PARTNER = Disclosure.Kind.PARTNER.value
        AUTHORITY = Disclosure.Kind.AUTHORITY.value

    kind: str
    name: str
    # Why they have the data, in the subject's words ("Member", "Contact person", purpose).
    reason: str
    organization: Organization | None = None
    disclosure: Disclosure | None = None
    # Where a notice goes; empty when there is no address.
    addresses: tuple[Address, ...] = field(default=(), compare=False)
    # Disclosures: which registry categories went; organizations see all they hold.
    categories: tuple[str, ...] = ()

    @property
    def email(self) -> str:
        """The address recorded on the notice: the organization's or the partner's own, never
        an admin's personal one (the notice row outlives that admin's data)."""
        if self.disclosure is not None:
            return self.disclosure.recipient_email
        if self.organization is not None:
            return self.organization.email
        return ""


@dataclass(frozen=True)
class Correction:
    """What a rectification changed. ``texts`` gives (datum, record, new value) in the
    active language, so each notice reads in its recipient's language."""

    organization: Organization | None
    category: str
    texts: Callable[[], tuple[str, str, str]]

    @property
    def label(self) -> str:
        return self.texts()[0]

    @property
    def record(self) -> str:
        return self.texts()[1]

    @property
    def new(self) -> str:
        return self.texts()[2]


# --- Who the recipients are --------------------------------------------------------------


def organization_addresses(
    organizations: Iterable[Organization], *, exclude: User | None = None
) -> dict[int, list[Address]]:
    """Where to write to each organization: its own address, or else its active admins
    (in each admin's language), never ``exclude`` (the person the notice is about)."""
    from organizations.models import Membership

    default = settings.LANGUAGE_CODE
    found: dict[int, list[Address]] = {}
    without_email = []
    for organization in organizations:
        if organization.email:
            found[organization.pk] = [Address(organization.email, default)]
        else:
            found[organization.pk] = []
            without_email.append(organization.pk)
    if without_email:
        admins = Membership.objects.filter(
            organization_id__in=without_email,
            role=Membership.Role.ADMIN,
            status=Membership.Status.ACTIVE,
            user__isnull=False,
            user__is_active=True,
        )
        if exclude is not None:
            admins = admins.exclude(user=exclude)
        rows = admins.order_by("pk").values_list(
            "organization_id", "user__email", "user__preferred_language"
        )
        for organization_id, email, language in rows:
            found[organization_id].append(Address(email, language or default))
    return found


def recipients_of(user: User) -> list[RecipientInfo]:
    """Everyone who received ``user``'s data: organizations first (by name), then the
    disclosures that have begun (newest first). Four queries at most, whatever the count."""
    from organizations.models import ContactPerson, Membership

    organizations: dict[int, tuple[Organization, list[str]]] = {}
    memberships = (
        Membership.objects.filter(user=user)
        .exclude(status=Membership.Status.INVITED)
        .select_related("organization")
    )
    for membership in memberships:
        reason = (
            _("Member") if membership.status == Membership.Status.ACTIVE else _("Former member")
        )
        organizations.setdefault(membership.organization_id, (membership.organization, []))
        organizations[membership.organization_id][1].append(reason)
    contacts = ContactPerson.objects.filter(
        Q(user=user) | Q(email__iexact=user.email)
    ).select_related("organization")
    for contact in contacts:
        organizations.setdefault(contact.organization_id, (contact.organization, []))
        organizations[contact.organization_id][1].append(_("Contact person"))
    addresses = organization_addresses(
        [organization for organization, _reasons in organizations.values()], exclude=user
    )
    found = [
        RecipientInfo(
            kind=RecipientInfo.Kind.ORGANIZATION,
            name=organization.name,
            reason=", ".join(dict.fromkeys(reasons)),
            organization=organization,
            addresses=tuple(addresses.get(organization.pk, ())),
        )
        for organization, reasons in sorted(
            organizations.values(), key=lambda item: (item[0].name.lower(), item[0].pk)
        )
    ]
    today = timezone.localdate()
    for disclosure in disclosures_of(user).filter(starts_on__lte=today):
        found.append(
            RecipientInfo(
                kind=disclosure.kind,
                name=disclosure.recipient_name,
                reason=disclosure.purpose,
                disclosure=disclosure,
                addresses=(
                    (Address(disclosure.recipient_email, settings.LANGUAGE_CODE),)
                    if disclosure.recipient_email
                    else ()
                ),
                categories=tuple(disclosure.categories),
            )
        )
    return found


def _relevant(recipient: RecipientInfo, correction: Correction) -> bool:
    """A correction goes only to those who got that datum: the organization that holds
    the record, and disclosures that carried its category. Telling anyone else would
    hand them data they never had."""
    if recipient.organization is not None:
        return (
            correction.organization is not None
            and recipient.organization.pk == correction.organization.pk
        )
    return bool(correction.category) and correction.category in recipient.categories


# --- Sending ------------------------------------------------------------------------------


def _render(template: str, context: dict[str, Any], language: str) -> tuple[str, str]:
    with translation.override(language):
        subject = render_to_string(f"{template}_subject.txt", context)
        body = render_to_string(f"{template}_body.txt", context)
    return " ".join(subject.split()), body


def _reply_to() -> list[str]:
    details = ControllerDetails.objects.order_by("pk").first()
    address = ""
    if details is not None:
        address = details.privacy_contact_email or details.email
    address = address or getattr(settings, "CONTROLLER_EMAIL", "")
    return [address] if address else []


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


Outgoing = tuple[int | None, EmailMessage]


def send_after_commit(messages: Iterable[tuple[str, str, str, dict[str, Any]]]) -> None:
    """Render each (language, address, template, context) now and send it once the
    transaction commits."""
    reply_to = _reply_to()
    outgoing: list[Outgoing] = []
    for language, address, template, context in messages:
        context = {**context, "site_url": _site_url(context.get("path", "/"))}
        subject, body = _render(template, context, language)
        outgoing.append((None, EmailMessage(subject, body, to=[address], reply_to=reply_to)))
    if outgoing:
        transaction.on_commit(lambda: _deliver(outgoing))


def _deliver(outgoing: list[Outgoing]) -> None:
    """Send each message; a notice row records when it went, or why it did not."""
    sent: set[int] = set()
    errors: dict[int, str] = {}
    for notice_id, message in outgoing:
        try:
            message.send()
        except Exception as error:  # SMTP and network errors of any kind
            logger.warning("Art. 19 notice %s not sent: %s", notice_id, error)
            if notice_id is not None:
                errors[notice_id] = str(error)[:300] or error.__class__.__name__
            continue
        if notice_id is not None:
            sent.add(notice_id)
    now = timezone.now()
    # An organization written to through several admins counts as told once one got it.
    RecipientNotice.objects.filter(pk__in=sent, sent_at__isnull=True).update(sent_at=now, error="")
    for notice_id, error in errors.items():
        if notice_id not in sent:
            RecipientNotice.objects.filter(pk=notice_id, sent_at__isnull=True).update(error=error)


def _context(
    request: DataSubjectRequest,
    recipient: RecipientInfo,
    correction: Correction | None,
) -> dict[str, Any]:
    subject = request.subject
    return {
        "kind": request.kind,
        "recipient_name": recipient.name,
        "person_name": subject.get_full_name() if subject else request.subject_name,
        "person_email": subject.email if subject else request.subject_email,
        "reason": recipient.reason,
        "correction": correction,
        "controller_name": controller_contact()["name"],
    }


@transaction.atomic
def notify_recipients(
    request: DataSubjectRequest,
    *,
    actor: User | None,
    correction: Correction | None = None,
) -> list[RecipientNotice]:
    """Tell every recipient of the data about a rectification, erasure or restriction
    (Art. 19) — once per request: a second call returns the notices of the first.

    Call it before an erasure removes the person: the notices name them. For a
    rectification, ``correction`` says what changed; without it the datum is read from
    the request as it stands.
    """
    from gdpr.requests.services import RequestError, request_event_log

    request = (
        DataSubjectRequest.objects.select_for_update(of=("self",))
        .select_related("subject")
        .get(pk=request.pk)
    )
    if request.kind not in NOTIFIED_KINDS:
        raise RequestError(
            _("Recipients are notified of rectifications, erasures and restrictions only.")
        )
    existing = list(RecipientNotice.objects.filter(request=request).order_by("pk"))
    if existing or request.events.filter(action=RequestEvent.Action.RECIPIENTS_NOTIFIED).exists():
        return existing

    recipients = recipients_of(request.subject) if request.subject is not None else []
    if request.kind == RequestKind.RECTIFICATION:
        if correction is None:
            correction = _correction_from_request(request)
        recipients = (
            [r for r in recipients if _relevant(r, correction)] if correction is not None else []
        )

    no_address = _("No address to send the notice to.")
    notices = RecipientNotice.objects.bulk_create(
        RecipientNotice(
            request=request,
            recipient_name=recipient.name[:200],
            recipient_email=recipient.email,
            organization=recipient.organization,
            disclosure=recipient.disclosure,
            error="" if recipient.addresses else no_address,
        )
        for recipient in recipients
    )
    reply_to = _reply_to()
    outgoing: list[Outgoing] = []
    for notice, recipient in zip(notices, recipients, strict=True):
        for address in recipient.addresses:
            subject, body = _render(
                "gdpr/email/recipient_notice",
                _context(request, recipient, correction),
                address.language,
            )
            outgoing.append(
                (notice.pk, EmailMessage(subject, body, to=[address.email], reply_to=reply_to))
            )
    if outgoing:
        transaction.on_commit(lambda: _deliver(outgoing))

    names = ", ".join(recipient.name for recipient in recipients)
    request_event_log(
        request,
        RequestEvent.Action.RECIPIENTS_NOTIFIED,
        actor=actor,
        note=names or _("Nobody had received this data."),
    )
    return notices


def _correction_from_request(request: DataSubjectRequest) -> Correction | None:
    from gdpr.rectification.services import correction_for_request

    return correction_for_request(request)


# --- For the subject's request page ------------------------------------------------------


def recipient_notices_for(request: DataSubjectRequest) -> list[RecipientNotice]:
    """The notices of a request, for ``gdpr/_recipients.html`` (one query)."""
    return list(RecipientNotice.objects.filter(request=request).order_by("pk"))
