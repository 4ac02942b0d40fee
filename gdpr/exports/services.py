"""Access (Art. 15) and portability (Art. 20) exports: start, build, download, expire.

The build runs in Celery (``gdpr.tasks.build_export``). It claims the export row with a
conditional UPDATE, so a second delivery of the task does nothing; writes the ZIP into a
temporary file; and only when the file is complete saves it to private storage and marks
the export READY — file, ``ready_at`` and ``expires_at`` in one UPDATE. Until then there is
no file to reach, and the download answers 404. Progress is committed as the build goes,
so the subject and the controller see it.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
import tempfile
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.db.models import F, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.selectors import staff_may_use_admin
from gdpr.exports import archive as export_archive
from gdpr.exports import liveness
from gdpr.models import (
    DataExport,
    DataSubjectRequest,
    ExportDownload,
    RequestEvent,
    RequestKind,
)
from gdpr.models import request_phrases as phrases
from gdpr.notice import document as notice
from gdpr.requests.base import RequestError, request_event_log
from gdpr.requests.emails import notify_subject
from gdpr.tasks import build_export
from registry.downloads import PrivateDownload, private_download
from registry.outbox.services import enqueue_on_commit

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

logger = logging.getLogger(__name__)

EXPORT_KINDS = (RequestKind.ACCESS, RequestKind.PORTABILITY)
FOLDER = "gdpr/exports"


class ExportExpired(Exception):
    """The download link has expired; the file is deleted."""


class ExportNotReady(Exception):
    """The export is still being built, or failed: there is nothing to download."""


# --- Who may download -------------------------------------------------------------------------


def export_for_user(user: User | AnonymousUser, export_id: uuid.UUID | str) -> DataExport:
    """The export if ``user`` is its subject, or staff allowed to view exports whom the
    admin would let in (a second factor older than their staff rights); 404 for anyone
    else, so an outsider cannot even tell that the export exists."""
    if not user.is_authenticated or not user.is_active:
        raise Http404
    export = DataExport.objects.select_related("request", "subject").filter(pk=export_id).first()
    if export is None:
        raise Http404
    if export.subject_id == user.pk:
        return export
    if user.has_perm("gdpr.view_dataexport") and staff_may_use_admin(user=user):
        return export
    raise Http404


def export_download_url(export: DataExport) -> str:
    """The absolute link to the download (for mail sent from Celery)."""
    path = reverse("gdpr:export_download", kwargs={"export_id": export.pk})
    return settings.SITE_URL.rstrip("/") + path


def export_filename(export: DataExport) -> str:
    day = timezone.localdate(export.ready_at or timezone.now())
    return f"{_('my-data')}-{day:%Y-%m-%d}.zip"


# --- Start --------------------------------------------------------------------------------


@transaction.atomic
def export_start(request: DataSubjectRequest, *, actor: User | None) -> DataExport:
    """Create the request's export (once) in the subject's language and queue its build.

    Calling it again returns the same export; a failed or stalled one (never started, or
    its worker died) is queued once more."""
    if request.kind not in EXPORT_KINDS:
        raise RequestError(_("Only access and portability requests are answered with an export."))
    if request.subject_id is None:
        raise RequestError(
            _("The request names no user account: there is nothing in the service to export.")
        )
    subject = request.subject
    export, created = DataExport.objects.get_or_create(
        request=request,
        defaults={
            "subject": subject,
            "language": subject.preferred_language or settings.LANGUAGE_CODE,
        },
    )
    if created:
        request_event_log(request, RequestEvent.Action.EXPORT_REQUESTED, actor=actor)
    elif liveness.export_is_stalled(export):
        request_event_log(
            request,
            RequestEvent.Action.EXPORT_REQUESTED,
            actor=actor,
            phrase=phrases.EXPORT_RETRIED,
        )
    else:
        return export
    enqueue_on_commit(build_export, str(export.pk))
    return export


# --- Build --------------------------------------------------------------------------------


def _stale_before() -> datetime.datetime:
    # Without advisory locks (SQLite): a RUNNING build older than the task's hard time
    # limit was killed; take it over.
    return timezone.now() - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


def _claim(export_id: uuid.UUID | str) -> DataExport | None:
    """Mark the export RUNNING if nobody else is building it; None when it is done, being
    built, or gone. Called holding the build lock (liveness.build_lock): then a RUNNING
    export is one whose worker died, and this build takes it over."""
    if connection.vendor == "postgresql":
        running = Q(status=DataExport.Status.RUNNING)
    else:
        running = Q(status=DataExport.Status.RUNNING, started_at__lt=_stale_before())
    claimable = Q(status__in=[DataExport.Status.PENDING, DataExport.Status.FAILED]) | running
    claimed = DataExport.objects.filter(claimable, pk=export_id).update(
        status=DataExport.Status.RUNNING,
        started_at=timezone.now(),
        progress=0,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    # The request's subject too: the mail that the export is ready goes to them.
    return DataExport.objects.select_related("request__subject", "subject").get(pk=export_id)


def _mine(export: DataExport):
    """The export's row while this build still holds it (a stale take-over ends that)."""
    return DataExport.objects.filter(
        pk=export.pk, status=DataExport.Status.RUNNING, attempts=export.attempts
    )


