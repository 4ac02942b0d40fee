"""Erasure (Art. 17): the services the rest of gdpr calls, in one place.

The work is done in the modules beside this one: ``plan`` (the preview shown to the person
and the controller, and the grounds for refusing), ``execute`` (the erasure itself),
``rows`` (the querysets both read), ``answer`` (what is kept), ``redaction`` (the
person's values out of the texts kept after), ``hooks`` (what the apps declare: refusal
grounds, warnings, erasers, legal claims, decisions), ``claims`` (rows kept for a
legal claim, and their erasure once it is settled). Here: filing an erasure request and
noting its preview.

Everything is driven by the personal-data registry and the apps' hooks: each model's
entry says how to find the person's rows and whether they are deleted, anonymised or kept
until a date on a legal basis, so gdpr erases an app's data without importing the app.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from gdpr.erasure.answer import attached_after_erasure, kept_after_erasure, outcome_lines
from gdpr.erasure.execute import (
    ErasureError,
    ErasureOutcome,
    ErasureRefused,
    ErasureUndecided,
    decision_field,
    erasure_execute,
)
from gdpr.erasure.hooks import Audience, DecisionCase, ErasureDecision, decisions_for
from gdpr.erasure.plan import (
    ACTION_LABELS,
    Action,
    ErasurePlan,
    KeptRecord,
    PlanItem,
    erasure_plan,
    erasure_refusal_grounds,
)
from gdpr.erasure.redaction import Redaction, redaction_for
from gdpr.erasure.rows import anonymise_rows, delete_files_on_commit
from gdpr.models import OPEN_STATUSES, DataSubjectRequest, RequestEvent, RequestKind
from gdpr.requests.base import request_event_log
from gdpr.requests.emails import notify_subject
from gdpr.requests.filing import request_file

__all__ = [
    "ACTION_LABELS",
    "Action",
    "Audience",
    "ErasureError",
    "ErasureOutcome",
    "ErasurePlan",
    "ErasureRefused",
    "ErasureUndecided",
    "KeptRecord",
    "OpenErasureRequest",
    "PlanItem",
    "Redaction",
    "anonymise_rows",
    "attached_after_erasure",
    "decision_field",
    "delete_files_on_commit",
    "erasure_decision_cases",
    "erasure_execute",
    "erasure_file",
    "erasure_plan",
    "erasure_preview_record",
    "erasure_refusal_grounds",
    "kept_after_erasure",
    "open_erasure_request",
    "outcome_lines",
    "redaction_for",
]


def erasure_decision_cases(user: User) -> list[tuple[ErasureDecision, list[DecisionCase]]]:
    """What the handler must decide before erasing ``user`` (the apps' decisions)."""
    return decisions_for(user)


def erasure_preview_record(request: DataSubjectRequest, *, actor: User | None) -> None:
    """Note on an erasure request that its preview was shown (once per person looking)."""
    if request.kind != RequestKind.ERASURE:
        return
    if request.events.filter(action=RequestEvent.Action.ERASURE_PREVIEWED, actor=actor).exists():
        return
    request_event_log(request, RequestEvent.Action.ERASURE_PREVIEWED, actor=actor)


# --- Filing (the member, in the browser) ---------------------------------------------------


class OpenErasureRequest(ErasureError):
    """The person already has an erasure request waiting for the controller."""


def open_erasure_request(user: User) -> DataSubjectRequest | None:
    return (
        DataSubjectRequest.objects.filter(
            subject=user, kind=RequestKind.ERASURE, status__in=OPEN_STATUSES
        )
        .order_by("-received_at")
        .first()
    )


@transaction.atomic
def erasure_file(user: User, *, details: str = "") -> DataSubjectRequest:
    """The signed-in person asks for erasure after seeing the preview (the step log says
    so); one open erasure request at a time, so a double click files one."""
    # Serialises filing per person, so the check below holds under concurrent posts.
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk"))
    if open_erasure_request(user) is not None:
        raise OpenErasureRequest(
            _("You already have an open erasure request. It is handled within a month.")
        )
    request = request_file(
        subject=user, kind=RequestKind.ERASURE, actor=user, details=details.strip()
    )
    request_event_log(request, RequestEvent.Action.ERASURE_PREVIEWED, actor=user)
    notify_subject(request, template="received")
    return request
