"""Records of processing (Art. 30) for the controller's staff, in the admin's look:
the page, a CSV and a PDF."""

from __future__ import annotations

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from gdpr.notice.records import records_csv, records_of_processing
from gdpr.pdf import html_to_pdf

PERMISSION = "gdpr.view_controllerdetails"


def _records(request: HttpRequest) -> dict:
    if not request.user.has_perm(PERMISSION):
        raise Http404
    return records_of_processing((translation.get_language() or "fi")[:2])


def records_page(request: HttpRequest) -> HttpResponse:
    records = _records(request)
    context = {
        **admin.site.each_context(request),
        "title": _("Records of processing activities"),
        "records": records,
    }
    return render(request, "admin/gdpr/records_of_processing.html", context)


def records_csv_download(request: HttpRequest) -> StreamingHttpResponse:
    records = _records(request)
    response = StreamingHttpResponse(records_csv(records), content_type="text/csv; charset=utf-8")
    filename = _("records-of-processing") + ".csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def records_pdf(request: HttpRequest) -> HttpResponse:
    records = _records(request)
    html = render_to_string("gdpr/records_document.html", {"records": records}, request=request)
    response = HttpResponse(html_to_pdf(html, "css/notice.css"), content_type="application/pdf")
    filename = _("records-of-processing") + ".pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Wrapped by the admin site: staff only, the admin's login (with MFA) for everyone else.
records_page = admin.site.admin_view(records_page)
records_csv_download = admin.site.admin_view(records_csv_download)
records_pdf = admin.site.admin_view(records_pdf)
