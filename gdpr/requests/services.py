"""Writes for data-subject requests: filing and every step of the controller's desk.

Each function runs in a transaction and logs a RequestEvent with its actor, so the trail of
a request is complete whatever path (browser, admin, task) moved it. Every step locks the
request row first (``select_for_update``): two handlers clicking at once cannot both move
it, and the second one gets a clear message instead of a double step.

The status flow is received → identity verified → in progress → completed, with refusal
possible from any open status. A closed request takes no further step; only internal
notes and deleting the letter are still possible (neither changes the answer).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gdpr.keys import email_key
from gdpr.models import (
    OPEN_STATUSES,
    DataExport,
    DataSubjectRequest,
    IdentityMethod,
    MarketingChannel,
    ProcessingRestriction,
    RequestChannel,
    RequestEvent,
    RequestKind,
    RequestStatus,
    Suppression,
)
from gdpr.requests.deadlines import due_date, extended_due_date
from gdpr.requests.emails import notify_subject, subject_address

if TYPE_CHECKING:
    from accounts.models import User

# What the person receives as the answer: a download (access, portability); an outcome
# that must exist before the request can be completed, named by the step that records it.
EXPORT_KINDS = (RequestKind.ACCESS, RequestKind.PORTABILITY)
COMPLETION_EVIDENCE = {
    RequestKind.ERASURE: RequestEvent.Action.ERASURE_EXECUTED,
    RequestKind.RECTIFICATION: RequestEvent.Action.RECTIFIED,
    RequestKind.RESTRICTION: RequestEvent.Action.RESTRICTED,
    RequestKind.OBJECTION: RequestEvent.Action.MARKETING_BANNED,
}
# Channels the controller enters by hand; WEB requests are filed by the person.
ENTERED_CHANNELS = tuple(c for c in RequestChannel if c != RequestChannel.WEB)


class RequestError(ValidationError):
    """A step that the request's state or the law does not allow."""


def request_event_log(
    request: DataSubjectRequest,
    action: str,
    *,
    actor: User | None,
    note: str = "",
    internal: bool = False,
    at: datetime.datetime | None = None,
    assignee: User | None = None,
) -> RequestEvent:
    """Append one step to a request's trail (never edited afterwards)."""
    return RequestEvent.objects.create(
        request=request,
        action=action,
        actor=actor,
        assignee=assignee,
        note=note,
        internal=internal,
        at=at or timezone.now(),
    )


def request_due_on(received_at: datetime.datetime) -> datetime.date:
    return due_date(timezone.localdate(received_at))


@transaction.atomic
def request_file(
    *,
    subject: User | None,
    kind: RequestKind | str,
    actor: User | None,
    channel: RequestChannel | str = RequestChannel.WEB,
    details: str = "",
    received_at: datetime.datetime | None = None,
    subject_name: str = "",
    subject_email: str = "",
    holder: models.Model | None = None,
    rectification_target: str = "",
    rectification_value: str = "",
    marketing_channels: list[str] | None = None,
    letter=None,
) -> DataSubjectRequest:
    """Record a request as received. The controller then confirms identity (for a
    signed-in subject filing in the browser, the session and re-authentication suffice)."""
    received_at = received_at or timezone.now()
    if subject is not None:
        subject_name = subject_name or subject.get_full_name()
        subject_email = subject_email or subject.email
    request = DataSubjectRequest(
        kind=kind,
        channel=channel,
        subject=subject,
        subject_name=subject_name,
        subject_email=subject_email,
        subject_key=email_key(subject_email) if subject_email else "",
        received_at=received_at,
        due_on=request_due_on(received_at),
        details=details,
        holder=holder,
        rectification_target=rectification_target,
        rectification_value=rectification_value,
        marketing_channels=list(marketing_channels or []),
        created_by=actor,
    )
    if letter is not None:
        request.letter = letter
    request.full_clean(exclude=["due_on", "letter"])
    request.save()
    request_event_log(request, RequestEvent.Action.RECEIVED, actor=actor, at=received_at)
    return request


# --- Helpers ------------------------------------------------------------------------------


def _lock(request: DataSubjectRequest) -> DataSubjectRequest:
    """The request's row, locked until the transaction ends, as it is now."""
    return (
        DataSubjectRequest.objects.select_for_update(of=("self",))
        .select_related("subject")
        .get(pk=request.pk)
    )


