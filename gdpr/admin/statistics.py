"""The controller's statistics dashboard in the admin: whether data-subject requests are
answered in time, and what was erased, exported, disclosed and purged. Aggregates only,
counts of people under five hidden (``registry.charts``).

For staff who may view the requests (``gdpr.view_datasubjectrequest``), like the desk;
others are refused as on the desk's own pages. Each figure has its own address, which
answers ``?format=svg`` (the chart, shown as an image) and ``?format=csv``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext

from gdpr.admin.statistics_figures import FIGURES, month_label
from gdpr.statistics import statistics_for
from registry.charts import count_cell, figure_response

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

FORMATS = ("svg", "csv")


def figure_url_name(slug: str) -> str:
    return "gdpr_datasubjectrequest_statistics_" + slug.replace("-", "_")


class StatisticsMixin:
    """The dashboard's page and its figures' addresses, on the requests' admin."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        urls = [
            path(
                "statistics/",
                wrap(self.statistics_view),
                name="gdpr_datasubjectrequest_statistics",
            )
        ]
        urls += [
            path(
                f"statistics/{slug}/",
                wrap(self.statistics_figure_view),
                {"slug": slug},
                name=figure_url_name(slug),
            )
            for slug in FIGURES
        ]
        return urls + super().get_urls()

    def _check_statistics_permission(self, request: HttpRequest) -> None:
        if not self.has_view_permission(request):
            raise PermissionDenied

    def statistics_view(self, request: HttpRequest) -> HttpResponse:
        """Every figure, with the overdue requests as a headline."""
        self._check_statistics_permission(request)
        stats = statistics_for()
        figures = [
            (build(stats), reverse(f"admin:{figure_url_name(slug)}"))
            for slug, build in FIGURES.items()
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Statistics on data-subject requests"),
            "figures": figures,
            "overdue": count_cell(stats.overdue),
            "first_month": month_label(stats.months[0]),
            "last_month": month_label(stats.months[-1]),
            "desk_url": reverse("admin:gdpr_datasubjectrequest_changelist"),
        }
        return TemplateResponse(request, "admin/gdpr/datasubjectrequest/statistics.html", context)

    def statistics_figure_view(self, request: HttpRequest, slug: str) -> HttpResponse:
        """One figure as an SVG image (the default) or a CSV file."""
        self._check_statistics_permission(request)
        fmt = request.GET.get("format")
        figure = FIGURES[slug](statistics_for())
        filename = f"{slug}-{timezone.localdate():%Y-%m-%d}"
        return figure_response(figure, fmt if fmt in FORMATS else "svg", filename=filename)
