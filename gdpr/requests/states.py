"""The state machine of a data-subject request, declared once.

A request moves received → identity verified → in progress → completed, and may be refused
from any open status. A closed request takes no further step; only an internal note and
deleting the letter are still possible (neither changes the answer).

``RULES`` says, for every step, in which statuses and for which kinds it is possible,
what else it needs of the request itself (a letter to delete, an extension not yet made),
and which status it leads to. The services refuse a step the table does not allow
(``require``); the desk offers exactly the steps it allows (``desk_steps``). What a step
needs beyond the request's own state — the export being ready before the answer, the
erasure executed, no grounds to refuse an erasure — the service checks itself, and the
form shows why.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gdpr.exports.liveness import export_is_stalled
from gdpr.models import (
    OPEN_STATUSES,
    DataExport,
    DataSubjectRequest,
    RequestChannel,
    RequestKind,
    RequestStatus,
)
from gdpr.requests.base import RequestError

ALL_KINDS = frozenset(RequestKind.values)
ALL_STATUSES = frozenset(RequestStatus.values)
OPEN = frozenset(OPEN_STATUSES)
CLOSED = ALL_STATUSES - OPEN
# The kinds answered with a download of the person's data.
EXPORT_KINDS = frozenset({RequestKind.ACCESS, RequestKind.PORTABILITY})


class Step(enum.StrEnum):
    """The steps of a request; the desk's step views are named after them."""

    VERIFY = "verify"
    START = "start"
    ASSIGN = "assign"
    NOTE = "note"
    EXTEND = "extend"
    TELL_EXTENSION = "tell_extension"
    RETRY_EXPORT = "retry_export"
    RESTRICT = "restrict"
    # The erasure's page (ERASURE: the preview) and the erasure's execution (ERASE).
    ERASURE = "erasure"
    ERASE = "erase"
    # Deciding a rectification, and naming the datum of one that came by letter or phone.
    RECTIFICATION = "rectification"
    RECTIFICATION_TARGET = "rectification_target"
    COMPLETE = "complete"
    REFUSE = "refuse"
    DELETE_LETTER = "delete_letter"


@dataclass(frozen=True)
class Need:
    """Something a step needs of the request beyond its status and kind."""

    holds: Callable[[DataSubjectRequest], bool]
    code: str
    message: Callable[[DataSubjectRequest], str]


WRONG_KIND = _("This step is not possible for this kind of request.")


@dataclass(frozen=True)
class Rule:
    statuses: frozenset[str]
    kinds: frozenset[str] = ALL_KINDS
    # The status the step leads to; None when it leaves the status as it is (or, for the
    # erasure and the rectification, closes the request through COMPLETE or REFUSE).
    to: str | None = None
    needs: tuple[Need, ...] = ()
    # Why a request of another kind cannot take the step (and the error's code).
    wrong_kind: str | Promise = WRONG_KIND
    wrong_kind_code: str = "kind"


def export_of(request: DataSubjectRequest) -> DataExport | None:
    """The request's export, if it has one (kept on the instance once read)."""
    try:
        return request.export
    except DataExport.DoesNotExist:
        return None


RESTRICTABLE = Need(
    lambda r: r.subject_id is not None,
    "no_subject",
    lambda r: gettext(
        "The request names no user account: there is nothing in the service to restrict."
    ),
)
ERASABLE = Need(
    lambda r: r.subject_id is not None,
    "no_subject",
    lambda r: gettext("The request names no account to erase."),
)
# A request filed in the service is decided at once (the session identified the person);
# one that came by letter or phone is verified first.
IDENTIFIED = Need(
    lambda r: (
        r.status != RequestStatus.RECEIVED
        or (r.channel == RequestChannel.WEB and r.subject_id is not None)
    ),
    "identity",
    lambda r: gettext("The controller must verify the person's identity before this is decided."),
)
NOT_EXTENDED = Need(
    lambda r: r.extended_due_on is None,
    "extended",
    lambda r: gettext("The deadline has already been extended; it can be extended only once."),
)
# Art. 12(3): an extension is made, and told, within the first month.
NOT_LATE = Need(
    lambda r: timezone.localdate() <= r.due_on,
    "late",
    lambda r: (
        gettext("The first deadline (%(date)s) has passed: it can no longer be extended.")
        % {"date": r.due_on.strftime("%d.%m.%Y")}
    ),
)
EXTENSION_UNTOLD = Need(
    lambda r: r.extended_due_on is not None and r.extension_notified_at is None,
    "told",
    lambda r: gettext("There is no extension the person still has to be told of."),
)
HAS_EXPORT = Need(
    lambda r: export_of(r) is not None,
    "no_export",
    lambda r: gettext("The request has no export."),
)
# Failed, never started, or left running by a worker that died (gdpr.exports.liveness).
EXPORT_FAILED = Need(
    lambda r: export_is_stalled(export_of(r)),
    "not_failed",
    lambda r: gettext("Only a failed or stalled export is built again."),
)
HAS_LETTER = Need(
    lambda r: bool(r.letter),
    "no_letter",
    lambda r: gettext("The request has no letter to delete."),
)

