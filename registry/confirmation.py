"""Actions that cannot be undone ask first: a page shows what will happen (GET, or a POST
without the confirmation) and only a POST carrying ``confirm=yes`` from that page does it.
No JavaScript: the strict CSP and pages that work without it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.forms import Form
from django.http import HttpRequest

CONFIRM_FIELD = "confirm"
CONFIRM_VALUE = "yes"


def is_confirmed(request: HttpRequest) -> bool:
    """True only for a POST sent from the confirmation page."""
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == CONFIRM_VALUE


def confirmation_context(
    *,
    title: str,
    consequences: Sequence[str],
    irreversible: str,
    submit: str,
    action: str,
    cancel: str,
    hidden: Sequence[tuple[str, str]] = (),
    form: Form | None = None,
    blocked: str = "",
) -> dict[str, Any]:
    """The context of a confirmation page (``includes/confirm_form.html``): what will
    happen, one sentence each; why it cannot be undone; the button; and, when a rule
    already stands in the way, why (``blocked``: no button then)."""
    return {
        "confirm_title": title,
        "confirm_consequences": list(consequences),
        "confirm_irreversible": irreversible,
        "confirm_submit": submit,
        "confirm_action": action,
        "confirm_cancel": cancel,
        "confirm_hidden": list(hidden),
        "confirm_form": form,
        "confirm_blocked": blocked,
    }
