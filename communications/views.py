"""An organization's communication log: the admins' list, manual records and attachments."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from registry.downloads import private_download
from registry.pagination import paginate

from . import permissions, selectors, services
from .forms import OrganizationRecordForm, RecordFilterForm
from .models import CommunicationRecord

PAGE_SIZE = 50


def attachment_response(record: CommunicationRecord) -> HttpResponse:
    """The attachment from private storage, always as a download (registry.downloads
    decides how it leaves).

    Shared with the Django admin; the caller has checked who is asking.
    """
    try:
        download = private_download(
            record.attachment.storage,
            record.attachment.name,
            filename=PurePosixPath(record.attachment.name).name,
        )
    except FileNotFoundError as error:
        raise Http404 from error
    return download.response()


@login_required
@require_safe
def record_list(request: HttpRequest, pk: int) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    form = RecordFilterForm(request.GET or None)
    records = form.filter(selectors.records_for_organization(organization=organization))
    page, query = paginate(request, records, sizes=(), default=PAGE_SIZE)
    return render(
        request,
        "communications/org/list.html",
        {"organization": organization, "form": form, "page": page, "query": query},
    )


@login_required
def record_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a call, letter or email about an active member by hand."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    form = OrganizationRecordForm(
        request.POST or None,
        request.FILES or None,
        organization=organization,
        initial={"member": request.GET.get("member")},
    )
    if request.method == "POST" and form.is_valid():
        membership = form.cleaned_data["member"]
        services.communication_record(
            organization=organization,
            subject=membership.user,
            counterpart=membership.name or membership.email,
            channel=form.cleaned_data["channel"],
            direction=form.cleaned_data["direction"],
            occurred_at=form.cleaned_data["occurred_at"],
            subject_line=form.cleaned_data["subject_line"],
            summary=form.cleaned_data["summary"],
            attachment=form.cleaned_data["attachment"],
            actor=request.user,
        )
        messages.success(request, _("The communication was recorded."))
        return redirect("communications:org_records", pk=organization.pk)
    return render(
        request,
        "communications/org/form.html",
        {"organization": organization, "form": form},
    )


@login_required
@require_safe
def attachment_download(request: HttpRequest, pk: int, record_pk: int) -> HttpResponse:
    record = permissions.get_attachment_record_for_admin(request.user, pk, record_pk)
    return attachment_response(record)