def _sync(target: DataSubjectRequest, source: DataSubjectRequest) -> DataSubjectRequest:
    """Copy the stored state into the caller's instance, so it need not reload."""
    for field in DataSubjectRequest._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


def _require_status(request: DataSubjectRequest, *allowed: str) -> None:
    if request.status in allowed:
        return
    if not request.is_open:
        raise RequestError(
            _("The request is closed (%(status)s): no further step is possible.")
            % {"status": request.get_status_display()},
            code="closed",
        )
    raise RequestError(
        _("This step is not possible while the request is “%(status)s”.")
        % {"status": request.get_status_display()},
        code="status",
    )


def _has_event(request: DataSubjectRequest, action: str) -> bool:
    return request.events.filter(action=action).exists()


def entry_errors(
    *,
    kind: str,
    channel: str,
    received_at: datetime.datetime,
    subject: User | None,
    subject_email: str,
    marketing_channels: Iterable[str],
    now: datetime.datetime | None = None,
) -> dict[str, str]:
    """What is wrong with a request the controller enters, by field (empty when fine).

    Shared by the admin form and ``request_enter``, so the form shows the same rules the
    service enforces."""
    errors: dict[str, str] = {}
    if kind not in RequestKind.values:
        errors["kind"] = _("Choose the kind of request.")
    if channel not in ENTERED_CHANNELS:
        errors["channel"] = _(
            "Choose how the request arrived: requests made in the service are filed there."
        )
    if received_at > (now or timezone.now()):
        errors["received_at"] = _("The time of receipt cannot be in the future.")
    if subject is None and not subject_email.strip():
        errors["subject_email"] = _(
            "Choose the person's account, or give an email address to send the answer to."
        )
    if any(c not in MarketingChannel.values for c in marketing_channels):
        errors["marketing_channels"] = _("Unknown marketing channel.")
    return errors


# --- Entering a request that came by letter, email or phone -------------------------------


@transaction.atomic
def request_enter(
    *,
    kind: RequestKind | str,
    channel: RequestChannel | str,
    received_at: datetime.datetime,
    subject: User | None,
    actor: User,
    subject_name: str = "",
    subject_email: str = "",
    details: str = "",
    letter=None,
    holder: models.Model | None = None,
    rectification_target: str = "",
    rectification_value: str = "",
    marketing_channels: list[str] | None = None,
    acknowledge: bool = True,
) -> DataSubjectRequest:
    """Record a request that reached the controller outside the service.

    The deadline counts from ``received_at`` (which may lie in the past: a letter opened
    days after it came). The signed letter goes to private storage; the person is sent an
    acknowledgement with the deadline."""
    channels = list(marketing_channels or [])
    errors = entry_errors(
        kind=str(kind),
        channel=str(channel),
        received_at=received_at,
        subject=subject,
        subject_email=subject_email,
        marketing_channels=channels,
    )
    if errors:
        raise RequestError(errors)
    request = request_file(
        subject=subject,
        kind=kind,
        actor=actor,
        channel=channel,
        details=details.strip(),
        received_at=received_at,
        subject_name=subject_name.strip(),
        subject_email=subject_email.strip(),
        holder=holder,
        rectification_target=rectification_target.strip(),
        rectification_value=rectification_value.strip(),
        marketing_channels=channels,
        letter=letter,
    )
    if acknowledge:
        notify_subject(request, template="received")
    return request


# --- The steps ----------------------------------------------------------------------------


@transaction.atomic
def request_verify_identity(
    request: DataSubjectRequest,
    *,
    method: IdentityMethod | str,
    note: str = "",
    actor: User | None,
) -> DataSubjectRequest:
    """Record how the person was identified — proportionately (EDPB 01/2022). The note
    says what was checked; no copy of an identity document is ever stored."""
    if method not in IdentityMethod.values:
        raise RequestError(_("Choose how the person's identity was verified."), code="method")
    locked = _lock(request)
    _require_status(locked, RequestStatus.RECEIVED)
    note = note.strip()
    now = timezone.now()
    locked.status = RequestStatus.IDENTITY_VERIFIED
    locked.identity_method = method
    locked.identity_note = note[:300]
    locked.identity_verified_at = now
    locked.identity_verified_by = actor
    locked.save(
        update_fields=[
            "status",
            "identity_method",
            "identity_note",
            "identity_verified_at",
            "identity_verified_by",
        ]
    )
    label = str(IdentityMethod(method).label)
    request_event_log(
        locked,
        RequestEvent.Action.IDENTITY_VERIFIED,
        actor=actor,
        note=f"{label}: {note}" if note else label,
        at=now,
    )
    return _sync(request, locked)


