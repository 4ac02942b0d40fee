"""Closing a data-subject request: the answer that completes it, or the refusal with its
grounds (Art. 12(4)). Either way the person is mailed and the request takes no further
step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from gdpr.erasure import services as erasure
from gdpr.erasure.redaction import Redaction, request_redaction
from gdpr.exports.services import export_download_url
from gdpr.models import DataExport, DataSubjectRequest, RequestEvent, RequestKind
from gdpr.requests import states
from gdpr.requests.base import (
    RequestError,
    desk_step,
    has_event,
    lock_request,
    request_event_log,
    sync_request,
)
from gdpr.requests.emails import notify_subject
from gdpr.requests.restriction import restriction_end_with_request
from gdpr.requests.states import EXPORT_KINDS, Step

if TYPE_CHECKING:
    from accounts.models import User

# What must exist before the request is completed, by kind: the step that records the
# outcome the answer tells of.
COMPLETION_EVIDENCE = {
    RequestKind.ERASURE: RequestEvent.Action.ERASURE_EXECUTED,
    RequestKind.RECTIFICATION: RequestEvent.Action.RECTIFIED,
    RequestKind.RESTRICTION: RequestEvent.Action.RESTRICTED,
    RequestKind.OBJECTION: RequestEvent.Action.MARKETING_BANNED,
}


def completion_problem(request: DataSubjectRequest) -> str:
    """Why the request cannot be completed yet ("" when it can)."""
    if request.kind in EXPORT_KINDS and request.subject_id is not None:
        export = DataExport.objects.filter(request=request).only("status").first()
        if export is None or export.status != DataExport.Status.READY:
            return _("The export is not ready yet: the answer is the person's data.")
    evidence = COMPLETION_EVIDENCE.get(request.kind)
    if evidence is None or has_event(request, evidence):
        return ""
    if request.kind == RequestKind.ERASURE:
        return _("Execute the erasure first.")
    if request.kind == RequestKind.RECTIFICATION:
        return _("Decide the rectification: accepting it applies the correction.")
    if request.kind == RequestKind.RESTRICTION:
        return _("The restriction has not been applied.")
    return _("Direct marketing has not been banned.")


@desk_step
def request_complete(
    request: DataSubjectRequest,
    *,
    response: str,
    actor: User | None,
    notify_to: str = "",
    notify_language: str = "",
    redact: Redaction | None = None,
) -> DataSubjectRequest:
    """Send the answer and close the request as completed. What the kind requires must
    have been done first (the export ready, the erasure executed, the correction applied,
    the restriction or ban in force). A restriction that was to hold only while the
    request was handled (Art. 18(1)(a), (d)) is lifted, the person told first.

    ``notify_to``/``notify_language``: where to send the answer when the request no longer
    holds an address (an erasure blanks it) — taken before the erasure ran.
    ``redact``: the erased person's values (taken before the erasure ran), sent in the
    answer but not kept in the request, its steps or its audit trail."""
    response = response.strip()
    if not response:
        raise RequestError(_("Write the answer to the person."), code="response")
    locked = lock_request(request)
    states.require(locked, Step.COMPLETE)
    problem = completion_problem(locked)
    if problem:
        raise RequestError(problem, code="not_done")
    now = timezone.now()
    redaction = (redact or Redaction()).merged(request_redaction(locked.outcome))
    kept_response = redaction.apply(response)
    locked.status = states.next_status(Step.COMPLETE)
    locked.response = kept_response
    locked.responded_at = now
    locked.closed_at = now
    locked.save(update_fields=["status", "response", "responded_at", "closed_at"])
    notify_subject(
        locked,
        template="completed",
        context=_answer_context(locked, response),
        to=notify_to,
        language=notify_language,
        # After an erasure, a communication record would bring the address back.
        record=locked.kind != RequestKind.ERASURE,
    )
    request_event_log(
        locked, RequestEvent.Action.RESPONDED, actor=actor, note=kept_response, at=now
    )
    request_event_log(locked, RequestEvent.Action.COMPLETED, actor=actor, at=now)
    # Accuracy checked, objection decided: the restriction that held meanwhile ends.
    restriction_end_with_request(locked, actor=actor)
    return sync_request(request, locked)


def _answer_context(request: DataSubjectRequest, response: str) -> dict:
    context: dict = {"response": response}
    if request.kind == RequestKind.ERASURE:
        # The account is gone or emptied: no page to follow the request on.
        context["request_url"] = ""
        # Art. 17(3) and 12(4): what was not erased, until when and why.
        context["kept"] = erasure.kept_after_erasure(request.outcome)
        # Records no key pointed at, which the erasure reached because the handler found
        # them under the person's details.
        context["attached"] = erasure.attached_after_erasure(request.outcome)
    export = _ready_export(request)
    if export is not None:
        context |= {"download_url": export_download_url(export), "expires_at": export.expires_at}
    return context


def _ready_export(request: DataSubjectRequest) -> DataExport | None:
    if request.kind not in EXPORT_KINDS:
        return None
    return DataExport.objects.filter(request=request, status=DataExport.Status.READY).first()


@desk_step
def request_refuse(
    request: DataSubjectRequest, *, reason: str, actor: User | None
) -> DataSubjectRequest:
    """Refuse the request with the grounds (Art. 12(4)): the person is told why, and that
    they may complain to the Data Protection Ombudsman and go to court. A restriction the
    request brought is lifted, the person told first (Art. 18(3))."""
    reason = reason.strip()
    if not reason:
        raise RequestError(_("Give the grounds for refusing."), code="reason")
    locked = lock_request(request)
    states.require(locked, Step.REFUSE)
    now = timezone.now()
    locked.status = states.next_status(Step.REFUSE)
    locked.refusal_reason = reason
    locked.response = reason
    locked.responded_at = now
    locked.closed_at = now
    locked.save(update_fields=["status", "refusal_reason", "response", "responded_at", "closed_at"])
    notify_subject(locked, template="refused", context={"reason": reason})
    request_event_log(locked, RequestEvent.Action.RESPONDED, actor=actor, note=reason, at=now)
    request_event_log(locked, RequestEvent.Action.REFUSED, actor=actor, note=reason, at=now)
    restriction_end_with_request(locked, actor=actor)
    return sync_request(request, locked)
