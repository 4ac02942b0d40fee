"""Language and admin-access middleware."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers

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
