"""What organizations contribute to the member's "My data" page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from accounts.my_data import Section, register

from . import selectors

if TYPE_CHECKING:
    from accounts.models import User


def _memberships(user: User) -> dict[str, Any]:
    return {"memberships": selectors.organizations_for_member(user=user)}


def _data_views(user: User) -> dict[str, Any]:
    views, total = selectors.data_views_for_subject(user=user)
    return {"data_views": views, "data_views_total": total}


register(
    Section(
        "memberships",
        _("Organizations and memberships"),
        "organizations/my_data/memberships.html",
        _memberships,
        order=15,
        # The memberships, their organizations' admins, and what of the ended ones stays
        # (one query per app that keeps member records: billing's vouchers).
        queries=3,
    )
)
register(
    Section(
        "data_views",
        _("Who has seen my data"),
        "organizations/my_data/data_views.html",
        _data_views,
        order=60,
        queries=2,
    )
)