RULES: dict[Step, Rule] = {
    Step.VERIFY: Rule(frozenset({RequestStatus.RECEIVED}), to=RequestStatus.IDENTITY_VERIFIED),
    Step.START: Rule(frozenset({RequestStatus.IDENTITY_VERIFIED}), to=RequestStatus.IN_PROGRESS),
    Step.ASSIGN: Rule(OPEN),
    # A later call from the person is noted on a closed request too.
    Step.NOTE: Rule(ALL_STATUSES),
    Step.EXTEND: Rule(OPEN, needs=(NOT_EXTENDED, NOT_LATE)),
    Step.TELL_EXTENSION: Rule(OPEN, needs=(EXTENSION_UNTOLD,)),
    Step.RETRY_EXPORT: Rule(
        frozenset({RequestStatus.IN_PROGRESS}),
        kinds=EXPORT_KINDS,
        needs=(HAS_EXPORT, EXPORT_FAILED),
        wrong_kind=_("The request has no export."),
        wrong_kind_code="no_export",
    ),
    Step.RESTRICT: Rule(
        frozenset({RequestStatus.IDENTITY_VERIFIED, RequestStatus.IN_PROGRESS}),
        kinds=frozenset({RequestKind.RESTRICTION}),
        needs=(RESTRICTABLE,),
        wrong_kind=_("Only a restriction request restricts processing."),
    ),
    Step.ERASURE: Rule(OPEN, kinds=frozenset({RequestKind.ERASURE}), needs=(ERASABLE,)),
    # Executing the erasure (gdpr.erasure): once the person is identified. On the desk
    # the answer follows at once, so there it waits for COMPLETE too (in progress).
    Step.ERASE: Rule(
        frozenset({RequestStatus.IDENTITY_VERIFIED, RequestStatus.IN_PROGRESS}),
        kinds=frozenset({RequestKind.ERASURE}),
        needs=(ERASABLE,),
        wrong_kind=_("Only an erasure request can be executed as an erasure."),
    ),
    Step.RECTIFICATION: Rule(
        OPEN,
        kinds=frozenset({RequestKind.RECTIFICATION}),
        needs=(IDENTIFIED,),
        wrong_kind=_("This is not a rectification request."),
    ),
    Step.RECTIFICATION_TARGET: Rule(
        OPEN,
        kinds=frozenset({RequestKind.RECTIFICATION}),
        wrong_kind=_("This is not a rectification request."),
    ),
    Step.COMPLETE: Rule(frozenset({RequestStatus.IN_PROGRESS}), to=RequestStatus.COMPLETED),
    Step.REFUSE: Rule(OPEN, to=RequestStatus.REFUSED),
    # Data minimisation goes on after the answer.
    Step.DELETE_LETTER: Rule(ALL_STATUSES, needs=(HAS_LETTER,)),
}

# Kinds whose answer is part of a step of their own (the erasure's execution, the
# rectification's decision): the desk offers no separate "complete" for them.
ANSWERED_BY = {
    RequestKind.ERASURE: Step.ERASE,
    RequestKind.RECTIFICATION: Step.RECTIFICATION,
}

# The steps the desk offers as buttons, in the order it shows them.
DESK_STEPS = (
    Step.VERIFY,
    Step.START,
    Step.ERASURE,
    Step.RECTIFICATION,
    Step.RETRY_EXPORT,
    Step.COMPLETE,
    Step.EXTEND,
    Step.TELL_EXTENSION,
    Step.ASSIGN,
    Step.REFUSE,
    Step.NOTE,
    Step.DELETE_LETTER,
)


def is_for(request: DataSubjectRequest, step: Step) -> bool:
    """Whether ``step`` exists at all for a request of this kind (whatever its status)."""
    return request.kind in RULES[step].kinds


def problem(request: DataSubjectRequest, step: Step) -> RequestError | None:
    """Why ``request`` cannot take ``step`` as it stands (None when it can)."""
    rule = RULES[step]
    if request.kind not in rule.kinds:
        return RequestError(str(rule.wrong_kind), code=rule.wrong_kind_code)
    if request.status not in rule.statuses:
        status = request.get_status_display()
        if request.status in CLOSED:
            return RequestError(
                gettext("The request is closed (%(status)s): no further step is possible.")
                % {"status": status},
                code="closed",
            )
        return RequestError(
            gettext("This step is not possible while the request is “%(status)s”.")
            % {"status": status},
            code="status",
        )
    for need in rule.needs:
        if not need.holds(request):
            return RequestError(need.message(request), code=need.code)
    return None


def allows(request: DataSubjectRequest, step: Step) -> bool:
    return problem(request, step) is None


def require(request: DataSubjectRequest, step: Step) -> None:
    """Raise ``RequestError`` unless ``request`` can take ``step`` now."""
    error = problem(request, step)
    if error is not None:
        raise error


def next_status(step: Step) -> str:
    """The status ``step`` leads to (for the steps that move the request)."""
    to = RULES[step].to
    if to is None:
        raise ValueError(f"{step} leaves the status as it is")
    return to


def erasable_with_answer(request: DataSubjectRequest) -> bool:
    """Whether the desk may erase now: it answers the person in the same step, so the
    request must allow both the erasure and the completion."""
    return allows(request, Step.ERASE) and allows(request, Step.COMPLETE)


def desk_steps(request: DataSubjectRequest) -> list[Step]:
    """The steps the desk offers for ``request`` as it stands, in the desk's order."""
    return [
        step
        for step in DESK_STEPS
        if allows(request, step) and not (step == Step.COMPLETE and request.kind in ANSWERED_BY)
    ]
