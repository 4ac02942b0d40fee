"""Tell the person when the work their action started waits for the broker."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from registry.outbox.services import watch

DELAYED_MESSAGE = _(
    "Saved. The email or file this starts is delayed by a moment and will follow shortly; "
    "there is no need to do it again."
)


class DelayedWorkMiddleware:
    """After MessageMiddleware in MIDDLEWARE, so the message is stored with the response.
    The action itself succeeded (its rows are committed); only the mail or export it
    started is late, and the outbox sends it once the broker is back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with watch() as delays:
            response = self.get_response(request)
        if delays and hasattr(request, "_messages"):
            messages.info(request, DELAYED_MESSAGE)
        return response
