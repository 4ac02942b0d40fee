"""Naming what a rectification request that came by letter or phone asks to correct: the
person wrote it in words, the controller picks the record and the correct value.

Deciding the rectification is ``gdpr.rectification.services.rectification_decide``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gdpr.models import DataSubjectRequest, RequestEvent
from gdpr.models import request_phrases as phrases
from gdpr.rectification.services import RectificationError, datum_of
from gdpr.requests import states
from gdpr.requests.base import (
    RequestError,
    desk_step,
    lock_request,
    request_event_log,
    sync_request,
)
from gdpr.requests.states import Step

if TYPE_CHECKING:
    from accounts.models import User


@desk_step
def request_rectification_target_set(
    request: DataSubjectRequest, *, target: str, value: str, actor: User
) -> DataSubjectRequest:
    """Name the datum and the correct value of a rectification request (the datum must
    be one of the person's own)."""
    locked = lock_request(request)
    states.require(locked, Step.RECTIFICATION_TARGET)
    try:
        datum_of(locked.subject, target)
    except RectificationError as error:
        raise RequestError(error.messages, code="target") from error
    value = value.strip()
    if (locked.rectification_target, locked.rectification_value) == (target, value):
        return sync_request(request, locked)
    locked.rectification_target = target
    locked.rectification_value = value
    locked.save(update_fields=["rectification_target", "rectification_value"])
    request_event_log(
        locked,
        RequestEvent.Action.NOTE,
        actor=actor,
        phrase=phrases.RECTIFICATION_TARGET,
        params={"target": target, "value": value or "—"},
        internal=True,
    )
    return sync_request(request, locked)
