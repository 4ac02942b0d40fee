"""The privacy notice version a page showed, signed into its form.

A signup or a consent records the version of the notice the person was shown. The page
puts that version into its form signed (``django.core.signing``), and the post is believed
only with a valid signature: a hand-made post can name no version, not a newer one nor
one never shown, and a missing or forged value is a form error, never a guess.
"""

from __future__ import annotations

from django.core import signing

from gdpr.models import NoticeVersion
from gdpr.notice.document import notice_publish

# Its own salt: a value signed for another purpose is no notice version.
SALT = "gdpr.notice.shown"
# A signed number is ~40 characters; anything much longer is not one of ours.
TOKEN_MAX_LENGTH = 200


def notice_shown_token(version: NoticeVersion | None = None) -> str:
    """The signed value a form carries for ``version`` (the current one by default)."""
    version = version or notice_publish()
    return signing.dumps(version.number, salt=SALT)


def notice_shown_version(token: object) -> NoticeVersion | None:
    """The version a form's signed value names; ``None`` when the value is missing,
    forged, signed for something else, or names no published version."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    try:
        number = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if type(number) is not int:
        return None
    return NoticeVersion.objects.filter(number=number).first()
