"""Data-subject requests, exports, marketing bans and consents, disclosures and the audit
trail.

Rows that prove compliance (requests, their steps, consents, suppression entries) outlive
the person's account; they keep a keyed hash (``subject_key``) instead of readable data
once the person is erased, so the controller can still show what was done and why.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.sources import DataSource


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
        _("identity verified by"), max_length=20, choices=IdentityMethod.choices, blank=True
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
    # Rectification: which datum (a key from gdpr.rectification) and the correct value.
    rectification_target = models.CharField(_("datum to correct"), max_length=120, blank=True)
    rectification_value = models.TextField(_("correct value"), blank=True)
    # Whose records the request is about, when an organization holds them (its admins may
    # decide a rectification of the organization's own records).
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organization"),
    )
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
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def deadline(self):
        return self.extended_due_on or self.due_on

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class RequestEvent(models.Model):
    """One step of a request: who did what and when. Never edited."""

    class Action(models.TextChoices):
        RECEIVED = "received", _("Received")
        IDENTITY_VERIFIED = "identity_verified", _("Identity verified")
        STARTED = "started", _("Handling started")
        ASSIGNED = "assigned", _("Assigned")
        NOTE = "note", _("Internal note")
        EXTENDED = "extended", _("Deadline extended")
        EXTENSION_NOTIFIED = "extension_notified", _("Subject told of the extension")
        EXPORT_REQUESTED = "export_requested", _("Export requested")
        EXPORT_READY = "export_ready", _("Export ready")
        EXPORT_FAILED = "export_failed", _("Export failed")
        EXPORT_DOWNLOADED = "export_downloaded", _("Export downloaded")
        EXPORT_EXPIRED = "export_expired", _("Export expired and deleted")
        ERASURE_PREVIEWED = "erasure_previewed", _("Erasure previewed")
        ERASURE_EXECUTED = "erasure_executed", _("Erasure executed")
        RECTIFIED = "rectified", _("Correction applied")
        RESTRICTED = "restricted", _("Processing restricted")
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
    note = models.TextField(_("note"), blank=True)
    # Internal notes are for the controller; the rest shows to the subject.
    internal = models.BooleanField(_("internal"), default=False)

    class Meta:
        verbose_name = _("request step")
        verbose_name_plural = _("request steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class DataExport(models.Model):
    """The ZIP answering an access or portability request, built by Celery."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Queued")
        RUNNING = "running", _("Being built")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired and deleted")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.OneToOneField(
        DataSubjectRequest, on_delete=models.CASCADE, related_name="export"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="data_exports",
        verbose_name=_("data subject"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    language = models.CharField(_("language"), max_length=5, default="fi")
    file = models.FileField(
        _("file"), storage=private_storage, upload_to="gdpr/exports/", blank=True
    )
    size = models.BigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("file deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="export_expiry_idx")]

    def __str__(self) -> str:
        return str(self.id)


class ExportDownload(models.Model):
    export = models.ForeignKey(DataExport, on_delete=models.CASCADE, related_name="downloads")
    downloaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("downloaded by"),
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("export download")
        verbose_name_plural = _("export downloads")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.export_id} {self.at:%Y-%m-%d %H:%M}"


class MarketingChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    POST = "post", _("Post")
    PHONE = "phone", _("Phone calls")
    SMS = "sms", _("Text messages (SMS)")


class MarketingBan(models.Model):
    """A ban on direct marketing through one channel (Art. 21(2) and (3)): absolute and
    immediate. Lifting it keeps the row, so the history shows when it applied."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="marketing_bans",
        verbose_name=_("person"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=MarketingChannel.choices)
    banned_at = models.DateTimeField(_("banned"), default=timezone.now)
    source = models.CharField(
        _("source"), max_length=20, choices=DataSource.choices, default=DataSource.SUBJECT
    )
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)

    class Meta:
        verbose_name = _("direct-marketing ban")
        verbose_name_plural = _("direct-marketing bans")
        ordering = ["-banned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "channel"],
                condition=models.Q(lifted_at__isnull=True),
                name="one_active_ban_per_channel",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.channel}"


class Suppression(models.Model):
    """A ban that outlived the person's account: a keyed hash of the address or number,
    so marketing lists can still leave the person out without the service being able to
    read who it was."""

    channel = models.CharField(_("channel"), max_length=10, choices=MarketingChannel.choices)
    key = models.CharField(_("keyed hash"), max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("marketing suppression")
        verbose_name_plural = _("marketing suppressions")
        constraints = [
            models.UniqueConstraint(fields=["channel", "key"], name="one_suppression_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.key[:12]}…"


class Consent(models.Model):
    """A consent given (and perhaps withdrawn), with the exact text the person saw. After
    erasure the row stays as proof only: the person is replaced by a keyed hash."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consents",
        verbose_name=_("person"),
    )
    subject_key = models.CharField(_("subject key"), max_length=64, blank=True, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=40)
    text_version = models.CharField(_("text version"), max_length=40)
    text_shown = models.TextField(_("text shown"))
    language = models.CharField(_("language"), max_length=5)
    given_at = models.DateTimeField(_("given"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=DataSource.choices, default=DataSource.SUBJECT
    )
    # The privacy notice shown beside the consent: part of what the person agreed to.
    notice_version = models.ForeignKey(
        "NoticeVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("privacy notice version"),
    )
    # Set on erasure: the proof is kept until then (limitation period), then purged.
    keep_until = models.DateField(_("kept until"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose"],
                condition=models.Q(withdrawn_at__isnull=True, user__isnull=False),
                name="one_live_consent_per_purpose",
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.given_at:%Y-%m-%d}"


class RestrictionQuerySet(models.QuerySet):
    def in_force(self) -> RestrictionQuerySet:
        return self.filter(lifted_at__isnull=True)


class ProcessingRestriction(models.Model):
    """Art. 18: while it is in force the person's data is only stored — left out of
    marketing and partner disclosures, and shown as restricted to organization admins."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="processing_restrictions",
        verbose_name=_("person"),
    )
    request = models.ForeignKey(
        DataSubjectRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("request"),
    )
    reason = models.TextField(_("reason"))
    started_at = models.DateTimeField(_("from"), default=timezone.now)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)

    objects = RestrictionQuerySet.as_manager()

    class Meta:
        verbose_name = _("restriction of processing")
        verbose_name_plural = _("restrictions of processing")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.started_at:%Y-%m-%d}"


class Disclosure(models.Model):
    """Personal data handed to someone outside the service: a partner for a fixed period,
    or an authority under the law."""

    class Kind(models.TextChoices):
        PARTNER = "partner", _("Partner")
        AUTHORITY = "authority", _("Authority")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    recipient_name = models.CharField(_("recipient"), max_length=200)
    recipient_email = models.EmailField(
        _("recipient's email"),
        blank=True,
        help_text=_("Where notices of rectification and erasure are sent (Art. 19)."),
    )
    purpose = models.TextField(_("purpose"))
    legal_basis = models.TextField(_("legal basis"))
    # gdpr.registry category keys.
    categories = models.JSONField(_("data categories"), default=list)
    outside_eea = models.BooleanField(_("transfer outside the EU/EEA"), default=False)
    # Art. 30(1)(e), 13(1)(f): where a transfer goes and what protects the data there.
    destination_country = models.CharField(
        _("country of the recipient"),
        max_length=100,
        blank=True,
        help_text=_("For a transfer outside the EU/EEA: the country the data goes to."),
    )
    transfer_safeguards = models.TextField(
        _("safeguards for the transfer"),
        blank=True,
        help_text=_(
            "For a transfer outside the EU/EEA: an adequacy decision (Art. 45), standard"
            " contractual clauses or another safeguard (Art. 46), and where a copy can be had."
        ),
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    subjects = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="DisclosureSubject",
        related_name="disclosures",
        verbose_name=_("people"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        ordering = ["-starts_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.recipient_name} {self.starts_on:%Y-%m-%d}"


class DisclosureSubject(models.Model):
    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("disclosed person")
        verbose_name_plural = _("disclosed people")
        constraints = [
            models.UniqueConstraint(fields=["disclosure", "user"], name="one_row_per_disclosed")
        ]

    def __str__(self) -> str:
        return f"{self.disclosure_id}:{self.user_id}"


class RecipientNotice(models.Model):
    """An Art. 19 notice: a recipient told of a rectification, erasure or restriction."""

    request = models.ForeignKey(
        DataSubjectRequest, on_delete=models.CASCADE, related_name="recipient_notices"
    )
    recipient_name = models.CharField(_("recipient"), max_length=200)
    recipient_email = models.EmailField(_("email"), blank=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    disclosure = models.ForeignKey(
        Disclosure, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("recipient notice")
        verbose_name_plural = _("recipient notices")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.recipient_name


class AuditEntry(models.Model):
    """A change to personal data: who, when, which record, which fields (old → new).
    Append-only; erasure blanks the values inside it (``erased``) but keeps the fact."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        DELETED = "deleted", _("Deleted")
        ERASED = "erased", _("Erased")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("data subject"),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    model = models.CharField(_("record type"), max_length=100)
    object_id = models.CharField(_("record"), max_length=64)
    # {field: [old, new]}; secrets are recorded as changed without values.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    erased = models.BooleanField(_("values erased"), default=False)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["model", "object_id"], name="audit_object_idx"),
            models.Index(fields=["subject", "-at"], name="audit_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.model}:{self.object_id} {self.action}"

    def save(self, *args, **kwargs) -> None:
        # Append-only: an entry is written once. Erasure blanks values with
        # QuerySet.update(), which is the one sanctioned change.
        if not self._state.adding:
            raise AuditEntryImmutable("An audit entry cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditEntryImmutable("An audit entry cannot be deleted.")


class AuditEntryImmutable(Exception):
    """Someone tried to change or delete a written audit entry."""


class ControllerDetails(models.Model):
    """Who is responsible for the register (the controller) and whom to contact about it:
    kept as data the controller edits, printed in the privacy notice, the access report
    and the records of processing. One row."""

    name = models.CharField(_("name"), max_length=200)
    business_id = models.CharField(_("business ID"), max_length=9, blank=True)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    phone = models.CharField(_("phone number"), max_length=40, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    register_name_fi = models.CharField(
        _("name of the register (Finnish)"),
        max_length=200,
        default="Jäsen- ja asiakasrekisteri",
    )
    register_name_sv = models.CharField(
        _("name of the register (Swedish)"),
        max_length=200,
        default="Medlems- och kundregister",
    )
    register_name_en = models.CharField(
        _("name of the register (English)"),
        max_length=200,
        default="Member and customer register",
    )
    privacy_contact_name = models.CharField(
        _("contact for privacy matters"), max_length=200, blank=True
    )
    privacy_contact_email = models.EmailField(_("privacy contact's email"), blank=True)
    privacy_contact_phone = models.CharField(
        _("privacy contact's phone number"), max_length=40, blank=True
    )
    dpo_name = models.CharField(_("data protection officer"), max_length=200, blank=True)
    dpo_email = models.EmailField(_("data protection officer's email"), blank=True)
    dpo_phone = models.CharField(
        _("data protection officer's phone number"), max_length=40, blank=True
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("controller details")
        verbose_name_plural = _("controller details")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError
        from stdnum.exceptions import ValidationError as NumberError
        from stdnum.fi import ytunnus

        if self.business_id:
            try:
                self.business_id = ytunnus.format(ytunnus.validate(self.business_id))
            except NumberError as error:
                raise ValidationError(
                    {"business_id": _("Enter a valid business ID (Y-tunnus), e.g. 1234567-8.")}
                ) from error

    def register_name(self, language: str) -> str:
        return getattr(self, f"register_name_{language}", "") or self.register_name_fi


class NoticeVersion(models.Model):
    """One published version of the generated privacy notice. A new version is created
    only when the generated content changes; old versions stay readable as published."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    content_hash = models.CharField(_("content hash"), max_length=64)
    # The notice in every language, as published: {"fi": {...}, "sv": {...}, "en": {...}}.
    content = models.JSONField(_("content"))

    class Meta:
        verbose_name = _("privacy notice version")
        verbose_name_plural = _("privacy notice versions")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.number} ({self.published_at:%Y-%m-%d})"


class NoticeAcknowledgement(models.Model):
    """A person was shown a version of the privacy notice (at signup, with a consent)."""

    class Context(models.TextChoices):
        SIGNUP = "signup", _("Signup")
        CONSENT = "consent", _("Consent")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notice_acknowledgements",
        verbose_name=_("person"),
    )
    version = models.ForeignKey(
        NoticeVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("version")
    )
    context = models.CharField(_("when"), max_length=10, choices=Context.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("privacy notice shown")
        verbose_name_plural = _("privacy notices shown")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user_id} v{self.version_id} {self.context}"


class RetentionRun(models.Model):
    """One run of a scheduled retention job: what it purged, or why it did nothing."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped: another run was in progress")
        FAILED = "failed", _("Failed")

    job = models.CharField(_("job"), max_length=60, db_index=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    # {"billing.Invoice": 3, ...}
    counts = models.JSONField(_("purged"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def total(self) -> int:
        return sum(self.counts.values())
