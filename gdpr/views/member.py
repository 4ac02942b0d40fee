"""The signed-in member's privacy page: their requests, and forms to file new ones."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gdpr import permissions
from gdpr.disclosures.recipient_notices import recipient_notices_for
from gdpr.forms import REQUEST_FORMS, RequestForm
from gdpr.models import DataSubjectRequest, MarketingChannel, RequestKind, RequestStatus
from gdpr.requests import member as member_requests
from gdpr.requests.services import RequestError

# The steps of a request as the member sees them (the last is "completed" or "refused").
PROGRESS = {
    RequestStatus.RECEIVED: 1,
    RequestStatus.IDENTITY_VERIFIED: 2,
    RequestStatus.IN_PROGRESS: 3,
    RequestStatus.COMPLETED: 4,
    RequestStatus.REFUSED: 4,
}
PROGRESS_STEPS = 4


@login_required
def privacy(request: HttpRequest) -> HttpResponse:
    forms: dict[str, RequestForm] = {kind: form() for kind, form in REQUEST_FORMS.items()}
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if kind not in REQUEST_FORMS:
            messages.error(request, _("Choose which request to file."))
        else:
            form = forms[kind] = REQUEST_FORMS[kind](request.POST)
            if form.is_valid():
                try:
                    filed = member_requests.member_request_file(
                        request.user,
                        kind=kind,
                        details=form.request_details(),
                        marketing_channels=form.marketing_channels(),
                        restriction_ground=form.restriction_ground(),
                    )
                except RequestError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, _filed_message(filed))
                    return redirect("gdpr:request_detail", public_id=filed.public_id)
            messages.error(request, _("Please correct the errors below. Nothing was filed yet."))
    requests = list(member_requests.requests_of(request.user))
    return render(
        request,
        "gdpr/privacy.html",
        {
            "requests": [_row(r) for r in requests],
            "forms": forms,
            "open_kinds": member_requests.open_kinds(requests),
        },
    )


def _filed_message(filed: DataSubjectRequest) -> str:
    if filed.kind == RequestKind.OBJECTION:
        return _("Direct marketing to you has stopped. Your request was recorded.")
    if filed.restricts_while_checked:
        return _(
            "The processing of your data is restricted while we handle your request. We"
            " answer within a month at the latest."
        )
    return _("Your request was received. We answer within a month at the latest.")


def _export_of(privacy_request):
    try:
        return privacy_request.export
    except ObjectDoesNotExist:
        return None


def _row(privacy_request) -> dict:
    return {
        "request": privacy_request,
        "step": PROGRESS.get(privacy_request.status, 1),
        "steps": PROGRESS_STEPS,
        "export": _export_of(privacy_request),
    }


TOLD_TO_RECIPIENTS = {RequestKind.RECTIFICATION, RequestKind.ERASURE, RequestKind.RESTRICTION}


@login_required
def request_detail(request: HttpRequest, public_id) -> HttpResponse:
    privacy_request = permissions.get_own_request(request.user, public_id)
    events = list(privacy_request.events.filter(internal=False).order_by("at", "pk"))
    return render(
        request,
        "gdpr/request_detail.html",
        {
            "privacy_request": privacy_request,
            "row": _row(privacy_request),
            "events": events,
            "export": _export_of(privacy_request),
            # Art. 19: whom a correction, erasure or restriction was passed on to.
            "recipient_notices": (
                recipient_notices_for(privacy_request)
                if privacy_request.kind in TOLD_TO_RECIPIENTS
                else None
            ),
            "channel_labels": [
                MarketingChannel(c).label
                for c in privacy_request.marketing_channels
                if c in MarketingChannel.values
            ],
        },
    )
