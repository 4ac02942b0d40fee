"""Storage for files that must never have a public URL (attachments, exports)."""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    """A folder outside MEDIA_ROOT whose files are only ever served through views that
    check who is asking. Asking for a URL is a programming error, not a fallback to
    MEDIA_URL (which plain FileSystemStorage would do)."""

    def url(self, name: str | None) -> str:
        raise NotImplementedError("Private files have no URL; serve them through a view.")
