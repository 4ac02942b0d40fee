"""The log of payments matched by hand, and debt collection: an organization's
collection partners and the claims handed over to them (``billing.collection``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization

from .models import Invoice, Payment


class PaymentEvent(models.Model):
    """Who matched a payment to an invoice by hand, or undid a match, and when."""

    class Kind(models.TextChoices):
        MATCHED = "matched", _("Matched to an invoice")
        UNMATCHED = "unmatched", _("Match undone")

    # The log goes with the vouchers when their retention ends (billing.retention).
    payment = models.ForeignKey(
        Payment, on_delete=models.CASCADE, related_name="events", verbose_name=_("payment")
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="+", verbose_name=_("invoice")
    )
    kind = models.CharField(_("event"), max_length=12, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["payment", "-occurred_at"], name="paymentevent_payment_idx")
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} {self.kind}"


class CollectionPartner(models.Model):
    """A collection agency an organization hands its overdue invoices to."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="collection_partners",
        verbose_name=_("organization"),
    )
    name = models.CharField(_("name"), max_length=200)
    # Y-tunnus in its printed form, 1234567-8 (stdnum.fi.ytunnus).
    business_id = models.CharField(_("business ID"), max_length=9)
    email = models.EmailField(_("contact email address"))
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("collection partner")
        verbose_name_plural = _("collection partners")
        ordering = ["-is_active", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "business_id"], name="collectionpartner_org_id_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CollectionClaim(models.Model):
    """An invoice handed over to a collection partner, with the claim data handed over.

    ``data`` is what the partner received, as it was that day: the CSV and JSON files are
    made from it, so a download later gives the same file whatever was paid since.
    """

    # Kept as long as the invoice, and purged with it.
    invoice = models.OneToOneField(
        Invoice,
        on_delete=models.CASCADE,
        related_name="collection_claim",
        verbose_name=_("invoice"),
    )
    partner = models.ForeignKey(
        CollectionPartner,
        on_delete=models.PROTECT,
        related_name="claims",
        verbose_name=_("collection partner"),
    )
    handed_over_on = models.DateField(_("handed over on"))
    data = models.JSONField(_("claim data handed over"), default=dict)
    # gdpr's record of the disclosure (through gdpr.api): billing holds no key into gdpr.
    disclosure_id = models.PositiveIntegerField(null=True, blank=True, editable=False)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("handed over by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("collection claim")
        verbose_name_plural = _("collection claims")
        ordering = ["-handed_over_on", "-id"]

    def __str__(self) -> str:
        return f"{self.invoice_id} → {self.partner_id}"
