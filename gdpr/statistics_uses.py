"""The statistics the service computes from personal data, as the privacy notice and the
records of processing describe them (the purpose "Analysis, statistics and business
development").

Each app that draws statistics registers what it computes and who sees it through
``gdpr.api.register_statistics_use`` (from its ``AppConfig.ready()``); the notice and the
records list every registered use, so a new dashboard cannot appear without them saying
so. gdpr registers its own: the controller's dashboard of data-subject requests.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gdpr.declarations import LegalBasis

LazyText = str | Promise


@dataclass(frozen=True)
class StatisticsUse:
    """What is computed (``description``), under which name (``title``), for whom
    (``audience``), on which legal basis. Aggregates only, small counts hidden: the
    notice says so for every use."""

    key: str
    title: LazyText
    audience: LazyText
    description: LazyText
    legal_basis: LegalBasis = LegalBasis.LEGITIMATE_INTERESTS


_uses: dict[str, StatisticsUse] = {}
_generation = 0


def generation() -> int:
    """Changes whenever a use is registered or removed: the notice is built again."""
    return _generation


def register_statistics_use(use: StatisticsUse) -> StatisticsUse:
    """Add (or replace, by key) a statistics use. Safe to call again from ``ready()``."""
    global _generation
    if _uses.get(use.key) != use:
        _uses[use.key] = use
        _generation += 1
    return use


def unregister_statistics_use(key: str) -> None:
    global _generation
    if _uses.pop(key, None) is not None:
        _generation += 1


def statistics_uses() -> list[StatisticsUse]:
    """Every registered use, by key (the notice reads the same every time)."""
    return [_uses[key] for key in sorted(_uses)]


CONTROLLER_DASHBOARD = StatisticsUse(
    key="gdpr.controller_dashboard",
    title=_("Statistics on data-subject requests"),
    audience=_("The controller's staff who handle data-subject requests"),
    description=_(
        "Requests received per month and kind, how many days answering took, the share"
        " answered by the deadline, extensions, overdue requests, erasures and copies of"
        " data made, direct-marketing bans and consents per channel, disclosures per month,"
        " and the runs of the retention jobs: to show that requests are answered in time."
    ),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
)
