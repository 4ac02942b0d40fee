"""Handing a private file to someone a view has already checked.

Every download of a private file (an access export, a communication's attachment, a
signed letter) goes through here, so how files leave storage is decided in one place:
streamed through the web process from private storage in chunks (the default, and the
only way for the local folder), or, with ``PRIVATE_STORAGE_DOWNLOAD=redirect`` on object
storage, a redirect to a link to the object that works for
``PRIVATE_STORAGE_SIGNED_URL_SECONDS`` seconds. Either way the check comes first: the
caller opens the download only for a person allowed to have the file.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.http import FileResponse, HttpResponse, HttpResponseRedirect

try:  # Only on object storage; the local folder raises OSError alone.
    from botocore.exceptions import BotoCoreError, ClientError

    _STORAGE_ERRORS: tuple[type[BaseException], ...] = (OSError, BotoCoreError, ClientError)
except ImportError:  # pragma: no cover - botocore is a dependency
    _STORAGE_ERRORS = (OSError,)

REDIRECT = "redirect"
STREAM = "stream"

# Personal data: no shared or browser cache keeps a copy.
CACHE_CONTROL = "no-store, private"


class StorageUnavailable(Exception):
    """Private storage did not answer (a bucket unreachable, a disk failing): the person is
    told to try again in a moment (registry.middleware answers 503); nothing was lost."""


@dataclass
class PrivateDownload:
    """A private file ready to leave: an open handle to stream, or a signed link."""

    filename: str
    content_type: str
    handle: File | None = None
    signed_url: str = ""

    def response(self) -> HttpResponse:
        if self.signed_url:
            response: HttpResponse = HttpResponseRedirect(self.signed_url)
            # The link is a credential for a minute: it must not leak to the next site.
            response["Referrer-Policy"] = "no-referrer"
        else:
            response = FileResponse(
                self.handle,
                as_attachment=True,
                filename=self.filename,
                content_type=self.content_type,
            )
            # The storage knows the size; FileResponse would guess it from a local path
            # named like the object, which on object storage is not the file.
            size = getattr(self.handle, "size", None)
            if size is not None:
                response["Content-Length"] = str(size)
        response["Cache-Control"] = CACHE_CONTROL
        return response

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


def redirects(storage: Any) -> bool:
    """Whether downloads from ``storage`` are redirects to signed links."""
    return settings.PRIVATE_STORAGE_DOWNLOAD == REDIRECT and hasattr(storage, "signed_url")


def private_download(
    storage: Any, name: str, *, filename: str, content_type: str = ""
) -> PrivateDownload:
    """Open ``name`` in ``storage`` for someone already allowed to have it.

    Raises ``FileNotFoundError`` when there is no such file (the view answers 404), and
    ``StorageUnavailable`` when the storage does not answer.
    """
    if not name:
        raise FileNotFoundError("No file.")
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    try:
        if redirects(storage):
            if not storage.exists(name):
                raise FileNotFoundError(name)
            url = storage.signed_url(
                name,
                filename=filename,
                content_type=content_type,
                expire=settings.PRIVATE_STORAGE_SIGNED_URL_SECONDS,
            )
            return PrivateDownload(filename=filename, content_type=content_type, signed_url=url)
        handle = storage.open(name, "rb")
    except FileNotFoundError:
        raise
    except _STORAGE_ERRORS as error:
        raise StorageUnavailable(str(error)) from error
    return PrivateDownload(filename=filename, content_type=content_type, handle=handle)