def export_build(export_id: uuid.UUID | str) -> None:
    """Build the export's ZIP and make it downloadable; does nothing if the export is
    ready, expired, or being built by someone else (alive: a build whose worker died is
    taken over)."""
    with liveness.build_lock(export_id) as free:
        if not free:
            logger.info("Export %s is being built by another worker", export_id)
            return
        _build(export_id)


def _build(export_id: uuid.UUID | str) -> None:
    export = _claim(export_id)
    if export is None:
        return
    storage = DataExport._meta.get_field("file").storage
    name = f"{FOLDER}/{export.pk}/{secrets.token_urlsafe(12)}.zip"
    generated_at = timezone.now()
    controller = notice.controller_contact()
    try:
        with (
            tempfile.TemporaryFile() as out,
            translation.override(export.language),
        ):
            export_archive.write_archive(
                out,
                export=export,
                controller=controller,
                generated_at=generated_at,
                progress=lambda percent: bool(_mine(export).update(progress=percent)),
            )
            size, digest = _measure(out)
            out.seek(0)
            name = storage.save(name, File(out, name=name))
    except export_archive.Superseded:
        logger.info("Export %s was taken over by another worker", export.pk)
        return
    except Exception as error:
        _mine(export).update(status=DataExport.Status.PENDING, error=_describe(error))
        raise
    if not _finish(export, name=name, size=size, digest=digest, controller=controller):
        storage.delete(name)
        return
    _delete_other_files(export, keep=name)


def _measure(out) -> tuple[int, str]:
    out.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := out.read(1024 * 1024):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


@transaction.atomic
def _finish(
    export: DataExport, *, name: str, size: int, digest: str, controller: dict[str, str]
) -> bool:
    now = timezone.now()
    expires_at = now + datetime.timedelta(days=settings.DATA_EXPORT_VALID_DAYS)
    done = _mine(export).update(
        status=DataExport.Status.READY,
        file=name,
        size=size,
        sha256=digest,
        progress=100,
        error="",
        ready_at=now,
        expires_at=expires_at,
    )
    if not done:
        return False
    request_event_log(export.request, RequestEvent.Action.EXPORT_READY, actor=None)
    _notify_subject(
        export.request,
        template="export_ready",
        context={
            "url": export_download_url(export),
            "expires_at": expires_at,
            "valid_days": settings.DATA_EXPORT_VALID_DAYS,
        },
        controller=controller,
    )
    return True


def _notify_subject(
    request: DataSubjectRequest,
    *,
    template: str,
    context: dict[str, Any],
    controller: dict[str, str] | None = None,
):
    """Mail the subject through the controller desk's mailer (sent after commit)."""
    notify_subject(request, template=template, context=context, controller=controller)


