"""An organization's statistics dashboard and each of its figures as an image or CSV."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from registry.charts import SMALL_CELL_LIMIT, figure_response

from .. import permissions
from ..statistics import build_sections, section_for_figure

FORMATS = ("svg", "csv")


@login_required
@require_safe
def statistics(request: HttpRequest, pk: int) -> HttpResponse:
    organization = permissions.get_organization_for_admin(request.user, pk)
    today = timezone.localdate()
    return render(
        request,
        "organizations/statistics.html",
        {
            "organization": organization,
            "today": today,
            "sections": build_sections(organization, today),
            "small_cell_limit": SMALL_CELL_LIMIT,
        },
    )


@login_required
@require_safe
def statistics_figure(request: HttpRequest, pk: int, figure: str) -> HttpResponse:
    """One figure of the dashboard: ``?format=svg`` (the default) or ``?format=csv``."""
    organization = permissions.get_organization_for_admin(request.user, pk)
    fmt = request.GET.get("format", "svg")
    if fmt not in FORMATS:
        return HttpResponseBadRequest(_("Unknown format."), content_type="text/plain")
    section = section_for_figure(figure)
    if section is None:
        raise Http404
    today = timezone.localdate()
    drawn = section.figure(organization, today, figure)
    if drawn is None:
        raise Http404
    filename = f"{slugify(organization.name) or 'organization'}-{figure}-{today:%Y-%m-%d}"
    return figure_response(drawn, fmt, filename=filename)
