"""The public privacy notice: the current version, earlier versions, and their PDFs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gdpr.models import NoticeVersion
from gdpr.notice.document import notice_publish, version_content
from gdpr.pdf import html_to_pdf

TEMPLATE = "gdpr/notice.html"


def _context(request: HttpRequest, version: NoticeVersion, *, current: NoticeVersion) -> dict:
    language = translation.get_language() or "fi"
    return {
        "version": version,
        "is_current": version.pk == current.pk,
        "current": current,
        "notice": version_content(version, language[:2]),
        "versions": NoticeVersion.objects.only("number", "published_at").order_by("-number"),
    }


def _version(number: int | None) -> tuple[NoticeVersion, NoticeVersion]:
    current = notice_publish()
    if number is None or number == current.number:
        return current, current
    return get_object_or_404(NoticeVersion, number=number), current


@require_GET
def notice(request: HttpRequest, number: int | None = None) -> HttpResponse:
    version, current = _version(number)
    return render(request, TEMPLATE, _context(request, version, current=current))


@require_GET
def notice_pdf(request: HttpRequest, number: int | None = None) -> HttpResponse:
    version, current = _version(number)
    context = {**_context(request, version, current=current), "pdf": True}
    html = render_to_string("gdpr/notice_document.html", context, request=request)
    response = HttpResponse(html_to_pdf(html, "css/notice.css"), content_type="application/pdf")
    filename = _("privacy-notice") + f"-v{version.number}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
