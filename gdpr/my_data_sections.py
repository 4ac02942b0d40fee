"""What gdpr contributes to the member's "My data" page: their privacy requests, marketing
bans and consents, and the disclosures of their data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from accounts.my_data import Section, register
from gdpr import declarations as registry
from gdpr.disclosures.services import disclosures_of
from gdpr.models import Consent, MarketingBan
from gdpr.requests.member import requests_of

if TYPE_CHECKING:
    from accounts.models import User

LATEST_REQUESTS = 20
LATEST_CHOICES = 50
LATEST_DISCLOSURES = 20


def _requests(user: User) -> dict[str, Any]:
    requests = requests_of(user)
    return {"requests": list(requests[:LATEST_REQUESTS]), "total": requests.count()}


def _marketing(user: User) -> dict[str, Any]:
    # Lifted bans and withdrawn consents too: the history is part of what is held.
    return {
        "bans": list(
            MarketingBan.objects.filter(user=user).order_by("-banned_at")[:LATEST_CHOICES]
        ),
        "consents": list(Consent.objects.filter(user=user).order_by("-given_at")[:LATEST_CHOICES]),
    }


def _disclosures(user: User) -> dict[str, Any]:
    disclosures = disclosures_of(user)
    shown = list(disclosures[:LATEST_DISCLOSURES])
    # Which data went, in words (the registry is in memory: no query).
    labels = {category.key: category.label for category in registry.categories()}
    for disclosure in shown:
        disclosure.category_labels = [labels.get(key, key) for key in disclosure.categories or []]
    return {"disclosures": shown, "total": disclosures.count()}


register(
    Section(
        "privacy_requests",
        _("Privacy requests"),
        "gdpr/my_data/requests.html",
        _requests,
        order=70,
        queries=2,  # the latest requests with their exports, and the count
    )
)
register(
    Section(
        "marketing_choices",
        _("Marketing bans and consents"),
        "gdpr/my_data/marketing.html",
        _marketing,
        order=72,
        queries=2,  # bans, consents
    )
)
register(
    Section(
        "disclosures",
        _("Disclosures of my data"),
        "gdpr/my_data/disclosures.html",
        _disclosures,
        order=74,
        queries=2,  # the latest disclosures, and the count
    )
)
