"""Language and admin-access middleware."""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _


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
    """Staff must have MFA enabled before the Django admin opens for them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and user.is_staff
            and request.path.startswith(reverse("admin:index"))
            and not is_mfa_enabled(user)
        ):
            messages.warning(
                request,
                _("Enable two-factor authentication before using the administration."),
            )
            return redirect("mfa_index")
        return self.get_response(request)