@transaction.atomic
def request_delete_letter(request: DataSubjectRequest, *, actor: User) -> DataSubjectRequest:
    """Delete the scanned letter from private storage once it has served its purpose
    (data minimisation); the trail keeps the fact that there was one. The file goes only
    after the commit, so a rollback never leaves a row pointing at nothing."""
    locked = _lock(request)
    if not locked.letter:
        raise RequestError(_("The request has no letter to delete."), code="no_letter")
    name = locked.letter.name
    storage = locked.letter.storage
    locked.letter = ""
    locked.save(update_fields=["letter"])
    request_event_log(locked, RequestEvent.Action.LETTER_DELETED, actor=actor, internal=True)
    transaction.on_commit(lambda: storage.delete(name))
    return _sync(request, locked)


@transaction.atomic
def request_start(request: DataSubjectRequest, *, actor: User | None) -> DataSubjectRequest:
    """Start handling a verified request and set off what its kind needs at once: the
    export of an access or portability request, the ban of an objection to direct
    marketing (absolute: no balancing, Art. 21(3)), the restriction of processing."""
    locked = _lock(request)
    _require_status(locked, RequestStatus.IDENTITY_VERIFIED)
    now = timezone.now()
    locked.status = RequestStatus.IN_PROGRESS
    locked.save(update_fields=["status"])
    request_event_log(locked, RequestEvent.Action.STARTED, actor=actor, at=now)
    subject = locked.subject
    if locked.kind in EXPORT_KINDS and subject is not None:
        from gdpr.exports.services import export_start

        export_start(locked, actor=actor)
    elif locked.kind == RequestKind.OBJECTION:
        _ban_marketing(locked, actor=actor)
    elif locked.kind == RequestKind.RESTRICTION and subject is not None:
        _restrict(locked, actor=actor)
    return _sync(request, locked)


@transaction.atomic
def request_export_retry(request: DataSubjectRequest, *, actor: User) -> DataExport:
    """Queue a failed export once more (the build retries by itself first; this is the
    controller's hand after it gave up)."""
    locked = _lock(request)
    _require_status(locked, RequestStatus.IN_PROGRESS)
    export = DataExport.objects.filter(request=locked).first()
    if locked.kind not in EXPORT_KINDS or export is None:
        raise RequestError(_("The request has no export."), code="no_export")
    if export.status != DataExport.Status.FAILED:
        raise RequestError(_("Only a failed export is built again."), code="not_failed")
    from gdpr.exports.services import export_start

    export = export_start(locked, actor=actor)
    _sync(request, locked)
    return export


def _ban_marketing(request: DataSubjectRequest, *, actor: User | None) -> None:
    # A member's own objection is banned as it is filed (gdpr.requests.member): no second
    # ban and no second step then.
    if _has_event(request, RequestEvent.Action.MARKETING_BANNED):
        return
    if request.subject is None:
        _suppress_marketing(request, actor=actor)
        return
    from accounts.sources import DataSource
    from gdpr.marketing.services import marketing_ban, marketing_ban_all

    if request.marketing_channels:
        bans = marketing_ban(
            request.subject,
            channels=request.marketing_channels,
            source=DataSource.CONTROLLER,
            actor=actor,
        )
    else:
        bans = marketing_ban_all(request.subject, source=DataSource.CONTROLLER, actor=actor)
    names = ", ".join(str(MarketingChannel(ban.channel).label) for ban in bans)
    request_event_log(request, RequestEvent.Action.MARKETING_BANNED, actor=actor, note=names)


def _suppress_marketing(request: DataSubjectRequest, *, actor: User | None) -> None:
    """A person with no account is reached only by email, at an address an organization
    recorded: a suppression entry of the address given (a keyed hash, nothing readable)
    keeps every audience away from it."""
    if not request.subject_email:
        return
    channels = request.marketing_channels or MarketingChannel.values
    if MarketingChannel.EMAIL in channels:
        Suppression.objects.get_or_create(
            channel=MarketingChannel.EMAIL, key=email_key(request.subject_email)
        )
    request_event_log(
        request,
        RequestEvent.Action.MARKETING_BANNED,
        actor=actor,
        note=_(
            "No account: the address given is left out of email marketing; the service "
            "reaches people without an account by email only."
        ),
    )


