"""Disclosures of personal data to recipients, who was in them, and the Art. 19
notices sent to the recipients."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gdpr.models.requests import DataSubjectRequest


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
    # gdpr.declarations category keys.
    categories = models.JSONField(_("data categories"), default=list)
    # Keys of the person identifiers the apps declare (gdpr.disclosures.hooks
    # .PersonIdentifier) that went with the data: an Art. 19 notice names the person to
    # this recipient by these only. Empty on a disclosure recorded before they were
    # recorded: then those its categories carry.
    identifiers = models.JSONField(_("identifiers handed over"), default=list, blank=True)
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


class RecipientNoticeQuerySet(models.QuerySet):
    def for_holder(self, holder: models.Model) -> RecipientNoticeQuerySet:
        """The notices sent to ``holder`` (an organization, say)."""
        return self.filter(
            holder_type=ContentType.objects.get_for_model(holder), holder_id=str(holder.pk)
        )


class RecipientNotice(models.Model):
    """An Art. 19 notice: a recipient told of a rectification, erasure or restriction."""

    request = models.ForeignKey(
        DataSubjectRequest, on_delete=models.CASCADE, related_name="recipient_notices"
    )
    recipient_name = models.CharField(_("recipient"), max_length=200)
    recipient_email = models.EmailField(_("email"), blank=True)
    # The recipient's row in the service, whatever app declares it (an organization): a
    # generic reference, as gdpr holds no foreign key to the apps it protects. It may
    # outlive the row; the name and address above stay.
    holder_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Null with the type when there is no holder (a partner): assigning ``holder = None``
    # sets both to None, so NULL, not "", is what "no holder" is here.
    holder_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    holder = GenericForeignKey("holder_type", "holder_id")
    disclosure = models.ForeignKey(
        Disclosure, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    objects = RecipientNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("recipient notice")
        verbose_name_plural = _("recipient notices")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.recipient_name
