"""Notices to recipients (GDPR Art. 19): whoever received a person's data is told when it
is rectified or erased or its processing restricted, and the person may see who they were.

Recipients are those the apps declare (``gdpr.disclosures.hooks.RecipientSource``: the
organizations whose admins see the person's data, for one) and the partners and
authorities of disclosures that have begun. Each notice becomes a ``RecipientNotice`` row:
sent, or the reason it could not be (no address).

Messages are rendered inside the transaction and sent after it commits: an erasure may
remove the very data a message names, and nothing is mailed for a step that rolled back.

This module sits below the request workflow, the erasure and the rectification (they call
``notify_recipients``), so it imports none of them: it writes its one request step itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gdpr.audit import acting_as
from gdpr.declarations import LazyText
from gdpr.disclosures.hooks import (
    DataRecipient,
    RecipientAddress,
    identifier_choices,
    identifiers_carried_by,
    identify,
    recipient_source_for,
    recipient_sources,
)
from gdpr.disclosures.services import disclosures_of
from gdpr.models import (
    ControllerDetails,
    DataSubjectRequest,
    RecipientNotice,
    RequestEvent,
    RequestKind,
)
from gdpr.models import request_phrases as phrases
from gdpr.notice.document import controller_contact

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

# Art. 19 covers these; the other requests change nothing a recipient holds.
NOTIFIED_KINDS = (RequestKind.RECTIFICATION, RequestKind.ERASURE, RequestKind.RESTRICTION)


class RecipientNoticeError(ValidationError):
    """Notices asked for a request that Art. 19 does not cover."""


@dataclass(frozen=True)
class Correction:
    """What a rectification changed. ``holder`` is the row that holds the corrected record
    (an organization; ``None`` for the controller's own records). ``texts`` gives (datum,
    record, new value) in the active language, so each notice reads in its recipient's
    language."""

    holder: models.Model | None
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


def holder_addresses(
    holder: models.Model, *, exclude: User | None = None
) -> list[RecipientAddress]:
    """Where to write to ``holder`` (an organization) about someone, as its app declares,
    never to ``exclude`` (the person the message is about). Nowhere when no app declares
    such holders."""
    source = recipient_source_for(holder)
    if source is None or source.addresses_of is None:
        return []
    return list(source.addresses_of(holder, exclude))


def _disclosure_recipients(user: User) -> list[DataRecipient]:
    """The partners and authorities of the disclosures of ``user``'s data that have begun,
    newest first (one query)."""
    today = timezone.localdate()
    return [
        DataRecipient(
            kind=disclosure.kind,
            name=disclosure.recipient_name,
            reason=disclosure.purpose,
            email=disclosure.recipient_email,
            addresses=(
                (RecipientAddress(disclosure.recipient_email, settings.LANGUAGE_CODE),)
                if disclosure.recipient_email
                else ()
            ),
            categories=tuple(disclosure.categories),
            disclosure=disclosure,
            # Recorded with the disclosure; before they were, what its categories carry.
            identifiers=tuple(disclosure.identifiers)
            or identifiers_carried_by(disclosure.categories),
        )
        for disclosure in disclosures_of(user).filter(starts_on__lte=today)
    ]


def recipients_of(user: User) -> list[DataRecipient]:
    """Everyone who received ``user``'s data: the declared recipients (source by source, in
    each source's order), then the disclosures that have begun (newest first)."""
    found: list[DataRecipient] = []
    for source in recipient_sources():
        found.extend(source.recipients_for(user))
    found.extend(_disclosure_recipients(user))
    return found


def _same_row(first: models.Model, second: models.Model) -> bool:
    return first._meta.concrete_model is second._meta.concrete_model and str(first.pk) == str(
        second.pk
    )


def _relevant(recipient: DataRecipient, correction: Correction) -> bool:
    """A correction goes only to those who got that datum: the holder of the record, and
    disclosures that carried its category. Telling anyone else would hand them data they
    never had."""
    if recipient.holder is not None:
        return correction.holder is not None and _same_row(recipient.holder, correction.holder)
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


Identification = list[tuple[LazyText, str]]


def identified_by(request: DataSubjectRequest, recipient: DataRecipient) -> Identification:
    """How the notice names the person to ``recipient``: (label, value) of each identifier
    the recipient received, as it holds them, and nothing else (a partner that got member
    numbers is not told the name and email)."""
    if request.subject is None:
        return []
    return identify(request.subject, received_identifiers(recipient), holder=recipient.holder)


def received_identifiers(recipient: DataRecipient) -> tuple[str, ...]:
    """The identifier keys ``recipient`` received: as declared; else those its categories
    carry; else, for a holder that sees all it holds (no categories), every key, each
    narrowed to what that holder holds."""
    if recipient.identifiers:
        return recipient.identifiers
    if recipient.categories:
        return identifiers_carried_by(recipient.categories)
    return tuple(key for key, _label in identifier_choices())


def _context(
    request: DataSubjectRequest,
    recipient: DataRecipient,
    correction: Correction | None,
    identification: Identification,
) -> dict[str, Any]:
    return {
        "kind": request.kind,
        "recipient_name": recipient.name,
        "identified_by": identification,
        # The subject line's short name: the first identifier the recipient knows.
        "person_name": identification[0][1] if identification else "",
        "reason": recipient.reason,
        "correction": correction,
        "controller_name": controller_contact()["name"],
    }


def _log_notified(
    request: DataSubjectRequest, recipients: list[DataRecipient], *, actor: User | None
) -> None:
    """The request's step saying who was told. Written here, not through the request
    workflow's services, which call this module (see the module docstring)."""
    names = ", ".join(recipient.name for recipient in recipients)
    RequestEvent.objects.create(
        request=request,
        action=RequestEvent.Action.RECIPIENTS_NOTIFIED,
        actor=actor,
        note=names,
        phrase="" if names else phrases.RECIPIENTS_NONE,
        at=timezone.now(),
    )


