"""What every step of a data-subject request shares: its error, the request's trail, the
row lock, and the transaction with the audit actor.

This module depends on nothing else of the workflow, so the capabilities a step calls
(exports, erasure, rectification, Art. 19 notices) can log to a request's trail without
importing the steps back.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from gdpr.audit import acting_as
from gdpr.erasure.redaction import request_redaction
from gdpr.models import DataSubjectRequest, RequestEvent

if TYPE_CHECKING:
    from accounts.models import User


class RequestError(ValidationError):
    """A step that the request's state or the law does not allow."""


def desk_step[**P, R](function: Callable[P, R]) -> Callable[P, R]:
    """Run a step in one transaction, with the audit trail naming the step's ``actor``
    (a keyword argument of every step): whoever calls it, browser, admin or task."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic(), acting_as(kwargs.get("actor")):
            return function(*args, **kwargs)

    return run


def request_event_log(
    request: DataSubjectRequest,
    action: str,
    *,
    actor: User | None,
    note: str = "",
    phrase: str = "",
    params: dict[str, Any] | None = None,
    internal: bool = False,
    at: datetime.datetime | None = None,
    assignee: User | None = None,
) -> RequestEvent:
    """Append one step to a request's trail (never edited afterwards). ``phrase`` and
    ``params`` are what the service says (gdpr.models.request_phrases), shown in the
    reader's language; ``note`` is what a person wrote. Once the person is erased, the
    note and the values lose their addresses, phone numbers and IBANs."""
    redaction = request_redaction(request.outcome)
    return RequestEvent.objects.create(
        request=request,
        action=action,
        actor=actor,
        assignee=assignee,
        note=redaction.apply(note),
        phrase=phrase,
        params=redaction.apply_json(params or {}),
        internal=internal,
        at=at or timezone.now(),
    )


def lock_request(request: DataSubjectRequest) -> DataSubjectRequest:
    """The request's row, locked until the transaction ends, as it is now: two handlers
    clicking at once cannot both move it, and a stale copy cannot move it twice."""
    return (
        DataSubjectRequest.objects.select_for_update(of=("self",))
        .select_related("subject")
        .get(pk=request.pk)
    )


def sync_request(target: DataSubjectRequest, source: DataSubjectRequest) -> DataSubjectRequest:
    """Copy the stored values into the caller's instance, so it need not reload."""
    for field in DataSubjectRequest._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


def has_event(request: DataSubjectRequest, action: str) -> bool:
    return request.events.filter(action=action).exists()
