"""The controller's details, the versions of the privacy notice and who acknowledged
them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.business_id import business_id_normalise


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
        try:
            self.business_id = business_id_normalise(self.business_id)
        except ValidationError as error:
            raise ValidationError({"business_id": error}) from error

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
