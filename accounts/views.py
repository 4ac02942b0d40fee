from __future__ import annotations

import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import my_data, services
from .forms import LanguageForm, ProfileForm


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        # A copy: an invalid form must not leave its values on request.user.
        form = ProfileForm(request.POST, instance=copy.copy(request.user))
        if form.is_valid():
            user = services.profile_update(user=request.user, data=form.cleaned_data)
            translation.activate(user.preferred_language)
            messages.success(request, _("Your details were saved."))
            response = redirect("accounts:my_data")
            _set_language_cookie(response, user.preferred_language)
            return response
        messages.error(request, _("Please correct the errors below. Nothing was saved yet."))
    else:
        form = ProfileForm(instance=request.user)
    return render(request, "accounts/profile_form.html", {"form": form})


@login_required
def my_data_page(request: HttpRequest) -> HttpResponse:
    sections = my_data.build_sections(request.user)
    return render(request, "accounts/my_data.html", {"sections": sections})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language switcher: remembered in a cookie, and on the profile when signed in."""
    form = LanguageForm(request.POST)
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if form.is_valid():
        language = form.cleaned_data["language"]
        if request.user.is_authenticated:
            services.user_language_set(user=request.user, language=language)
        _set_language_cookie(response, language)
    return response


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE or 60 * 60 * 24 * 365,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
    )
