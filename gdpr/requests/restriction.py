"""Restriction of processing (Art. 18): applied when a restriction request is started (or
earlier, while it is handled), lifted with notice to the person."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from gdpr.audit import acting_as
from gdpr.disclosures.recipient_notices import notify_recipients
from gdpr.models import DataSubjectRequest, ProcessingRestriction, RequestEvent
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
    locked.lifted_at = timezone.now()
    locked.save(update_fields=["lifted_at"])
    if locked.request is not None:
        request_event_log(
            locked.request,
            RequestEvent.Action.NOTE,
            actor=actor,
            phrase=phrases.RESTRICTION_LIFTED,
        )
        notify_subject(locked.request, template="restriction_lifted")
    restriction.lifted_at = locked.lifted_at
    return locked
