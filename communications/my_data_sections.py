"""The member's communication records on "My data"."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from accounts.my_data import Section, register

from . import selectors

if TYPE_CHECKING:
    from accounts.models import User


def _records(user: User) -> dict[str, Any]:
    records, total = selectors.records_for_subject(user=user)
    return {"records": records, "total": total}


register(
    Section(
        "communications",
        _("Communication with me"),
        "communications/my_data.html",
        _records,
        order=55,
        queries=2,
    )
)
