"""The Art. 15(1)-(4) information that comes with an access export: for the categories the
person's rows fall in, the purposes, legal bases, retention, sources and recipients; the
rights and where in the service to use them; the supervisory authority; and that no
automated decisions are made. Read from the personal-data registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from accounts.sources import DataSource
from gdpr import declarations as registry

if TYPE_CHECKING:
    from gdpr.exports.data import Collected


def _link(name: str, **kwargs: Any) -> str:
    """An absolute link into the service; empty while the page does not exist yet."""
    try:
        path = reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""
    return settings.SITE_URL.rstrip("/") + path


def rights() -> list[dict[str, str]]:
    """The rights the person has and where in the service to use them."""
    privacy = _link("gdpr:privacy")
    return [
        {
            "key": "access",
            "article": "Art. 15",
            "label": _("Right of access"),
            "how": _("This package is your copy. You can ask for a new one on your privacy page."),
            "url": privacy,
        },
        {
            "key": "rectification",
            "article": "Art. 16",
            "label": _("Right to rectification"),
            "how": _(
                "Correct your profile yourself on the profile page. For data an organization"
                " or the controller recorded, file a rectification request naming the correct"
                " value."
            ),
            "url": _link("gdpr:rectification_new") or _link("accounts:profile"),
        },
        {
            "key": "erasure",
            "article": "Art. 17",
            "label": _("Right to erasure"),
            "how": _(
                "Preview what erasure would delete, anonymise or keep (with the legal basis"
                " and the date until which it is kept), then request it."
            ),
            "url": _link("gdpr:erasure_preview") or privacy,
        },
        {
            "key": "restriction",
            "article": "Art. 18",
            "label": _("Right to restriction of processing"),
            "how": _(
                "File a request on your privacy page; while it is in force your data is only"
                " stored."
            ),
            "url": privacy,
        },
        {
            "key": "objection",
            "article": "Art. 21",
            "label": _("Right to object, including to direct marketing"),
            "how": _(
                "Ban direct marketing per channel or all at once on the marketing page; it"
                " takes effect at once. To object to other processing on our legitimate"
                " interests (Art. 21(1)), file an objection on your privacy page."
            ),
            "url": _link("gdpr:marketing") or privacy,
        },
        {
            "key": "portability",
            "article": "Art. 20",
            "label": _("Right to data portability"),
            "how": _(
                "data.json and the CSV files in this package are machine-readable; ask for a"
                " portability export on your privacy page."
            ),
            "url": privacy,
        },
        {
            "key": "withdraw_consent",
            "article": "Art. 7(3)",
            "label": _("Right to withdraw consent"),
            "how": _(
                "Withdraw a consent at any time on the marketing page; processing before the"
                " withdrawal stays lawful."
            ),
            "url": _link("gdpr:marketing") or privacy,
        },
    ]


def complaint() -> dict[str, str]:
    return {
        "authority": _("Data Protection Ombudsman (Tietosuojavaltuutetun toimisto)"),
        "url": "https://tietosuoja.fi",
        "text": _(
            "You have the right to lodge a complaint with a supervisory authority, in Finland"
            " the Data Protection Ombudsman, if you consider that the processing of your"
            " personal data infringes the law."
        ),
    }


def automated_decisions() -> dict[str, Any]:
    return {
        "used": False,
        "text": _(
            "No decisions based solely on automated processing, including profiling, are"
            " made about you (Art. 22)."
        ),
    }


def _retention(retention: registry.Retention) -> dict[str, Any]:
    return {
        "kind": str(retention.kind),
        "text": retention.describe(),
        "days": retention.resolved_days(),
    }


def category_info(category: registry.Category) -> dict[str, Any]:
    sources = dict(DataSource.choices)
    basis = registry.LegalBasis(category.legal_basis)
    return {
        "key": category.key,
        "label": str(category.label),
        "description": str(category.description),
        "purposes": [{"key": str(p), "label": str(p.label)} for p in category.purposes],
        "legal_basis": {"key": str(basis), "label": str(basis.label), "article": basis.article},
        "retention": _retention(category.retention),
        "sources": [{"key": s, "label": str(sources.get(s, s))} for s in category.sources],
        "recipients": [{"key": str(r), "label": str(r.label)} for r in category.recipients],
    }


def _unique(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for item in items:
        seen.setdefault(item["key"], item)
    return list(seen.values())


def information(*, collected: Collected, controller: dict[str, str]) -> dict[str, Any]:
    """The Art. 15(1)-(4) information about the categories the person's data falls in."""
    categories = [category_info(c) for c in registry.categories() if c.key in collected.categories]
    disclosures = list(collected.disclosures.values())
    return {
        "controller": controller,
        "categories": categories,
        "purposes": _unique([p for c in categories for p in c["purposes"]]),
        "legal_bases": _unique([c["legal_basis"] for c in categories]),
        "recipients": _unique([r for c in categories for r in c["recipients"]]),
        "disclosures": disclosures,
        "transfers_outside_eea": any(d["outside_eea"] for d in disclosures),
        "sources": {
            "categories": _unique([s for c in categories for s in c["sources"]]),
            "recorded": collected.sources,
        },
        "rights": rights(),
        "complaint": complaint(),
        "automated_decision_making": automated_decisions(),
    }
