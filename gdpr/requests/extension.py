"""Extending a request's deadline (Art. 12(3)) and telling the person of it: by email (the
request records it once the mail has left), or, for someone without an address, by the
letter or call the handler states they made."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from gdpr.models import DataSubjectRequest, RequestEvent
from gdpr.models import request_phrases as phrases
from gdpr.requests import states
from gdpr.requests.base import (
    RequestError,
    desk_step,
    lock_request,
    request_event_log,
    sync_request,
)
from gdpr.requests.deadlines import extended_due_date
from gdpr.requests.emails import notify_subject, subject_address
from gdpr.requests.states import Step

if TYPE_CHECKING:
    from accounts.models import User

EXTENSION_NOTICE_WAYS = ("email", "letter", "phone")


@desk_step
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
    first deadline has passed, with reasons the person is told at once."""
    reason = reason.strip()
    if not reason:
        raise RequestError(_("Give the reasons for the extension."), code="reason")
    if months not in (1, 2):
        raise RequestError(
            _("The deadline can be extended by one or two further months."), code="months"
        )
    locked = lock_request(request)
    states.require(locked, Step.EXTEND)
    _check_how_told(locked, told_by)
    now = timezone.now()
    locked.extended_due_on = extended_due_date(timezone.localdate(locked.received_at), months)
    locked.extension_reason = reason
    locked.save(update_fields=["extended_due_on", "extension_reason"])
    request_event_log(locked, RequestEvent.Action.EXTENDED, actor=actor, note=reason, at=now)
    _tell_of_extension(locked, told_by=told_by, told_note=told_note, actor=actor, at=now)
    return sync_request(request, locked)


@desk_step
def request_extension_tell(
    request: DataSubjectRequest, *, told_by: str, told_note: str = "", actor: User
) -> DataSubjectRequest:
    """Tell the person of an extension again when the first notice did not reach them
    (the mail failed): by email once more, or by the letter or call the handler made."""
    locked = lock_request(request)
    states.require(locked, Step.TELL_EXTENSION)
    _check_how_told(locked, told_by)
    _tell_of_extension(locked, told_by=told_by, told_note=told_note, actor=actor, at=timezone.now())
    return sync_request(request, locked)


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
    request_event_log(
        request,
        RequestEvent.Action.EXTENSION_NOTIFIED,
        actor=actor,
        phrase=(
            phrases.EXTENSION_TOLD_BY_LETTER
            if told_by == "letter"
            else phrases.EXTENSION_TOLD_BY_PHONE
        ),
        note=told_note.strip(),
        internal=True,
        at=at,
    )
