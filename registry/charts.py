"""Statistics figures: aggregates only, small cells hidden, one table drawn three ways.

A ``Figure`` is a small table (categories by series). The same figure gives the chart (an
SVG drawn on the server by pygal and served as an image, so the page keeps its strict
Content Security Policy and needs no script), the accessible table beside it and the CSV
download, so the three can never disagree and none shows more than the others.

Privacy by design: a figure that counts fewer than ``SMALL_CELL_LIMIT`` people is shown as
"< 5" everywhere. When a series splits a total that the page also shows (``partition``),
one hidden cell could be worked out from the total and the others, so the smallest other
cell is hidden too (complementary suppression); a total is hidden by ``count_cell`` on the
same rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

import pygal
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from pygal.style import Style

from registry.csv_download import csv_download

SMALL_CELL_LIMIT = 5

Number = int | Decimal | float


@dataclass(frozen=True)
class Cell:
    """One figure as shown: ``value`` is None when hidden."""

    value: Number | None
    money: bool = False

    @property
    def hidden(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        if self.value is None:
            return f"< {SMALL_CELL_LIMIT}"
        if self.money:
            return _("%(amount)s €") % {
                "amount": number_format(self.value, 2, use_l10n=True, force_grouping=True)
            }
        if isinstance(self.value, int):
            return number_format(self.value, 0, use_l10n=True, force_grouping=True)
        return number_format(self.value, 1, use_l10n=True)


def count_cell(people: int) -> Cell:
    """A count of people, hidden when it could single someone out (1 to 4; 0 is shown)."""
    return Cell(None if 0 < people < SMALL_CELL_LIMIT else people)


@dataclass(frozen=True)
class Series:
    """One row of figures. ``people[i]`` is how many people ``values[i]`` is drawn from;
    without it the values are themselves counts of people."""

    name: str
    values: Sequence[Number]
    people: Sequence[int] | None = None


@dataclass(frozen=True)
class Figure:
    slug: str
    title: str
    category_title: str
    categories: Sequence[str]
    series: Sequence[Series]
    kind: Literal["bar", "stacked", "line", "horizontal"] = "bar"
    money: bool = False
    # The categories split one total the page shows (statuses, age bands…): hide a second
    # cell when one is hidden, so the hidden one cannot be worked out by subtraction.
    partition: bool = False
    description: str = ""
    _cells: list[list[Cell]] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for series in self.series:
            if len(series.values) != len(self.categories):
                raise ValueError(f"{self.slug}: {series.name} has the wrong number of values")
        object.__setattr__(self, "_cells", [self._suppressed(series) for series in self.series])

    def _suppressed(self, series: Series) -> list[Cell]:
        people = series.people if series.people is not None else series.values
        hidden = [0 < int(count) < SMALL_CELL_LIMIT for count in people]
        if self.partition and sum(hidden) == 1:
            shown = [(people[i], i) for i in range(len(people)) if not hidden[i] and people[i]]
            if shown:
                hidden[min(shown)[1]] = True
        return [
            Cell(None if hide else value, money=self.money)
            for value, hide in zip(series.values, hidden, strict=True)
        ]

    @property
    def cells(self) -> list[list[Cell]]:
        """Series by category, hidden cells as None."""
        return self._cells

    @property
    def rows(self) -> list[tuple[str, list[Cell]]]:
        """Category by series: the table's rows."""
        return [
            (category, [cells[index] for cells in self._cells])
            for index, category in enumerate(self.categories)
        ]

    @property
    def is_empty(self) -> bool:
        return not self.categories or all(
            cell.hidden or not cell.value for cells in self._cells for cell in cells
        )

    def svg(self) -> bytes:
        return render_svg(self)

    def csv_response(self, filename: str) -> StreamingHttpResponse:
        header = [self.category_title, *(series.name for series in self.series)]
        rows = ([category, *(str(cell) for cell in cells)] for category, cells in self.rows)
        return csv_download(header, rows, filename=filename)


_CHARTS: dict[str, Callable[..., pygal.graph.graph.Graph]] = {
    "bar": pygal.Bar,
    "stacked": pygal.StackedBar,
    "line": pygal.Line,
    "horizontal": pygal.HorizontalBar,
}

# The product's colours (static/css), dark enough against white for WCAG AA non-text
# contrast; the font is one every server has (the SVG is an image: no web fonts load).
_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#52606d",
    colors=("#1d4e89", "#c05621", "#2f7d32", "#7b3f99", "#8a6d00", "#00727a"),
    font_family="DejaVu Sans, Verdana, sans-serif",
    label_font_size=14,
    major_label_font_size=14,
    legend_font_size=15,
    value_font_size=14,
    title_font_size=17,
)


def _axis_value(value: float, *, money: bool) -> str:
    # pygal hands back floats: a count reads as a whole number.
    if not money and float(value).is_integer():
        return str(Cell(int(value)))
    return str(Cell(value, money=money))


def _axes(kind: str, *, many: bool) -> dict[str, object]:
    """A few labelled values on the value axis, not one per tick; of 24 months every third
    (the table has them all). A horizontal chart swaps pygal's axes."""
    if kind == "horizontal":
        return {"x_labels_major_count": 5, "show_minor_x_labels": False}
    return {
        "y_labels_major_count": 5,
        "show_minor_y_labels": False,
        "x_labels_major_every": 3 if many else None,
        "show_minor_x_labels": not many,
    }


def render_svg(figure: Figure) -> bytes:
    """The figure as a standalone SVG image without script, hidden cells as gaps."""
    many = len(figure.categories) > 12
    chart = _CHARTS[figure.kind](
        style=_STYLE,
        js=[],
        # Drawn small and scaled up or down by the page: at 640 px the labels stay readable
        # in a half-width column and on a phone.
        width=640,
        height=400,
        title=figure.title,
        x_title=figure.category_title if figure.kind != "horizontal" else None,
        x_labels=list(figure.categories),
        x_label_rotation=30 if len(figure.categories) > 6 else 0,
        **_axes(figure.kind, many=many),
        show_legend=len(figure.series) > 1,
        legend_at_bottom=True,
        print_values=False,
        truncate_label=-1,
        truncate_legend=-1,
        no_data_text=_("No data"),
        value_formatter=lambda value: _axis_value(value, money=figure.money),
        include_x_axis=True,
        margin=12,
    )
    for series, cells in zip(figure.series, figure.cells, strict=True):
        chart.add(series.name, [None if cell.hidden else float(cell.value) for cell in cells])
    # pygal always writes its configuration for its tooltip script into the drawing; an image
    # runs no script, so the drawing goes out without it.
    return _SCRIPT.sub(b"", chart.render())


_SCRIPT = re.compile(rb"<script\b.*?</script>", re.DOTALL)


# Served as <img>: an image runs no script, but pygal styles its drawing with an inline
# <style>, which this response alone may use.
SVG_CSP = {"default-src": ["'none'"], "style-src": ["'unsafe-inline'"]}


def svg_response(figure: Figure) -> HttpResponse:
    response = HttpResponse(figure.svg(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store, private"
    response._csp_config = SVG_CSP  # read by Django's CSP middleware
    return response


def figure_response(figure: Figure, fmt: str, *, filename: str) -> HttpResponse:
    """The figure as ``svg`` or ``csv``; the caller has already checked who may see it."""
    if fmt == "svg":
        return svg_response(figure)
    return figure.csv_response(f"{filename}.csv")
