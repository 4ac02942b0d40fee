"""What other apps declare so gdpr can build their marketing audiences without importing
them.

An app that sends marketing to a list of its rows (an organization's memberships) declares
how such a row names its person: the foreign key to the user, and the row's own email
address for someone without an account. The app picks the rows (who the list holds);
``gdpr.marketing.services.marketing_audience`` leaves out everyone who said no. Apps
register from their ``AppConfig.ready()`` through ``gdpr.api``; this module imports no app.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class MarketingAudience:
    """Rows of ``model`` that a marketing list may be built from.

    ``person`` is the foreign key to the user (null for someone without an account);
    ``own_email`` the row's own address, used for such a person ("" when the model keeps
    none: then only people with an account are reached by email).
    """

    model: type[models.Model]
    person: str = "user"
    own_email: str = ""


_audiences: dict[type[models.Model], MarketingAudience] = {}


def register_marketing_audience(audience: MarketingAudience) -> MarketingAudience:
    _audiences[audience.model._meta.concrete_model] = audience
    return audience


def unregister_marketing_audience(model: type[models.Model]) -> None:
    _audiences.pop(model._meta.concrete_model, None)


def marketing_audience_for(model: type[models.Model]) -> MarketingAudience:
    """How rows of ``model`` name their person; LookupError when no app declared it (a
    list of undeclared rows cannot be checked against bans, so none is built)."""
    try:
        return _audiences[model._meta.concrete_model]
    except KeyError:
        raise LookupError(
            f"{model._meta.label} is not declared as a marketing audience "
            "(gdpr.api.register_marketing_audience)."
        ) from None
