"""Restriction of processing (Art. 18): when it takes effect, and how it ends.

Under Art. 18(1)(a) and (d) (accuracy contested, an objection being checked) the person's
data is restricted *while* the controller checks: from the request's receipt
(``restrict_at_receipt``, called by the filing) until its answer, when it is lifted
(``restriction_end_with_request``). Under (b) and (c) the restriction is the outcome the
controller decides: applied when handling starts (or by the desk's step) and kept after
the answer, until it is lifted by hand. A refused request ends whatever restriction it
brought. Whenever a restriction is lifted the person is told first (Art. 18(3)); those who
received the data were told of the restriction when it took effect (Art. 19), and are told
when it is lifted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from gdpr.audit import acting_as
from gdpr.disclosures.recipient_notices import (
    notify_recipients,
    notify_recipients_of_lifting,
)
from gdpr.models import (
    DataSubjectRequest,
    ProcessingRestriction,
    RequestEvent,
    RequestKind,
    RequestStatus,
)
from gdpr.models import request_phrases as phrases
from gdpr.requests import states
from gdpr.requests.base import (
    RequestError,
    desk_step,
    lock_request,
    request_event_log,
    sync_request,
)
from gdpr.requests.emails import notify_subject
from gdpr.requests.states import Step

if TYPE_CHECKING:
    from accounts.models import User


def restrict(request: DataSubjectRequest, *, actor: User | None) -> ProcessingRestriction:
    """The restriction of ``request`` (a locked row whose state allows it), applied once:
    a restriction already in force for it is returned as it is."""
    existing = ProcessingRestriction.objects.in_force().filter(request=request).first()
    if existing is not None:
        return existing
    with acting_as(actor):
        restriction = ProcessingRestriction.objects.create(
            user=request.subject,
            request=request,
            reason=request.details or str(request.get_kind_display()),
        )
    request_event_log(request, RequestEvent.Action.RESTRICTED, actor=actor)
    # Art. 19: those who received the data restrict it too.
    notify_recipients(request, actor=actor)
    return restriction


def restrict_at_receipt(
    request: DataSubjectRequest, *, actor: User | None
) -> ProcessingRestriction | None:
    """Restrict at once a just-filed request whose ground restricts while it is checked
    (Art. 18(1)(a), (d)); None for any other request, or one naming no account."""
    if not request.restricts_while_checked or request.subject_id is None:
        return None
    # The law restricts here, not the person filing: recorded as the service's doing. Were
    # the person the actor of the restriction's audit entries, their erasure would count
    # those entries as references to someone else once it blanks their subject (see
    # ``gdpr.requests.filing.request_file``), and its preview and outcome would disagree.
    if actor is not None and actor.pk == request.subject_id:
        actor = None
    return restrict(request, actor=actor)


def restriction_end_with_request(request: DataSubjectRequest, *, actor: User | None) -> None:
    """Lift, as ``request`` (a locked row) closes, the restriction that was to last only
    while it was handled: under (a) and (d) on any answer, under every ground on a refusal
    (the person did not obtain it). The person is told before it is lifted (Art. 18(3))."""
    if request.kind != RequestKind.RESTRICTION:
        return
    refused = request.status == RequestStatus.REFUSED
    if not (refused or request.restricts_while_checked):
        return
    for restriction in ProcessingRestriction.objects.in_force().filter(request=request):
        _lift(restriction, request, actor=actor)


def _lift(
    restriction: ProcessingRestriction, request: DataSubjectRequest, *, actor: User | None
) -> None:
    # The notice is rendered and queued first: Art. 18(3) has the person informed before
    # the restriction ends, and both go out in the same commit or not at all.
    notify_subject(request, template="restriction_lifted")
    with acting_as(actor):
        restriction.lifted_at = timezone.now()
        restriction.save(update_fields=["lifted_at"])
    request_event_log(
        request,
        RequestEvent.Action.RESTRICTION_LIFTED,
        actor=actor,
        phrase=phrases.RESTRICTION_LIFTED,
    )
    # Those asked to restrict "until further notice" are given that notice.
    notify_recipients_of_lifting(request, actor=actor)


@desk_step
def restriction_apply(request: DataSubjectRequest, *, actor: User | None) -> ProcessingRestriction:
    """Restrict the processing of the person's data while the request is handled: their
    data is only stored (left out of marketing, not changed by organization admins).
    Idempotent: a restriction already in force for the request is returned."""
    locked = lock_request(request)
    states.require(locked, Step.RESTRICT)
    restriction = restrict(locked, actor=actor)
    sync_request(request, locked)
    return restriction


@desk_step
def restriction_lift(restriction: ProcessingRestriction, *, actor: User) -> ProcessingRestriction:
    """Lift a restriction. The person is told before processing resumes (Art. 18(3))."""
    locked = (
        ProcessingRestriction.objects.select_for_update(of=("self",))
        .select_related("request__subject")
        .get(pk=restriction.pk)
    )
    if locked.lifted_at is not None:
        raise RequestError(_("The restriction has already been lifted."), code="lifted")
    if locked.request is not None:
        _lift(locked, locked.request, actor=actor)
    else:
        with acting_as(actor):
            locked.lifted_at = timezone.now()
            locked.save(update_fields=["lifted_at"])
    restriction.lifted_at = locked.lifted_at
    return locked
