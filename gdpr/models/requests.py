"""Data-subject requests and their steps.

Rows that prove compliance (requests, their steps, consents, suppression entries) outlive
the person's account; they keep a keyed hash (``subject_key``) instead of readable data
once the person is erased, so the controller can still show what was done and why.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def private_storage():
    return storages["private"]


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access to my data (Art. 15)")
    PORTABILITY = "portability", _("Data portability (Art. 20)")
    RECTIFICATION = "rectification", _("Rectification (Art. 16)")
    ERASURE = "erasure", _("Erasure (Art. 17)")
    RESTRICTION = "restriction", _("Restriction of processing (Art. 18)")
    OBJECTION = "objection", _("Objection to direct marketing (Art. 21)")
    # Art. 21(1): to processing on legitimate interests, on grounds of the person's own
    # situation; the controller stops unless its grounds override them.
    PROCESSING_OBJECTION = "processing_objection", _("Objection to processing (Art. 21(1))")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IDENTITY_VERIFIED = "identity_verified", _("Identity verified")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused")


OPEN_STATUSES = (
    RequestStatus.RECEIVED,
    RequestStatus.IDENTITY_VERIFIED,
    RequestStatus.IN_PROGRESS,
)


class RequestChannel(models.TextChoices):
    WEB = "web", _("The service (signed in)")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")


class RestrictionGround(models.TextChoices):
    """The four grounds of Art. 18(1) on which a person obtains a restriction."""

    ACCURACY = "a", _("(a) The person contests the accuracy of the data")
    UNLAWFUL = "b", _("(b) The processing is unlawful and the person opposes erasure")
    LEGAL_CLAIMS = "c", _("(c) The person needs the data for legal claims")
    OBJECTION = "d", _("(d) The person has objected; the controller's grounds are being checked")


# Art. 18(1)(a) and (d) restrict "for a period enabling the controller to verify": the
# restriction holds while the check runs, so from receipt until the answer. Under (b) and
# (c) the restriction is the answer itself: decided by the controller, then kept.
RESTRICTED_WHILE_CHECKED = frozenset({RestrictionGround.ACCURACY, RestrictionGround.OBJECTION})


class IdentityMethod(models.TextChoices):
    """How the controller knew who was asking — proportionate (EDPB 01/2022): no copies of
    identity documents are kept."""

    SIGNED_IN = "signed_in", _("Signed in to the service (session and re-authentication)")
    KNOWN_EMAIL = "known_email", _("Sent from the email address on file, confirmed by reply")
    PHONE_CALLBACK = "phone_callback", _("Called back at the phone number on file")
    SIGNED_LETTER = "signed_letter", _("Signed letter matching the data on file")
    ID_DOCUMENT_SEEN = "id_document_seen", _("Identity document shown; no copy kept")


class DataSubjectRequest(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("request"), max_length=20, choices=RequestKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    channel = models.CharField(
        _("channel"), max_length=20, choices=RequestChannel.choices, default=RequestChannel.WEB
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="privacy_requests",
        verbose_name=_("data subject"),
    )
    # As the request gave them (a letter may come from someone with no account); blanked
    # when the person is erased.
    subject_name = models.CharField(_("name given"), max_length=200, blank=True)
    subject_email = models.EmailField(_("email given"), blank=True)
    # Keyed hash of the subject's email: names nobody, yet ties the kept record to the person.
    subject_key = models.CharField(_("subject key"), max_length=64, blank=True, db_index=True)

    received_at = models.DateTimeField(_("received"), default=timezone.now)
    due_on = models.DateField(_("due"))
    extended_due_on = models.DateField(_("extended due date"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    extension_notified_at = models.DateTimeField(
        _("subject told of the extension"), null=True, blank=True
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handler"),
    )

    identity_method = models.CharField(
        _("identity verification method"), max_length=20, choices=IdentityMethod.choices, blank=True
    )
    identity_note = models.CharField(_("identity check note"), max_length=300, blank=True)
    identity_verified_at = models.DateTimeField(_("identity verified"), null=True, blank=True)
    identity_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("identity verified by"),
    )

    details = models.TextField(_("what the person asks"), blank=True)
    # Restriction requests only: the Art. 18(1) ground, which decides when the restriction
    # takes effect and whether it ends with the answer (RESTRICTED_WHILE_CHECKED).
    restriction_ground = models.CharField(
        _("ground for restriction"),
        max_length=1,
        choices=RestrictionGround.choices,
        blank=True,
    )
    # Rectification: which datum (a key from gdpr.rectification.services) and the correct value.
    rectification_target = models.CharField(_("datum to correct"), max_length=120, blank=True)
    rectification_value = models.TextField(_("correct value"), blank=True)
    # Whose records the request is about, when someone other than the controller holds
    # them (e.g. an organization: its admins may decide a rectification of its own records).
    # Generic, because gdpr names no other app's model: an app declares its holders
    # (gdpr.rectification.sources.register_holder).
    holder_type = models.ForeignKey(
        ContentType,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kind of record holder"),
    )
    # NULL, not "": the generic relation writes None when the holder is cleared.
    holder_id = models.CharField(  # noqa: DJ001
        _("record holder"), max_length=64, null=True, blank=True
    )
    holder = GenericForeignKey("holder_type", "holder_id")
    # Objection: the marketing channels named; empty means all.
    marketing_channels = models.JSONField(_("marketing channels"), default=list, blank=True)

    letter = models.FileField(
        _("signed letter"),
        storage=private_storage,
        upload_to="gdpr/letters/%Y/%m/",
        blank=True,
    )
    response = models.TextField(_("response to the subject"), blank=True)
    responded_at = models.DateTimeField(_("response sent"), null=True, blank=True)
    refusal_reason = models.TextField(_("grounds for refusal"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # What the erasure kept, and until when: counts per model, no personal data.
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["status", "due_on"], name="dsr_status_due_idx"),
            models.Index(fields=["subject", "-received_at"], name="dsr_subject_idx"),
            models.Index(fields=["holder_type", "holder_id"], name="dsr_holder_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def deadline(self):
        return self.extended_due_on or self.due_on

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def restricts_while_checked(self) -> bool:
        """Whether the restriction is in force from receipt and ends with the answer."""
        return (
            self.kind == RequestKind.RESTRICTION
            and self.restriction_ground in RESTRICTED_WHILE_CHECKED
        )


class RequestEvent(models.Model):
    """One step of a request: who did what and when. Never edited."""

    class Action(models.TextChoices):
        RECEIVED = "received", _("Received")
        IDENTITY_VERIFIED = "identity_verified", _("Identity verified")
        STARTED = "started", _("Handling started")
        ASSIGNED = "assigned", _("Assigned")
        NOTE = "note", _("Note")
        EXTENDED = "extended", _("Deadline extended")
        EXTENSION_NOTIFIED = "extension_notified", _("Subject told of the extension")
        EXPORT_REQUESTED = "export_requested", _("Export requested")
        EXPORT_READY = "export_ready", _("Export ready")
        EXPORT_FAILED = "export_failed", _("Export failed")
        EXPORT_DOWNLOADED = "export_downloaded", _("Export downloaded")
        EXPORT_EXPIRED = "export_expired", _("Export expired and deleted")
        ERASURE_PREVIEWED = "erasure_previewed", _("Erasure previewed")
        ERASURE_EXECUTED = "erasure_executed", _("Erasure executed")
        RECORDS_ATTACHED = "records_attached", _("Records attached")
        RECORD_DETACHED = "record_detached", _("Record detached")
        RECTIFIED = "rectified", _("Correction applied")
        RESTRICTED = "restricted", _("Processing restricted")
        RESTRICTION_LIFTED = "restriction_lifted", _("Restriction lifted")
        MARKETING_BANNED = "marketing_banned", _("Direct marketing banned")
        RECIPIENTS_NOTIFIED = "recipients_notified", _("Recipients notified")
        LETTER_DELETED = "letter_deleted", _("Letter deleted")
        MAIL_FAILED = "mail_failed", _("Mail to the person could not be sent")
        RESPONDED = "responded", _("Response sent")
        COMPLETED = "completed", _("Completed")
        REFUSED = "refused", _("Refused")

    request = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("step"), max_length=30, choices=Action.choices)
    # Who the request was given to (ASSIGNED): a key, not a name in the note, so erasing
    # that handler's account leaves no copy of their name here.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    # A text the service wrote, as a key of gdpr.models.request_phrases.PHRASES and its
    # values: shown in the reader's language when read, not in the writer's when written.
    phrase = models.CharField(_("phrase"), max_length=40, blank=True)
    params = models.JSONField(_("values of the phrase"), default=dict, blank=True)
    # What a person wrote (the handler's note, a reason): shown as written.
    note = models.TextField(_("note"), blank=True)
    # Internal notes are for the controller; the rest shows to the subject.
    internal = models.BooleanField(_("internal"), default=False)

    class Meta:
        verbose_name = _("request step")
        verbose_name_plural = _("request steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {timezone.localtime(self.at):%Y-%m-%d %H:%M}"

    @property
    def text(self) -> str:
        """What the step says, in the active language (see request_phrases)."""
        # Imported here: request_phrases names this module's choices, so it loads after it.
        from gdpr.models.request_phrases import event_text

        return event_text(self)
