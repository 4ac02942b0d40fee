"""What the admin pages of organizations share: running a service per selected row."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.db.models import QuerySet

from organizations import services
from organizations.models import (
    Invitation,
    Membership,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest


def _run_for_each(
    request: HttpRequest,
    objects: QuerySet,
    service: Callable[[Any], Any],
    *,
    done: Callable[[int], str],
) -> None:
    """Call ``service`` for each object; a broken rule becomes a message, never a 500."""
    succeeded = 0
    for obj in objects:
        try:
            service(obj)
        except services.RuleError as error:
            messages.error(request, f"{_display_name(obj)}: {' '.join(error.messages)}")
        else:
            succeeded += 1
    if succeeded:
        messages.success(request, done(succeeded))


def _display_name(obj: Membership | Invitation) -> str:
    membership = obj.membership if isinstance(obj, Invitation) else obj
    return membership.name or membership.email or str(membership.pk)


# --- Organizations ------------------------------------------------------------------------