def _error(recipient: DataRecipient, identification: Identification) -> str:
    if not recipient.addresses:
        return _("No address to send the notice to.")
    if not identification:
        return _("The recipient received nothing that identifies the person.")
    return ""


def _store(
    request: DataSubjectRequest,
    recipients: list[DataRecipient],
    identifications: list[Identification],
) -> list[RecipientNotice]:
    return RecipientNotice.objects.bulk_create(
        RecipientNotice(
            request=request,
            recipient_name=recipient.name[:200],
            recipient_email=recipient.email,
            holder=recipient.holder,
            disclosure=recipient.disclosure,
            error=_error(recipient, identification),
        )
        for recipient, identification in zip(recipients, identifications, strict=True)
    )


def _messages(
    request: DataSubjectRequest,
    notices: list[RecipientNotice],
    recipients: list[DataRecipient],
    identifications: list[Identification],
    correction: Correction | None,
) -> list[Outgoing]:
    """One message per address of each recipient, rendered now in its language; none to
    a recipient that could not tell whom it is about."""
    reply_to = _reply_to()
    outgoing: list[Outgoing] = []
    for notice, recipient, identification in zip(notices, recipients, identifications, strict=True):
        if not identification:
            continue
        for address in recipient.addresses:
            subject, body = _render(
                "gdpr/email/recipient_notice",
                _context(request, recipient, correction, identification),
                address.language,
            )
            outgoing.append(
                (notice.pk, EmailMessage(subject, body, to=[address.email], reply_to=reply_to))
            )
    return outgoing


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
    rectification, ``correction`` says what changed; without one (the corrected record is
    gone) nobody is told.
    """
    request = (
        DataSubjectRequest.objects.select_for_update(of=("self",))
        .select_related("subject")
        .get(pk=request.pk)
    )
    if request.kind not in NOTIFIED_KINDS:
        raise RecipientNoticeError(
            _("Recipients are notified of rectifications, erasures and restrictions only.")
        )
    existing = list(RecipientNotice.objects.filter(request=request).order_by("pk"))
    if existing or request.events.filter(action=RequestEvent.Action.RECIPIENTS_NOTIFIED).exists():
        return existing

    recipients = recipients_of(request.subject) if request.subject is not None else []
    if request.kind == RequestKind.RECTIFICATION:
        recipients = (
            [r for r in recipients if _relevant(r, correction)] if correction is not None else []
        )
    # Read now: an erasure may remove the values right after this step.
    identifications = [identified_by(request, recipient) for recipient in recipients]
    with acting_as(actor):
        notices = _store(request, recipients, identifications)
        outgoing = _messages(request, notices, recipients, identifications, correction)
        if outgoing:
            transaction.on_commit(lambda: _deliver(outgoing))
        _log_notified(request, recipients, actor=actor)
    return notices


def _told_keys(request: DataSubjectRequest) -> set[tuple[str, str]]:
    """Who was told of ``request`` and could be reached: ("holder", type:id) or
    ("disclosure", id) per notice that went out (one query)."""
    keys: set[tuple[str, str]] = set()
    sent = RecipientNotice.objects.filter(request=request, sent_at__isnull=False)
    for holder_type_id, holder_id, disclosure_id in sent.values_list(
        "holder_type_id", "holder_id", "disclosure_id"
    ):
        if disclosure_id is not None:
            keys.add(("disclosure", str(disclosure_id)))
        elif holder_type_id is not None:
            keys.add(("holder", f"{holder_type_id}:{holder_id}"))
    return keys


def _key(recipient: DataRecipient) -> tuple[str, str] | None:
    if recipient.disclosure is not None:
        return ("disclosure", str(recipient.disclosure.pk))
    if recipient.holder is not None:
        content_type = ContentType.objects.get_for_model(recipient.holder)
        return ("holder", f"{content_type.pk}:{recipient.holder.pk}")
    return None


@transaction.atomic
def notify_recipients_of_lifting(
    request: DataSubjectRequest, *, actor: User | None
) -> list[DataRecipient]:
    """Tell the recipients that were told of a restriction that it has been lifted: they
    were asked to restrict the data "until further notice". Only those the restriction's
    notice reached, by the same identifiers; nothing when nobody was told."""
    if request.kind != RequestKind.RESTRICTION or request.subject is None:
        return []
    told = _told_keys(request)
    if not told:
        return []
    recipients = [r for r in recipients_of(request.subject) if _key(r) in told]
    messages = []
    for recipient in recipients:
        identification = identified_by(request, recipient)
        if not identification:
            continue
        context = _context(request, recipient, None, identification) | {"lifted": True}
        messages.extend(
            (address.language, address.email, "gdpr/email/recipient_notice", context)
            for address in recipient.addresses
        )
    send_after_commit(messages)
    if recipients:
        RequestEvent.objects.create(
            request=request,
            action=RequestEvent.Action.RECIPIENTS_NOTIFIED,
            actor=actor,
            phrase=phrases.RECIPIENTS_TOLD_LIFTED,
            params={"names": ", ".join(r.name for r in recipients)},
            at=timezone.now(),
        )
    return recipients


# --- For the subject's request page ------------------------------------------------------


def recipient_notices_for(request: DataSubjectRequest) -> list[RecipientNotice]:
    """The notices of a request, for ``gdpr/_recipients.html`` (one query)."""
    return list(RecipientNotice.objects.filter(request=request).order_by("pk"))
