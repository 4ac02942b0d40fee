"""Who may see and do what in billing — decided here and nowhere else.

Organization admins act on their own organization's billing (the organization's rights
come from ``organizations.permissions``); a member sees only invoices and contracts
addressed to them, also after the membership has ended. Anything else is a 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404
from django.shortcuts import get_object_or_404

from organizations.permissions import get_membership_for_admin, get_organization_for_admin

from .models import (
    CollectionClaim,
    CollectionPartner,
    Contract,
    Invoice,
    Payment,
    Product,
    Reminder,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from organizations.models import Organization

__all__ = [
    "get_collection_claim_for_admin",
    "get_collection_partner_for_admin",
    "get_contract_for_admin",
    "get_invoice_for_admin",
    "get_invoice_for_member",
    "get_issued_invoice_for_admin",
    "get_membership_for_admin",
    "get_organization_for_admin",
    "get_payment_for_admin",
    "get_product_for_admin",
    "get_reminder_for_admin",
    "get_reminder_for_member",
]


def get_product_for_admin(organization: Organization, pk: int) -> Product:
    return get_object_or_404(Product.objects.filter(organization=organization), pk=pk)


def get_contract_for_admin(organization: Organization, pk: int) -> Contract:
    return get_object_or_404(
        Contract.objects.filter(organization=organization).select_related("membership", "product"),
        pk=pk,
    )


def get_invoice_for_admin(organization: Organization, pk: int) -> Invoice:
    return get_object_or_404(
        Invoice.objects.filter(organization=organization).select_related(
            "organization", "membership", "credit_note_for"
        ),
        pk=pk,
    )


def get_issued_invoice_for_admin(organization: Organization, pk: int) -> Invoice:
    """An issued invoice or credit note (a draft has no number, so no e-invoice)."""
    return get_object_or_404(
        Invoice.objects.filter(organization=organization)
        .exclude(status=Invoice.Status.DRAFT)
        .select_related("organization", "membership", "credit_note_for"),
        pk=pk,
    )


def get_payment_for_admin(organization: Organization, pk: int) -> Payment:
    return get_object_or_404(Payment.objects.filter(organization=organization), pk=pk)


def get_collection_partner_for_admin(organization: Organization, pk: int) -> CollectionPartner:
    return get_object_or_404(CollectionPartner.objects.filter(organization=organization), pk=pk)


def get_collection_claim_for_admin(organization: Organization, pk: int) -> CollectionClaim:
    return get_object_or_404(
        CollectionClaim.objects.filter(invoice__organization=organization).select_related(
            "partner"
        ),
        pk=pk,
    )


def get_invoice_for_member(user: User | AnonymousUser, pk: int) -> Invoice:
    """An invoice addressed to ``user``; drafts are not shown before they are sent."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        Invoice.objects.filter(membership__user=user)
        .exclude(status=Invoice.Status.DRAFT)
        .select_related("organization", "membership", "credit_note_for"),
        pk=pk,
    )


def get_reminder_for_admin(organization: Organization, invoice_pk: int, pk: int) -> Reminder:
    """A reminder of one of the organization's invoices (the URL names both)."""
    return get_object_or_404(
        Reminder.objects.filter(
            invoice__organization=organization, invoice_id=invoice_pk
        ).select_related("invoice__organization"),
        pk=pk,
    )


def get_reminder_for_member(user: User | AnonymousUser, invoice_pk: int, pk: int) -> Reminder:
    """A reminder of an invoice addressed to ``user``."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        Reminder.objects.filter(
            invoice__membership__user=user, invoice_id=invoice_pk
        ).select_related("invoice__organization"),
        pk=pk,
    )