@transaction.atomic
def request_assign(
    request: DataSubjectRequest, *, handler: User | None, actor: User
) -> DataSubjectRequest:
    """Give the request to a handler of the controller's staff (None: nobody)."""
    if handler is not None and not (handler.is_staff and handler.is_active):
        raise RequestError(_("Only active staff can handle requests."), code="handler")
    locked = _lock(request)
    _require_status(locked, *OPEN_STATUSES)
    if locked.handler_id == (handler.pk if handler else None):
        return _sync(request, locked)
    locked.handler = handler
    locked.save(update_fields=["handler"])
    request_event_log(
        locked,
        RequestEvent.Action.ASSIGNED,
        actor=actor,
        assignee=handler,
        internal=True,
    )
    return _sync(request, locked)


@transaction.atomic
def request_note(request: DataSubjectRequest, *, note: str, actor: User) -> RequestEvent:
    """An internal note for the controller's staff; the person never sees it. Possible on
    a closed request too (e.g. a later call from the person)."""
    note = note.strip()
    if not note:
        raise RequestError(_("Write the note."), code="note")
    locked = _lock(request)
    return request_event_log(
        locked, RequestEvent.Action.NOTE, actor=actor, note=note, internal=True
    )


EXTENSION_NOTICE_WAYS = ("email", "letter", "phone")


@transaction.atomic
def request_extend(
    request: DataSubjectRequest,
    *,
    months: int,
    reason: str,
    actor: User,
    told_by: str = "email",
    told_note: str = "",
) -> DataSubjectRequest:
    """Extend the deadline by one or two further months (Art. 12(3)): once, before the
    first deadline has passed, with reasons the person is told at once — by email (the
    request records it when the mail has left), or, for someone without an address, by
    the letter or call the handler states they made."""
    reason = reason.strip()
    if not reason:
        raise RequestError(_("Give the reasons for the extension."), code="reason")
    if months not in (1, 2):
        raise RequestError(
            _("The deadline can be extended by one or two further months."), code="months"
        )
    locked = _lock(request)
    _require_status(locked, *OPEN_STATUSES)
    if locked.extended_due_on is not None:
        raise RequestError(
            _("The deadline has already been extended; it can be extended only once."),
            code="extended",
        )
    _check_how_told(locked, told_by)
    today = timezone.localdate()
    if today > locked.due_on:
        raise RequestError(
            _("The first deadline (%(date)s) has passed: it can no longer be extended.")
            % {"date": locked.due_on.strftime("%d.%m.%Y")},
            code="late",
        )
    now = timezone.now()
    locked.extended_due_on = extended_due_date(timezone.localdate(locked.received_at), months)
    locked.extension_reason = reason
    locked.save(update_fields=["extended_due_on", "extension_reason"])
    request_event_log(locked, RequestEvent.Action.EXTENDED, actor=actor, note=reason, at=now)
    _tell_of_extension(locked, told_by=told_by, told_note=told_note, actor=actor, at=now)
    return _sync(request, locked)


def _check_how_told(request: DataSubjectRequest, told_by: str) -> None:
    if told_by not in EXTENSION_NOTICE_WAYS:
        raise RequestError(_("Say how the person is told of the extension."), code="told_by")
    if told_by == "email" and not subject_address(request):
        raise RequestError(
            _(
                "The request has no email address: tell the person by letter or phone, and"
                " say so here."
            ),
            code="no_address",
        )


def _tell_of_extension(
    request: DataSubjectRequest,
    *,
    told_by: str,
    told_note: str,
    actor: User,
    at: datetime.datetime,
) -> None:
    if told_by == "email":
        one_month = extended_due_date(timezone.localdate(request.received_at), 1)
        notify_subject(
            request,
            template="extended",
            context={
                "months": 2 if request.extended_due_on > one_month else 1,
                "reason": request.extension_reason,
                "new_deadline": request.extended_due_on,
            },
            sent_step=RequestEvent.Action.EXTENSION_NOTIFIED,
        )
        return
    request.extension_notified_at = at
    request.save(update_fields=["extension_notified_at"])
    way = _("By letter") if told_by == "letter" else _("By phone")
    note = f"{way}: {told_note.strip()}" if told_note.strip() else str(way)
    request_event_log(
        request,
        RequestEvent.Action.EXTENSION_NOTIFIED,
        actor=actor,
        note=note,
        internal=True,
        at=at,
    )


