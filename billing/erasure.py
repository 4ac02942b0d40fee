"""What erasing a person means to billing, declared to gdpr (``gdpr.api``).

An unpaid invoice handed over for debt collection stops the erasure: the data needed to
establish and defend the claim is kept until it is settled (GDPR Art. 17(3)(e)). The
invoices themselves are kept by the Accounting Act (their registry entries say so).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from gdpr.api import ErasureCheck, register_erasure_check

from .models import SETTLED_STATUSES, Invoice

if TYPE_CHECKING:
    from accounts.models import User


def claims_in_collection(user: User) -> list[str]:
    """A refusal ground for each of the person's unsettled invoices in debt collection."""
    in_collection = (
        Invoice.objects.filter(membership__user=user, collection_on__isnull=False)
        .exclude(status__in=SETTLED_STATUSES)
        .select_related("organization")
        .order_by("collection_on", "number")
    )
    return [
        _(
            "Invoice %(number)s from %(organization)s was handed over for debt collection on"
            " %(date)s and is unpaid. The data needed to establish and defend the claim is"
            " kept until it is settled (GDPR Art. 17(3)(e)); everything else can be erased"
            " once it is."
        )
        % {
            "number": invoice.number,
            "organization": invoice.organization.name,
            "date": invoice.collection_on.strftime("%d.%m.%Y"),
        }
        for invoice in in_collection
    ]


register_erasure_check(
    ErasureCheck(name="billing.debt_in_collection", refusal_grounds=claims_in_collection)
)
