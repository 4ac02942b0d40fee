"""Who may see and do what in billing — decided here and nowhere else.

Organization admins act on their own organization's billing (the organization's rights
come from ``organizations.permissions``); a member sees only invoices and contracts
addressed to them, also after the membership has ended. Anything else is a 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404

from organizations.permissions import get_organization_for_admin

from .models import Contract, Invoice, Payment, Product

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from organizations.models import Organization

__all__ = [
    "get_contract_for_admin",
    "get_invoice_for_admin",
    "get_invoice_for_member",
    "get_organization_for_admin",
    "get_payment_for_admin",
    "get_product_for_admin",
]


def _one(queryset, pk: int):
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_product_for_admin(organization: Organization, pk: int) -> Product:
    return _one(Product.objects.filter(organization=organization), pk)


def get_contract_for_admin(organization: Organization, pk: int) -> Contract:
    return _one(
        Contract.objects.filter(organization=organization).select_related("membership", "product"),
        pk,
    )


def get_invoice_for_admin(organization: Organization, pk: int) -> Invoice:
    return _one(
        Invoice.objects.filter(organization=organization).select_related(
            "organization", "membership", "credit_note_for"
        ),
        pk,
    )


def get_payment_for_admin(organization: Organization, pk: int) -> Payment:
    return _one(Payment.objects.filter(organization=organization), pk)


def get_invoice_for_member(user: User | AnonymousUser, pk: int) -> Invoice:
    """An invoice addressed to ``user``; drafts are not shown before they are sent."""
    if not user.is_authenticated:
        raise Http404
    return _one(
        Invoice.objects.filter(membership__user=user)
        .exclude(status=Invoice.Status.DRAFT)
        .select_related("organization", "membership", "credit_note_for"),
        pk,
    )
