"""A signed-in member's own data-subject requests: filing them in the browser, and reading
them back for the privacy pages.

The controller's desk (``gdpr.requests.services``) takes them from there. An objection to direct
marketing is the exception: it is absolute (Art. 21(3)), so the ban is recorded at once,
in the same transaction as the request, and the request's trail shows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.sources import DataSource
from gdpr.audit import acting_as
from gdpr.marketing.services import marketing_ban
from gdpr.models import (
    OPEN_STATUSES,
    DataSubjectRequest,
    MarketingChannel,
    RequestChannel,
    RequestEvent,
    RequestKind,
)
from gdpr.models import request_phrases as phrases
from gdpr.requests.base import RequestError, request_event_log
from gdpr.requests.emails import notify_subject
from gdpr.requests.filing import request_file

if TYPE_CHECKING:
    from accounts.models import User

# What a member files from the privacy page; rectification and erasure have their own
# pages (gdpr.views.rectification, gdpr.views.erasure).
MEMBER_KINDS = (
    RequestKind.ACCESS,
    RequestKind.PORTABILITY,
    RequestKind.RESTRICTION,
    RequestKind.OBJECTION,
    RequestKind.PROCESSING_OBJECTION,
)


class OpenRequestExists(RequestError):
    """The member already has an open request of this kind."""


def requests_of(user: User) -> QuerySet[DataSubjectRequest]:
    """``user``'s own requests, newest first, with their exports (one query)."""
    return (
        DataSubjectRequest.objects.filter(subject=user)
        .select_related("export")
        .order_by("-received_at", "-pk")
    )


def open_kinds(requests: list[DataSubjectRequest]) -> set[str]:
    return {r.kind for r in requests if r.status in OPEN_STATUSES}


def member_request_file(
    user: User,
    *,
    kind: RequestKind | str,
    details: str = "",
    marketing_channels: list[str] | None = None,
    restriction_ground: str = "",
) -> DataSubjectRequest:
    """File a request as the signed-in ``user`` (who is the actor): one open request of a
    kind at a time, so a double click or a second tab does not start the controller's work
    twice. A restriction on ground (a) or (d) is in force once this returns."""
    if kind not in MEMBER_KINDS:
        raise RequestError(_("This request cannot be filed here."), code="kind")
    with transaction.atomic(), acting_as(user):
        # Serialises filing per person, so the check below holds under concurrent posts.
        list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))
        if DataSubjectRequest.objects.filter(
            subject=user, kind=kind, status__in=OPEN_STATUSES
        ).exists():
            raise OpenRequestExists(
                _(
                    "You already have an open request of this kind. It is listed below; you"
                    " can file a new one once it has been answered."
                ),
                code="open_request",
            )
        channels = list(marketing_channels or [])
        request = request_file(
            subject=user,
            kind=kind,
            actor=user,
            channel=RequestChannel.WEB,
            details=details,
            marketing_channels=channels,
            restriction_ground=restriction_ground,
        )
        if kind == RequestKind.OBJECTION:
            _ban_at_once(request, user=user, channels=channels)
        # A written acknowledgement with the deadline, sent after the commit.
        notify_subject(request, template="received")
    return request


def _ban_at_once(request: DataSubjectRequest, *, user: User, channels: list[str]) -> None:
    bans = marketing_ban(
        user,
        channels=channels or MarketingChannel.values,
        source=DataSource.SUBJECT,
        actor=user,
    )
    # Channel codes: the step names them in the language of whoever reads it.
    request_event_log(
        request,
        RequestEvent.Action.MARKETING_BANNED,
        actor=user,
        phrase=phrases.MARKETING_BANNED,
        params={"channels": [str(b.channel) for b in bans]},
    )
