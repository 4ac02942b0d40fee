"""Writes for the privacy notice: which version a person was shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .models import NoticeAcknowledgement
from .notice import notice_publish

if TYPE_CHECKING:
    from accounts.models import User


def notice_acknowledge(user: User, *, context: str) -> NoticeAcknowledgement:
    """Record that ``user`` was shown the current notice (publishing it if it changed)."""
    return NoticeAcknowledgement.objects.create(
        user=user, version=notice_publish(), context=context
    )
