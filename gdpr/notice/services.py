"""Writes for the privacy notice: which version a person was shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gdpr.models import NoticeAcknowledgement, NoticeVersion
from gdpr.notice.document import notice_publish

if TYPE_CHECKING:
    from accounts.models import User


def notice_version_shown(number: object) -> NoticeVersion:
    """The version a page showed, by the number it carried in its form; the current one
    when the number is missing or names no version (an old tab, a hand-made post)."""
    try:
        shown = int(str(number))
    except (TypeError, ValueError):
        shown = None
    if shown is not None:
        version = NoticeVersion.objects.filter(number=shown).first()
        if version is not None:
            return version
    return notice_publish()


def notice_acknowledge(user: User, *, context: str, shown: object = None) -> NoticeAcknowledgement:
    """Record that ``user`` was shown the notice: the version the page carried (a newer
    one may have been published since it was loaded), else the current one."""
    return NoticeAcknowledgement.objects.create(
        user=user, version=notice_version_shown(shown), context=context
    )
