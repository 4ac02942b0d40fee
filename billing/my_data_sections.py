"""What billing contributes to the member's "My data" page: invoices and contracts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from accounts.my_data import Section, register

from . import selectors

if TYPE_CHECKING:
    from accounts.models import User

LATEST_INVOICES = 10
LATEST_CONTRACTS = 20


def _invoices(user: User) -> dict[str, Any]:
    invoices = selectors.invoices_for_member(user=user)
    return {"invoices": list(invoices[:LATEST_INVOICES]), "total": invoices.count()}


def _contracts(user: User) -> dict[str, Any]:
    contracts = selectors.contracts_for_member(user=user)
    return {"contracts": list(contracts[:LATEST_CONTRACTS]), "total": contracts.count()}


register(
    Section(
        "invoices",
        _("Invoices"),
        "billing/my_data/invoices.html",
        _invoices,
        order=17,
        queries=2,  # the latest invoices with their organizations, and the count
    )
)
register(
    Section(
        "einvoice_addresses",
        _("E-invoice addresses"),
        "billing/my_data/einvoice_addresses.html",
        lambda user: {"addresses": selectors.einvoice_addresses_for_member(user=user)},
        order=19,
        queries=1,  # the addresses with their organizations
    )
)
register(
    Section(
        "contracts",
        _("Contracts"),
        "billing/my_data/contracts.html",
        _contracts,
        order=18,
        queries=2,  # the latest contracts with organizations and products, and the count
    )
)
