"""The "My data" page is assembled from sections that apps register here.

``accounts`` knows nothing about the apps that contribute: each app registers its
sections in its ``AppConfig.ready()``. A section's ``build`` must run a fixed number of
queries whatever the amount of data (prefetch, limit, count) — the page has one budget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from .models import User


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise
    template: str
    build: Callable[[User], dict[str, Any]]
    order: int = 100
    # How many queries ``build`` runs — always, whatever the amount of data. The page's
    # query budget is the sum of these; a test holds every section to its number.
    queries: int = 1


_sections: dict[str, Section] = {}


def register(section: Section) -> Section:
    """Add (or replace, by key) a section of the "My data" page."""
    _sections[section.key] = section
    return section


def unregister(key: str) -> None:
    _sections.pop(key, None)


def query_budget() -> int:
    """Queries the sections of "My data" may run together."""
    return sum(section.queries for section in _sections.values())


def registered_sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


@dataclass(frozen=True)
class RenderedSection:
    section: Section
    context: dict[str, Any]


def build_sections(user: User) -> list[RenderedSection]:
    """Every registered section with its data for ``user``."""
    return [RenderedSection(s, s.build(user)) for s in registered_sections()]
