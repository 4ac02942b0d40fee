"""Writes for the privacy notice: which version a person was shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gdpr.models import NoticeAcknowledgement, NoticeVersion
from gdpr.notice.document import notice_publish

if TYPE_CHECKING:
    from accounts.models import User


def notice_acknowledge(
    user: User, *, context: str, shown: NoticeVersion | None = None
) -> NoticeAcknowledgement:
    """Record that ``user`` was shown the notice: ``shown``, the version a page's signed
    form carried (``gdpr.notice.shown``; a newer one may have been published since it was
    loaded). Without a page (the controller's own records, demo data) the current one."""
    return NoticeAcknowledgement.objects.create(
        user=user, version=shown or notice_publish(), context=context
    )
