"""The member's erasure pages: the preview (what would be deleted, anonymised or kept, and
until when) and the request itself, which asks for the password again."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from gdpr.erasure import services as erasure

DETAILS_MAX = 2000


class ErasureRequestForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I understand that my account is closed and my data erased as shown above, and"
            " that this cannot be undone."
        ),
        error_messages={"required": gettext_lazy("Tick the box to confirm the request.")},
    )
    details = forms.CharField(
        label=gettext_lazy("Anything the controller should know (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=DETAILS_MAX,
    )


def _page(request: HttpRequest, form: ErasureRequestForm, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "gdpr/erasure_preview.html",
        {
            "plan": erasure.erasure_plan(request.user),
            "open_request": erasure.open_erasure_request(request.user),
            "form": form,
        },
        status=status,
    )


@require_safe
@login_required
def erasure_preview(request: HttpRequest) -> HttpResponse:
    return _page(request, ErasureRequestForm())


@require_POST
@login_required
@reauthentication_required
def erasure_request(request: HttpRequest) -> HttpResponse:
    form = ErasureRequestForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        filed = erasure.erasure_file(request.user, details=form.cleaned_data["details"])
    except erasure.OpenErasureRequest as error:
        messages.warning(request, str(error))
        return redirect("gdpr:erasure_preview")
    messages.success(
        request,
        _(
            "Your erasure request was received. The controller checks it and answers within a"
            " month; until then your account stays as it is."
        ),
    )
    return redirect("gdpr:request_detail", public_id=filed.public_id)
