"""Writes for communication records."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.utils import timezone

from gdpr.api import acting_as, audit_queryset_update

from .models import CommunicationRecord

if TYPE_CHECKING:
    from accounts.models import User
    from organizations.models import Organization


def _related(obj: models.Model | None) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}" if obj is not None else ""


def communication_log_email(
    *,
    organization: Organization | None,
    subject: User | None,
    counterpart: str,
    subject_line: str,
    summary: str = "",
    related: models.Model | None = None,
) -> CommunicationRecord:
    """Log an email the service sent (invitation, invoice, reminder) automatically."""
    return CommunicationRecord.objects.create(
        organization=organization,
        subject=subject,
        counterpart=counterpart,
        channel=CommunicationRecord.Channel.EMAIL,
        direction=CommunicationRecord.Direction.OUTGOING,
        kind=CommunicationRecord.Kind.AUTOMATIC,
        subject_line=subject_line[:300],
        summary=summary,
        related_object=_related(related),
    )


def communication_record(
    *,
    organization: Organization | None,
    subject: User | None,
    counterpart: str = "",
    channel: str,
    direction: str,
    occurred_at: datetime.datetime | None = None,
    subject_line: str = "",
    summary: str,
    attachment: UploadedFile | None = None,
    actor: User,
) -> CommunicationRecord:
    """Record a call, letter or email by hand (``actor``: an organization admin or the
    controller)."""
    record = CommunicationRecord(
        organization=organization,
        subject=subject,
        counterpart=counterpart or (subject.get_full_name() if subject else ""),
        channel=channel,
        direction=direction,
        kind=CommunicationRecord.Kind.MANUAL,
        occurred_at=occurred_at or timezone.now(),
        subject_line=subject_line,
        summary=summary,
        recorded_by=actor,
    )
    if attachment is not None:
        record.attachment.save(attachment.name, attachment, save=False)
    with acting_as(actor):
        record.save()
    return record


def communication_record_rectify(
    *, record: CommunicationRecord, data: dict[str, str]
) -> CommunicationRecord:
    """Correct the subject line or summary of a record kept by hand, on the person's
    request (GDPR Art. 16); the audit trail keeps the text it replaced."""
    changed = [name for name in ("subject_line", "summary") if name in data]
    for name in changed:
        setattr(record, name, data[name])
    if changed:
        record.save(update_fields=changed)
    return record


def communications_forget(*, related: Iterable[models.Model]) -> int:
    """Delete the records about these objects that reached nobody's account (mail to an
    address that never became one), when the objects themselves are deleted."""
    keys = [_related(obj) for obj in related]
    if not keys:
        return 0
    # Mail the service logged itself: no attachments to remove.
    return CommunicationRecord.objects.filter(
        related_object__in=keys, subject__isnull=True, kind=CommunicationRecord.Kind.AUTOMATIC
    ).delete()[0]


def communications_attach_subject(*, related: models.Model, user: User) -> int:
    """Link records about ``related`` (e.g. an invitation) to the person once known."""
    # update() sends no signals: the audit entry is written by audit_queryset_update.
    return audit_queryset_update(
        CommunicationRecord.objects.filter(related_object=_related(related), subject__isnull=True),
        subject=user,
    )
