"""Records of communication with a person: mail the system sent, calls and emails logged by
an organization's admins or the controller (the privacy notices promise this)."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from organizations.models import Organization


def private_storage():
    """Attachments never go to a public media URL; they are served through a view."""
    return storages["private"]


def attachment_path(instance: CommunicationRecord, filename: str) -> str:
    return f"communications/{instance.organization_id or 'controller'}/{filename}"


class CommunicationRecord(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", pgettext_lazy("communication channel", "Email")
        PHONE = "phone", _("Phone call")
        LETTER = "letter", _("Letter")
        MEETING = "meeting", _("Meeting")
        OTHER = "other", _("Other")

    class Direction(models.TextChoices):
        OUTGOING = "outgoing", _("To the person")
        INCOMING = "incoming", _("From the person")

    class Kind(models.TextChoices):
        AUTOMATIC = "automatic", _("Sent by the service")
        MANUAL = "manual", _("Recorded by hand")

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="communication_records",
        verbose_name=_("organization"),
        help_text=_("Empty for the controller's own communication."),
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="communication_records",
        verbose_name=_("person"),
    )
    # Who it was with when there is no account yet (an invited person): kept as typed.
    counterpart = models.CharField(_("with"), max_length=300, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    subject_line = models.CharField(_("subject"), max_length=300, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    attachment = models.FileField(
        _("attachment"), upload_to=attachment_path, blank=True, storage=private_storage
    )
    # What the record is about, e.g. "billing.invoice:42", for links and retention.
    related_object = models.CharField(max_length=100, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("communication record")
        verbose_name_plural = _("communication records")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["subject", "-occurred_at"], name="comm_subject_idx"),
            models.Index(fields=["organization", "-occurred_at"], name="comm_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.occurred_at:%Y-%m-%d}"

    @property
    def with_whom(self) -> str:
        """Who it was with, named one way throughout the log: the person by their name.

        A mail the service sent keeps in ``counterpart`` the address it went to; a record
        made by hand keeps what its author typed there (the person's name by default).
        The address shows only when there is no person, or the person has no name.
        """
        person = self.subject
        if self.kind == self.Kind.MANUAL and self.counterpart:
            return self.counterpart
        if person is not None:
            return person.get_full_name() or person.email
        return self.counterpart
