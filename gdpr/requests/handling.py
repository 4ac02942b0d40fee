"""The desk's steps while a request is handled: verifying the person's identity, starting
(and setting off what the kind needs at once), building a failed export again, assigning
a handler, internal notes, deleting the scanned letter.

Every step locks the request row first and asks ``gdpr.requests.states`` whether the
request, as it stands now, can take it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.sources import DataSource
from gdpr.exports.services import export_start
from gdpr.keys import email_key
from gdpr.marketing.services import marketing_ban, marketing_ban_all
from gdpr.models import (
    DataExport,
    DataSubjectRequest,
    IdentityMethod,
    MarketingChannel,
    RequestEvent,
    RequestKind,
    Suppression,
)
from gdpr.models import request_phrases as phrases
from gdpr.requests import states
from gdpr.requests.base import (
    RequestError,
    desk_step,
    has_event,
    lock_request,
    request_event_log,
    sync_request,
)
from gdpr.requests.restriction import restrict
from gdpr.requests.states import EXPORT_KINDS, Step

if TYPE_CHECKING:
    from accounts.models import User


@desk_step
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
    locked = lock_request(request)
    states.require(locked, Step.VERIFY)
    note = note.strip()
    now = timezone.now()
    locked.status = states.next_status(Step.VERIFY)
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
    request_event_log(
        locked,
        RequestEvent.Action.IDENTITY_VERIFIED,
        actor=actor,
        phrase=phrases.IDENTITY_VERIFIED,
        params={"method": str(method)},
        note=note,
        at=now,
    )
    return sync_request(request, locked)


@desk_step
def request_start(request: DataSubjectRequest, *, actor: User | None) -> DataSubjectRequest:
    """Start handling a verified request and set off what its kind needs at once: the
    export of an access or portability request, the ban of an objection to direct
    marketing (absolute: no balancing, Art. 21(3)), the restriction of processing."""
    locked = lock_request(request)
    states.require(locked, Step.START)
    now = timezone.now()
    locked.status = states.next_status(Step.START)
    locked.save(update_fields=["status"])
    request_event_log(locked, RequestEvent.Action.STARTED, actor=actor, at=now)
    subject = locked.subject
    if locked.kind in EXPORT_KINDS and subject is not None:
        export_start(locked, actor=actor)
    elif locked.kind == RequestKind.OBJECTION:
        _ban_marketing(locked, actor=actor)
    elif locked.kind == RequestKind.RESTRICTION and subject is not None:
        restrict(locked, actor=actor)
    return sync_request(request, locked)


def _ban_marketing(request: DataSubjectRequest, *, actor: User | None) -> None:
    # A member's own objection is banned as it is filed (gdpr.requests.member): no second
    # ban and no second step then.
    if has_event(request, RequestEvent.Action.MARKETING_BANNED):
        return
    if request.subject is None:
        _suppress_marketing(request, actor=actor)
        return
    if request.marketing_channels:
        bans = marketing_ban(
            request.subject,
            channels=request.marketing_channels,
            source=DataSource.CONTROLLER,
            actor=actor,
        )
    else:
        bans = marketing_ban_all(request.subject, source=DataSource.CONTROLLER, actor=actor)
    request_event_log(
        request,
        RequestEvent.Action.MARKETING_BANNED,
        actor=actor,
        phrase=phrases.MARKETING_BANNED,
        params={"channels": [str(ban.channel) for ban in bans]},
    )


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
        phrase=phrases.MARKETING_NO_ACCOUNT,
    )


@desk_step
def request_export_retry(request: DataSubjectRequest, *, actor: User) -> DataExport:
    """Queue a failed export once more (the build retries by itself first; this is the
    controller's hand after it gave up)."""
    locked = lock_request(request)
    states.require(locked, Step.RETRY_EXPORT)
    export = export_start(locked, actor=actor)
    sync_request(request, locked)
    return export


@desk_step
def request_assign(
    request: DataSubjectRequest, *, handler: User | None, actor: User
) -> DataSubjectRequest:
    """Give the request to a handler of the controller's staff (None: nobody)."""
    if handler is not None and not (handler.is_staff and handler.is_active):
        raise RequestError(_("Only active staff can handle requests."), code="handler")
    locked = lock_request(request)
    states.require(locked, Step.ASSIGN)
    if locked.handler_id == (handler.pk if handler else None):
        return sync_request(request, locked)
    locked.handler = handler
    locked.save(update_fields=["handler"])
    request_event_log(
        locked,
        RequestEvent.Action.ASSIGNED,
        actor=actor,
        assignee=handler,
        internal=True,
    )
    return sync_request(request, locked)


@desk_step
def request_note(request: DataSubjectRequest, *, note: str, actor: User) -> RequestEvent:
    """An internal note for the controller's staff; the person never sees it. Possible on
    a closed request too (e.g. a later call from the person)."""
    note = note.strip()
    if not note:
        raise RequestError(_("Write the note."), code="note")
    locked = lock_request(request)
    states.require(locked, Step.NOTE)
    return request_event_log(
        locked, RequestEvent.Action.NOTE, actor=actor, note=note, internal=True
    )


@desk_step
def request_delete_letter(request: DataSubjectRequest, *, actor: User) -> DataSubjectRequest:
    """Delete the scanned letter from private storage once it has served its purpose
    (data minimisation); the trail keeps the fact that there was one. The file goes only
    after the commit, so a rollback never leaves a row pointing at nothing."""
    locked = lock_request(request)
    states.require(locked, Step.DELETE_LETTER)
    name = locked.letter.name
    storage = locked.letter.storage
    locked.letter = ""
    locked.save(update_fields=["letter"])
    request_event_log(locked, RequestEvent.Action.LETTER_DELETED, actor=actor, internal=True)
    transaction.on_commit(lambda: storage.delete(name))
    return sync_request(request, locked)