@transaction.atomic
def request_extension_tell(
    request: DataSubjectRequest, *, told_by: str, told_note: str = "", actor: User
) -> DataSubjectRequest:
    """Tell the person of an extension again when the first notice did not reach them
    (the mail failed): by email once more, or by the letter or call the handler made."""
    locked = _lock(request)
    if locked.extended_due_on is None or locked.extension_notified_at is not None:
        raise RequestError(
            _("There is no extension the person still has to be told of."), code="told"
        )
    _check_how_told(locked, told_by)
    _tell_of_extension(locked, told_by=told_by, told_note=told_note, actor=actor, at=timezone.now())
    return _sync(request, locked)


def _completion_problem(request: DataSubjectRequest) -> str:
    """Why the request cannot be completed yet ("" when it can)."""
    if request.kind in EXPORT_KINDS and request.subject_id is not None:
        export = DataExport.objects.filter(request=request).only("status").first()
        if export is None or export.status != DataExport.Status.READY:
            return _("The export is not ready yet: the answer is the person's data.")
    evidence = COMPLETION_EVIDENCE.get(request.kind)
    if evidence is None or _has_event(request, evidence):
        return ""
    if request.kind == RequestKind.ERASURE:
        return _("Execute the erasure first.")
    if request.kind == RequestKind.RECTIFICATION:
        return _("Decide the rectification: accepting it applies the correction.")
    if request.kind == RequestKind.RESTRICTION:
        return _("The restriction has not been applied.")
    return _("Direct marketing has not been banned.")


@transaction.atomic
def request_complete(
    request: DataSubjectRequest,
    *,
    response: str,
    actor: User | None,
    notify_to: str = "",
    notify_language: str = "",
    redact: Iterable[str] = (),
) -> DataSubjectRequest:
    """Send the answer and close the request as completed. What the kind requires must
    have been done first (the export ready, the erasure executed, the correction applied,
    the restriction or ban in force).

    ``notify_to``/``notify_language``: where to send the answer when the request no longer
    holds an address (an erasure blanks it) — taken before the erasure ran. ``redact``: the
    erased person's values, sent in the answer but not kept in the request or its steps."""
    response = response.strip()
    if not response:
        raise RequestError(_("Write the answer to the person."), code="response")
    locked = _lock(request)
    _require_status(locked, RequestStatus.IN_PROGRESS)
    problem = _completion_problem(locked)
    if problem:
        raise RequestError(problem, code="not_done")
    now = timezone.now()
    locked.status = RequestStatus.COMPLETED
    from gdpr.erasure.services import redact as redacted

    kept_response = redacted(response, redact)
    locked.response = kept_response
    locked.responded_at = now
    locked.closed_at = now
    locked.save(update_fields=["status", "response", "responded_at", "closed_at"])
    context = {"response": response}
    if locked.kind == RequestKind.ERASURE:
        from gdpr.erasure.services import kept_after_erasure

        # The account is gone or emptied: no page to follow the request on.
        context["request_url"] = ""
        # Art. 17(3) and 12(4): what was not erased, until when and why.
        context["kept"] = kept_after_erasure(locked.outcome)
    export = _ready_export(locked)
    if export is not None:
        from gdpr.exports.services import export_download_url

        context |= {"download_url": export_download_url(export), "expires_at": export.expires_at}
    notify_subject(
        locked,
        template="completed",
        context=context,
        to=notify_to,
        language=notify_language,
        # After an erasure, a communication record would bring the address back.
        record=locked.kind != RequestKind.ERASURE,
    )
    request_event_log(
        locked, RequestEvent.Action.RESPONDED, actor=actor, note=kept_response, at=now
    )
    request_event_log(locked, RequestEvent.Action.COMPLETED, actor=actor, at=now)
    return _sync(request, locked)


def _ready_export(request: DataSubjectRequest) -> DataExport | None:
    if request.kind not in EXPORT_KINDS:
        return None
    return DataExport.objects.filter(request=request, status=DataExport.Status.READY).first()


