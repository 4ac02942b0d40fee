"""The organization admin's decisions on members' requests to correct the organization's
records (GDPR Art. 16). gdpr keeps the requests and applies the decisions; these pages
only show them to the organization's admins and pass their decisions on."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from gdpr import api as gdpr

from .. import permissions
from ..forms import RectificationDecisionForm

CLOSED_SHOWN = 20


@login_required
@require_safe
def rectification_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The organization's rectification requests: open ones first, then recent decisions."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    return render(
        request,
        "organizations/rectifications.html",
        {
            "organization": organization,
            "today": timezone.localdate(),
            "open_requests": gdpr.holder_rectification_requests(organization),
            "closed_requests": gdpr.holder_rectification_requests(
                organization, closed=True, limit=CLOSED_SHOWN
            ),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def rectification_decide(request: HttpRequest, pk: int, public_id) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    shown = gdpr.holder_rectification(organization, public_id, user=request.user)
    form = RectificationDecisionForm(
        request.POST if request.method == "POST" else None,
        initial={"value": shown.requested},
    )
    if request.method == "POST":
        if not shown.may_decide:
            messages.error(request, _("This request cannot be decided here."))
            return redirect(
                "organizations:rectification_decide", pk=pk, public_id=shown.request.public_id
            )
        if form.is_valid():
            accept = form.cleaned_data["decision"] == "accept"
            try:
                gdpr.rectification_decide(
                    shown.request,
                    accept=accept,
                    value=form.cleaned_data["value"] if accept else "",
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except ValidationError as error:
                form.add_error("value" if accept else None, error)
            else:
                messages.success(
                    request,
                    _("The correction was made and the member told.")
                    if accept
                    else _("The request was refused and the member told why."),
                )
                return redirect("organizations:rectifications", pk=pk)
    return render(
        request,
        "organizations/rectification_decide.html",
        {
            "organization": organization,
            "dsr": shown.request,
            "datum": shown.datum,
            "target_label": shown.target_label,
            "requested": shown.requested,
            "may_decide": shown.may_decide,
            "own_request": shown.own_request,
            "form": form,
            "events": shown.events,
            "decided": shown.decided,
        },
    )
