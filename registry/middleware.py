"""Middleware of the project as a whole."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    """Sends every page with ``Cache-Control: no-store, private``; static files excepted.

    Nearly every page of the register shows personal data: a member's profile, an
    organization's member list, an invitee's name on the invitation page, an address on an
    email confirmation page. Listing the ones that do would miss the next one, and no page
    is costly to render again, so none may be kept by the browser's disk cache (a shared
    computer's next user, the back button after signing out) or by a proxy on the way.

    Placed just after WhiteNoise, it sees every response of the application; the static
    files WhiteNoise serves stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # Static files reach Django itself only under runserver without WhiteNoise.
        self.static_prefix = urlsplit(settings.STATIC_URL or "").path or None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.static_prefix and request.path.startswith(self.static_prefix):
            return response
        patch_cache_control(response, no_store=True, private=True)
        return response