@transaction.atomic
def request_refuse(
    request: DataSubjectRequest, *, reason: str, actor: User | None
) -> DataSubjectRequest:
    """Refuse the request with the grounds (Art. 12(4)): the person is told why, and that
    they may complain to the Data Protection Ombudsman and go to court."""
    reason = reason.strip()
    if not reason:
        raise RequestError(_("Give the grounds for refusing."), code="reason")
    locked = _lock(request)
    _require_status(locked, *OPEN_STATUSES)
    now = timezone.now()
    locked.status = RequestStatus.REFUSED
    locked.refusal_reason = reason
    locked.response = reason
    locked.responded_at = now
    locked.closed_at = now
    locked.save(update_fields=["status", "refusal_reason", "response", "responded_at", "closed_at"])
    notify_subject(locked, template="refused", context={"reason": reason})
    request_event_log(locked, RequestEvent.Action.RESPONDED, actor=actor, note=reason, at=now)
    request_event_log(locked, RequestEvent.Action.REFUSED, actor=actor, note=reason, at=now)
    return _sync(request, locked)


# --- Restriction of processing (Art. 18) --------------------------------------------------


def _restrict(request: DataSubjectRequest, *, actor: User | None) -> ProcessingRestriction:
    existing = ProcessingRestriction.objects.in_force().filter(request=request).first()
    if existing is not None:
        return existing
    from gdpr.audit import acting_as

    with acting_as(actor):
        restriction = ProcessingRestriction.objects.create(
            user=request.subject,
            request=request,
            reason=request.details or str(request.get_kind_display()),
        )
    request_event_log(request, RequestEvent.Action.RESTRICTED, actor=actor)
    # Art. 19: those who received the data restrict it too.
    from gdpr.disclosures.recipient_notices import notify_recipients

    notify_recipients(request, actor=actor)
    return restriction


@transaction.atomic
def restriction_apply(request: DataSubjectRequest, *, actor: User | None) -> ProcessingRestriction:
    """Restrict the processing of the person's data while the request is handled: their
    data is only stored (left out of marketing, not changed by organization admins).
    Idempotent: a restriction already in force for the request is returned."""
    locked = _lock(request)
    if locked.kind != RequestKind.RESTRICTION:
        raise RequestError(_("Only a restriction request restricts processing."), code="kind")
    _require_status(locked, RequestStatus.IDENTITY_VERIFIED, RequestStatus.IN_PROGRESS)
    if locked.subject is None:
        raise RequestError(
            _("The request names no user account: there is nothing in the service to restrict."),
            code="no_subject",
        )
    restriction = _restrict(locked, actor=actor)
    _sync(request, locked)
    return restriction


@transaction.atomic
def restriction_lift(restriction: ProcessingRestriction, *, actor: User) -> ProcessingRestriction:
    """Lift a restriction. The person is told before processing resumes (Art. 18(3))."""
    locked = (
        ProcessingRestriction.objects.select_for_update(of=("self",))
        .select_related("request__subject")
        .get(pk=restriction.pk)
    )
    if locked.lifted_at is not None:
        raise RequestError(_("The restriction has already been lifted."), code="lifted")
    from gdpr.audit import acting_as

    locked.lifted_at = timezone.now()
    with acting_as(actor):
        locked.save(update_fields=["lifted_at"])
    if locked.request is not None:
        request_event_log(
            locked.request,
            RequestEvent.Action.NOTE,
            actor=actor,
            note=_("Restriction of processing lifted."),
        )
        notify_subject(locked.request, template="restriction_lifted")
    restriction.lifted_at = locked.lifted_at
    return locked


# --- Rectification entered by the controller ----------------------------------------------


@transaction.atomic
def request_rectification_target_set(
    request: DataSubjectRequest, *, target: str, value: str, actor: User
) -> DataSubjectRequest:
    """Name the datum and the correct value of a rectification request that came by
    letter or phone (the person wrote them in words; the controller picks the record)."""
    from gdpr.rectification.services import RectificationError, _resolve

    locked = _lock(request)
    if locked.kind != RequestKind.RECTIFICATION:
        raise RequestError(_("This is not a rectification request."), code="kind")
    _require_status(locked, *OPEN_STATUSES)
    try:
        _resolve(locked.subject, target)
    except RectificationError as error:
        raise RequestError(error.messages, code="target") from error
    value = value.strip()
    if (locked.rectification_target, locked.rectification_value) == (target, value):
        return _sync(request, locked)
    locked.rectification_target = target
    locked.rectification_value = value
    locked.save(update_fields=["rectification_target", "rectification_value"])
    request_event_log(
        locked,
        RequestEvent.Action.NOTE,
        actor=actor,
        note=_("Datum to correct: %(target)s; correct value: %(value)s")
        % {"target": target, "value": value or "—"},
        internal=True,
    )
    return _sync(request, locked)
