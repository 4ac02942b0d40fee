"""Storage for files that must never have a public URL (attachments, letters, exports).

Two backends, chosen in settings: a private folder on the local disk (one host, or a folder
every node shares), or a private bucket on S3-compatible object storage that every node
reaches. Both are used only through Django's Storage API, and neither hands out a URL:
files leave only through the views that check who is asking (``registry.downloads``).
"""

from __future__ import annotations

import io
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError
from django.conf import settings
from django.core import checks
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

# Readable by the service's own user only: exports, signed letters and attachments are
# personal data, and another account on the server has no business reading them.
FILE_MODE = 0o600
DIRECTORY_MODE = 0o700

# ACLs that would let someone other than the bucket's owner read an object.
PUBLIC_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})


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


class StreamedObject(File):
    """An object read from the bucket as it arrives, in the chunks the reader asks for.

    django-storages' own file downloads the whole object into a temporary file before the
    first byte can be read; a large export would then wait, and fill memory or disk, on
    every node that serves it.
    """

    def __init__(self, body: Any, *, name: str, size: int) -> None:
        super().__init__(body, name=name)
        self._size = size
        self._position = 0

    @property
    def size(self) -> int:
        return self._size

    def read(self, size: int = -1) -> bytes:
        chunk = self.file.read(None if size is None or size < 0 else size)
        self._position += len(chunk)
        return chunk

    def tell(self) -> int:
        return self._position

    def seekable(self) -> bool:
        return False

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        # Django's File.chunks() rewinds before reading; at the start that is no move.
        if whence == io.SEEK_SET and offset == self._position:
            return self._position
        raise io.UnsupportedOperation("An object read from the bucket cannot seek.")

    def open(self, mode: str | None = None) -> StreamedObject:
        if mode not in (None, "rb"):
            raise ValueError("An object read from the bucket opens for reading only.")
        return self

    def close(self) -> None:
        self.file.close()

    @property
    def closed(self) -> bool:
        return bool(getattr(self.file, "closed", False))


class PrivateS3Storage(S3Storage):
    """A private bucket on S3-compatible object storage (AWS S3, MinIO, Ceph, …).

    Objects are written without an ACL (the bucket's own, private, setting holds), names
    that already exist get a new one instead of replacing a file another row points at,
    and ``url()`` refuses: a link to an object is handed out only by ``signed_url()``,
    which the download helper calls after the view has checked who is asking.
    """

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        # botocore waits 60 s for a connection and retries five times: a download or an
        # upload would hold its web worker for minutes while the storage is unreachable.
        self.client_config = self.client_config.merge(
            Config(
                connect_timeout=self.connect_timeout,
                read_timeout=self.read_timeout,
                retries={"mode": "standard", "max_attempts": 3},
            )
        )

    def get_default_settings(self) -> dict[str, Any]:
        defaults = super().get_default_settings()
        defaults.update(
            connect_timeout=5,
            read_timeout=30,
            default_acl=None,
            querystring_auth=True,
            file_overwrite=False,
            custom_domain=None,
            signature_version="s3v4",
            # Files written through open("wb") spill to disk past 1 MiB, not to memory.
            max_memory_size=1024 * 1024,
        )
        return defaults

    def url(self, name: str | None, *args: Any, **kwargs: Any) -> str:
        raise NotImplementedError(
            "Private files have no URL; serve them through a view (registry.downloads)."
        )

    def signed_url(self, name: str, *, filename: str, content_type: str, expire: int) -> str:
        """A GET link to the object that works for ``expire`` seconds, and makes the
        browser save it under ``filename`` without any cache keeping a copy."""
        parameters = {
            "ResponseContentDisposition": _attachment_disposition(filename),
            "ResponseContentType": content_type,
            "ResponseCacheControl": "no-store, private",
        }
        return super().url(name, parameters=parameters, expire=expire)

    def _open(self, name: str, mode: str = "rb") -> File:
        if mode != "rb":
            return super()._open(name, mode)
        key = self._normalize_name(clean_name(name))
        try:
            answer = self.connection.meta.client.get_object(Bucket=self.bucket_name, Key=key)
        except ClientError as error:
            if error.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                raise FileNotFoundError(f"File does not exist: {name}") from error
            raise
        return StreamedObject(answer["Body"], name=name, size=answer["ContentLength"])


def _attachment_disposition(filename: str) -> str:
    # The same header Django's FileResponse writes, so both modes save the same name.
    return content_disposition_header(as_attachment=True, filename=filename) or "attachment"


def check_private_storage(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Refuse a private storage that would hand files to someone nobody checked."""
    from django.core.files.storage import storages

    storage = storages["private"]
    found: list[checks.CheckMessage] = []
    if isinstance(storage, S3Storage):
        if not isinstance(storage, PrivateS3Storage):
            found.append(
                checks.Error(
                    "The private storage is an S3 storage whose url() hands out links.",
                    hint="Use registry.storage.PrivateS3Storage (PRIVATE_STORAGE_BUCKET).",
                    id="registry.E001",
                )
            )
        acls = {storage.default_acl, storage.object_parameters.get("ACL")}
        if acls & PUBLIC_ACLS:
            found.append(
                checks.Error(
                    "The private storage writes objects with a public ACL.",
                    hint="Leave the ACL unset; the bucket must block public access.",
                    id="registry.E002",
                )
            )
        if not storage.querystring_auth or storage.custom_domain:
            found.append(
                checks.Error(
                    "The private storage makes unsigned links to its objects.",
                    hint="Keep querystring_auth on and custom_domain unset.",
                    id="registry.E003",
                )
            )
    if settings.PRIVATE_STORAGE_DOWNLOAD == "redirect" and not hasattr(storage, "signed_url"):
        found.append(
            checks.Warning(
                "PRIVATE_STORAGE_DOWNLOAD=redirect needs object storage; files are streamed.",
                hint="Set PRIVATE_STORAGE_BUCKET, or PRIVATE_STORAGE_DOWNLOAD=stream.",
                id="registry.W001",
            )
        )
    return found
