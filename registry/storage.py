"""Storage for files that must never have a public URL (attachments, exports)."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import FileSystemStorage

# Readable by the service's own user only: exports, signed letters and attachments are
# personal data, and another account on the server has no business reading them.
FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


class PrivateFileSystemStorage(FileSystemStorage):
    """A folder outside MEDIA_ROOT whose files are only ever served through views that
    check who is asking. Asking for a URL is a programming error, not a fallback to
    MEDIA_URL (which plain FileSystemStorage would do). Files are written 0600 in folders
    0700, whatever the process's umask."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("file_permissions_mode", FILE_MODE)
        kwargs.setdefault("directory_permissions_mode", DIRECTORY_MODE)
        super().__init__(**kwargs)

    def url(self, name: str | None) -> str:
        raise NotImplementedError("Private files have no URL; serve them through a view.")
