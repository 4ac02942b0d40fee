"""Language and admin-access middleware."""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable

from allauth.account.adapter import get_adapter
from allauth.usersessions import app_settings as usersessions_settings
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from registry.outages import CACHE_ERRORS

from .selectors import staff_may_use_admin


def language_for_request(request: HttpRequest) -> str:
    """The signed-in user's own language, else the switcher's cookie, else Finnish.

    The browser's Accept-Language is deliberately not consulted: the service is
    Finnish by default and a person picks another language explicitly.
    """
    supported = {code for code, _name in settings.LANGUAGES}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.preferred_language in supported:
        return user.preferred_language
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie in supported:
        return cookie
    return settings.LANGUAGE_CODE


class UserLanguageMiddleware:
    """Activates the language for each request (replaces Django's LocaleMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = language_for_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class StaffMFAMiddleware:
    """The Django admin opens only to staff whose second factor existed when their staff
    rights were granted (``selectors.staff_may_use_admin``).

    Anyone else who is staff is refused outright, not sent to enroll a factor: a factor
    enrolled by whoever holds only the password must not open the admin. Another member
    of staff granting the rights again fixes a genuine case.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and user.is_staff
            and request.path.startswith(reverse("admin:index"))
            and not staff_may_use_admin(user=user)
        ):
            return render(request, "accounts/admin_refused.html", status=403)
        return self.get_response(request)


# How long a session's "last seen" may lag behind: allauth's own middleware writes the
# session row on every signed-in request (a savepoint, two reads and an UPDATE), which is
# most of the database work of an ordinary page. The sessions list only needs minutes.
SESSION_ACTIVITY_INTERVAL_SECONDS = 300


class ThrottledUserSessionsMiddleware:
    """allauth's session tracking, written at most once per interval per session.

    allauth has no setting for this (``USERSESSIONS_TRACK_ACTIVITY`` is on or off), so this
    wraps its ``create_from_request``. A change of IP address or browser is recorded at
    once: the sessions list must show where a session is used from.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            usersessions_settings.TRACK_ACTIVITY
            and hasattr(request, "session")
            and request.session.session_key
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
        ):
            _record_session_activity(request)
        return self.get_response(request)


def _activity_key(session_key: str) -> str:
    # The session key is a credential: the cache holds only its hash.
    return "usersession-activity:" + hashlib.sha256(session_key.encode()).hexdigest()


def _record_session_activity(request: HttpRequest) -> None:
    now = int(time.time())
    client = [
        request.user.pk,
        get_adapter().get_client_ip(request),
        request.META.get("HTTP_USER_AGENT", "")[:200],
    ]
    key = _activity_key(request.session.session_key)
    # Marked in the shared cache, not in the session: saving the session for it would cost
    # the writes this saves. A cache that is down only means writing every time.
    try:
        seen = cache.get(key)
    except CACHE_ERRORS:
        seen = None
    if (
        isinstance(seen, dict)
        and seen.get("client") == client
        and isinstance(seen.get("at"), int)
        and 0 <= now - seen["at"] < SESSION_ACTIVITY_INTERVAL_SECONDS
    ):
        return
    UserSession.objects.create_from_request(request)
    with contextlib.suppress(*CACHE_ERRORS):
        cache.set(key, {"at": now, "client": client}, SESSION_ACTIVITY_INTERVAL_SECONDS * 2)
