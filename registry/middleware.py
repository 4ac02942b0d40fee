"""Middleware of the project as a whole."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from allauth.core.internal.httpkit import get_client_ip
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from registry.request_log import request_id, request_id_from


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


# Paths logged at debug level only: a load balancer asks them every few seconds.
_QUIET_PREFIX = "/health/"
# Longest path written as it is when it matched no URL (a scanner's junk, a typo).
_MAX_UNMATCHED_PATH = 200

request_logger = logging.getLogger("registry.request")


def _loggable_path(request: HttpRequest) -> str:
    """The path without its query string (search terms are personal data), and with every
    URL parameter that is not a number shown by its name: invitation tokens, e-mail
    confirmation and password reset keys are secrets, and an export's id opens it."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is None:
        return path[:_MAX_UNMATCHED_PATH]
    parameters = [*match.kwargs.items(), *(("parameter", value) for value in match.args)]
    for name, value in parameters:
        text = str(value)
        if text and not text.isdigit():
            path = path.replace(text, f"<{name}>")
    return path


def _user_id(request: HttpRequest) -> int | None:
    # Only the id: the log must not repeat a person's name or e-mail address.
    user = getattr(request, "user", None)
    return getattr(user, "pk", None) if user is not None else None


def _client_ip(request: HttpRequest) -> str | None:
    # allauth's rule for the trusted proxies (TRUSTED_PROXY_COUNT, TRUSTED_CLIENT_IP_HEADER),
    # as the rate limits and the sign-in history use it.
    try:
        return get_client_ip(request) or request.META.get("REMOTE_ADDR")
    except ImproperlyConfigured:
        return request.META.get("REMOTE_ADDR")


class RequestLogMiddleware:
    """One log line per request: its id, method, path, status, time taken and user id.

    The id is the proxy's ``X-Request-ID`` when that is a sane token, else a new one; it is
    sent back in the response's ``X-Request-ID`` and carried by every other log line of the
    request (``registry.request_log``). The client's address is logged only when
    ``REQUEST_LOG_CLIENT_IP`` is on. First in ``MIDDLEWARE``, so redirects and refusals by
    the other middleware are logged too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.log_client_ip = getattr(settings, "REQUEST_LOG_CLIENT_IP", False)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = request_id_from(request.headers.get("X-Request-ID"))
        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            self._log(request, response, started)
            return response
        finally:
            request_id.reset(token)

    def _log(self, request: HttpRequest, response: HttpResponse, started: float) -> None:
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        path = _loggable_path(request)
        fields: dict[str, object] = {
            "method": request.method,
            "path": path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "user_id": _user_id(request),
        }
        if self.log_client_ip:
            fields["client_ip"] = _client_ip(request)
        level = logging.DEBUG if request.path.startswith(_QUIET_PREFIX) else logging.INFO
        request_logger.log(
            level,
            "%s %s %s %sms",
            request.method,
            path,
            response.status_code,
            duration_ms,
            extra=fields,
        )
