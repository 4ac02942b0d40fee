"""An organization's statistics dashboard is assembled from sections that apps register here.

``organizations`` draws its own members' figures; billing sits above it in the layers and
registers its section from its ``AppConfig.ready()``, so that this app imports none of it.
A section's ``build`` runs a fixed number of aggregate queries (``queries``) whatever the
number of rows: the page's query budget is their sum, and each figure's own URL builds only
the section that draws it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.functional import Promise

from registry.charts import Cell, Figure

if TYPE_CHECKING:
    from .models import Organization


@dataclass(frozen=True)
class Headline:
    """One figure shown as a number (a total, a median), hidden by the same rule as cells."""

    label: str | Promise
    cell: Cell
    description: str | Promise = ""


@dataclass(frozen=True)
class SectionFigures:
    headlines: Sequence[Headline] = ()
    figures: Sequence[Figure] = ()

    def figure(self, slug: str) -> Figure | None:
        return next((figure for figure in self.figures if figure.slug == slug), None)


@dataclass(frozen=True)
class StatisticsSection:
    key: str
    title: str | Promise
    # The figures' slugs, known without building them: a figure's URL finds its section.
    figure_slugs: tuple[str, ...]
    build: Callable[[Organization, datetime.date], SectionFigures]
    order: int = 100
    # How many queries ``build`` runs — always, whatever the amount of data.
    queries: int = 1
    description: str | Promise = ""
    # One figure alone, for its own URL (the chart's image, the CSV): only the queries that
    # figure needs (at most ``queries``). Without it the whole section is built.
    build_figure: Callable[[Organization, datetime.date, str], Figure | None] | None = None

    def figure(self, organization: Organization, today: datetime.date, slug: str) -> Figure | None:
        """The figure ``slug`` of this section, built alone when the section can."""
        if slug not in self.figure_slugs:
            return None
        if self.build_figure is not None:
            return self.build_figure(organization, today, slug)
        return self.build(organization, today).figure(slug)


_sections: dict[str, StatisticsSection] = {}


def register_statistics_section(section: StatisticsSection) -> StatisticsSection:
    """Add (or replace, by key) a section of the statistics dashboard."""
    taken = {
        slug: other.key
        for other in _sections.values()
        if other.key != section.key
        for slug in other.figure_slugs
    }
    clash = sorted(set(section.figure_slugs) & set(taken))
    if clash:
        raise ValueError(f"figure slugs already registered by another section: {clash}")
    _sections[section.key] = section
    return section


def unregister_statistics_section(key: str) -> None:
    _sections.pop(key, None)


def registered_sections() -> list[StatisticsSection]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def section_for_figure(slug: str) -> StatisticsSection | None:
    return next((s for s in _sections.values() if slug in s.figure_slugs), None)


def query_budget() -> int:
    """Queries the sections of the dashboard run together."""
    return sum(section.queries for section in _sections.values())


@dataclass(frozen=True)
class BuiltSection:
    section: StatisticsSection
    data: SectionFigures = field(default_factory=SectionFigures)


def build_sections(organization: Organization, today: datetime.date) -> list[BuiltSection]:
    """Every registered section with its figures for ``organization`` as of ``today``."""
    return [BuiltSection(s, s.build(organization, today)) for s in registered_sections()]


# --- Helpers the sections share -----------------------------------------------------------


def years_before(today: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` earlier (28 February for 29 February in a common year)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)
