"""Recording a data-subject request as received: filed by the person in the service, or
entered by the controller when it came by letter, email or phone.

Other capabilities file requests of their own (a rectification asked on its page, an
erasure asked by the member): they call ``request_file``, which depends on nothing of the
desk's steps.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from gdpr.keys import email_key
from gdpr.models import (
    DataSubjectRequest,
    MarketingChannel,
    RequestChannel,
    RequestEvent,
    RequestKind,
    RestrictionGround,
)
from gdpr.requests.base import RequestError, desk_step, request_event_log
from gdpr.requests.deadlines import due_date
from gdpr.requests.emails import notify_subject
from gdpr.requests.restriction import restrict_at_receipt

if TYPE_CHECKING:
    from django.core.files import File

    from accounts.models import User

# Channels the controller enters by hand; WEB requests are filed by the person.
ENTERED_CHANNELS = tuple(c for c in RequestChannel if c != RequestChannel.WEB)


def request_due_on(received_at: datetime.datetime) -> datetime.date:
    return due_date(timezone.localdate(received_at))


# Not ``desk_step``: the filing is recorded as made by whoever the context names (the
# person in the browser, the controller in the admin).
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
    holder: Model | None = None,
    rectification_target: str = "",
    rectification_value: str = "",
    marketing_channels: list[str] | None = None,
    letter: File | None = None,
    restriction_ground: RestrictionGround | str = "",
) -> DataSubjectRequest:
    """Record a request as received. The controller then confirms identity (for a
    signed-in subject filing in the browser, the session and re-authentication suffice).

    ``holder``: whose records the request is about, when another app's row holds them
    (e.g. an organization, whose admins may decide a rectification of them).
    ``restriction_ground``: a restriction request's Art. 18(1) ground; under (a) and (d)
    the person's data is restricted as the request is recorded, not when it is started
    (``gdpr.requests.restriction``)."""
    if restriction_ground and kind != RequestKind.RESTRICTION:
        raise RequestError(
            _("Only a restriction request has a ground for restriction."),
            code="restriction_ground",
        )
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
        restriction_ground=restriction_ground,
        created_by=actor,
    )
    if letter is not None:
        request.letter = letter
    request.full_clean(exclude=["due_on", "letter"])
    request.save()
    request_event_log(request, RequestEvent.Action.RECEIVED, actor=actor, at=received_at)
    restrict_at_receipt(request, actor=actor)
    return request


def entry_errors(
    *,
    kind: str,
    channel: str,
    received_at: datetime.datetime,
    subject: User | None,
    subject_email: str,
    marketing_channels: Iterable[str],
    now: datetime.datetime | None = None,
    restriction_ground: str = "",
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
    if kind == RequestKind.RESTRICTION and restriction_ground not in RestrictionGround.values:
        # The ground decides whether the data is restricted from receipt (Art. 18(1)).
        errors["restriction_ground"] = _("Choose the ground on which the restriction is asked.")
    elif kind != RequestKind.RESTRICTION and restriction_ground:
        errors["restriction_ground"] = _("Only a restriction request has a ground for restriction.")
    return errors


@desk_step
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
    letter: File | None = None,
    holder: Model | None = None,
    rectification_target: str = "",
    rectification_value: str = "",
    marketing_channels: list[str] | None = None,
    acknowledge: bool = True,
    restriction_ground: RestrictionGround | str = "",
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
        restriction_ground=str(restriction_ground),
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
        restriction_ground=restriction_ground,
    )
    if acknowledge:
        notify_subject(request, template="received")
    return request
