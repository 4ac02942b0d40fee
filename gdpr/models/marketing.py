"""Direct-marketing bans, the suppression list of erased people, consents and
restrictions of processing."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.sources import DataSource
from gdpr.models.requests import DataSubjectRequest


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