def _delete_other_files(export: DataExport, *, keep: str = "") -> None:
    """Remove what earlier, interrupted attempts left in the export's folder."""
    storage = DataExport._meta.get_field("file").storage
    folder = f"{FOLDER}/{export.pk}"
    try:
        _dirs, files = storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    for filename in files:
        path = f"{folder}/{filename}"
        if path != keep:
            storage.delete(path)


@transaction.atomic
def export_fail(export_id: uuid.UUID | str, *, error: str) -> bool:
    """Give up after the last retry: FAILED, and the request's trail says so."""
    export = (
        DataExport.objects.select_for_update()
        .select_related("request")
        .filter(pk=export_id)
        .exclude(status__in=[DataExport.Status.READY, DataExport.Status.EXPIRED])
        .first()
    )
    if export is None:
        return False
    DataExport.objects.filter(pk=export.pk).update(
        status=DataExport.Status.FAILED, error=error[:2000]
    )
    request_event_log(
        export.request,
        RequestEvent.Action.EXPORT_FAILED,
        actor=None,
        phrase=phrases.EXPORT_FAILED,
        params={"error": error[:500]},
        internal=True,
    )
    return True


# --- Download and expiry ------------------------------------------------------------------


def export_is_expired(export: DataExport, *, now: datetime.datetime | None = None) -> bool:
    if export.status == DataExport.Status.EXPIRED:
        return True
    return (
        export.status == DataExport.Status.READY
        and export.expires_at is not None
        and export.expires_at <= (now or timezone.now())
    )


def export_open(export: DataExport, *, user: User, ip: str | None) -> PrivateDownload:
    """The ZIP, ready to leave private storage (streamed, or a signed link); the download is
    logged. ``ExportExpired`` past the expiry (the file is deleted at once if the hourly
    purge has not run yet); ``ExportNotReady`` while there is no complete file."""
    if export_is_expired(export):
        export_expire(export)
        raise ExportExpired
    if export.status != DataExport.Status.READY or not export.file:
        raise ExportNotReady
    try:
        download = private_download(
            export.file.storage,
            export.file.name,
            filename=export_filename(export),
            content_type="application/zip",
        )
    except FileNotFoundError as error:
        raise ExportNotReady from error
    try:
        with transaction.atomic():
            ExportDownload.objects.create(export=export, downloaded_by=user, ip_address=ip)
            request_event_log(export.request, RequestEvent.Action.EXPORT_DOWNLOADED, actor=user)
    except BaseException:
        download.close()
        raise
    return download


@transaction.atomic
def export_expire(export: DataExport, *, now: datetime.datetime | None = None) -> bool:
    """Delete an expired export's file and mark it EXPIRED; False when there was nothing to
    do (not yet expired, or already done)."""
    now = now or timezone.now()
    locked = (
        DataExport.objects.select_for_update()
        .select_related("request")
        .filter(pk=export.pk, status=DataExport.Status.READY, expires_at__lte=now)
        .first()
    )
    if locked is None:
        return False
    # The file goes first: if the delete fails, the row still points at it and the next
    # purge tries again; a missing file is no error.
    if locked.file:
        locked.file.storage.delete(locked.file.name)
    _delete_other_files(locked)
    DataExport.objects.filter(pk=locked.pk).update(
        status=DataExport.Status.EXPIRED, file="", deleted_at=now
    )
    request_event_log(locked.request, RequestEvent.Action.EXPORT_EXPIRED, actor=None, at=now)
    export.status = DataExport.Status.EXPIRED
    export.file = ""
    export.deleted_at = now
    return True


def exports_purge_expired(now: datetime.datetime | None = None) -> int:
    """Delete every export whose link has expired; run hourly. Returns how many."""
    now = now or timezone.now()
    due = DataExport.objects.filter(status=DataExport.Status.READY, expires_at__lte=now)
    purged = 0
    for export in due.only("pk").iterator(chunk_size=500):
        purged += export_expire(export, now=now)
    return purged
