"""Billing's section of an organization's statistics dashboard (``organizations.statistics``).

Amounts are shown only when at least five people are behind them (registry.charts): a sum
of one member's invoices would tell what that member owes.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gdpr.api import StatisticsUse, register_statistics_use
from organizations.statistics import (
    Headline,
    SectionFigures,
    StatisticsSection,
    register_statistics_section,
)
from registry.aggregates import median_of, month_label, months_back
from registry.charts import SMALL_CELL_LIMIT, Cell, Figure, Series, count_cell

from . import selectors

if TYPE_CHECKING:
    from organizations.models import Organization

MONTHS = 12

BY_MONTH = "billing-by-month"
OVERDUE = "billing-overdue"
CONTRACTS = "billing-contracts"


def overdue_age_label(key: str) -> str:
    """The label of an overdue age, a key of ``selectors.OVERDUE_AGES``."""
    first, last = next((f, last) for k, f, last in selectors.OVERDUE_AGES if k == key)
    if last is None:
        return _("Over %(days)s days") % {"days": first - 1}
    return _("%(days)s days") % {"days": f"{first}\N{EN DASH}{last}"}


def median_cell(value: float | int | None, people: int) -> Cell:
    """A median shown only when at least five people's invoices are behind it."""
    return Cell(None if value is None or people < SMALL_CELL_LIMIT else value)


def _since(today: datetime.date) -> datetime.date:
    return months_back(today, MONTHS)[0]


def _by_month(organization: Organization, today: datetime.date) -> Figure:
    """Invoiced, paid and open by month of issue: one query."""
    months = months_back(today, MONTHS)
    by_month = selectors.invoice_amounts_by_month(organization=organization, since=months[0])
    empty = selectors.MonthAmounts()
    rows = [by_month.get(month, empty) for month in months]
    return Figure(
        BY_MONTH,
        _("Invoiced, paid and open by month"),
        _("Month of issue"),
        [month_label(month) for month in months],
        [
            Series(_("Invoiced"), [r.invoiced for r in rows], [r.invoiced_people for r in rows]),
            Series(_("Paid"), [r.paid for r in rows], [r.paid_people for r in rows]),
            Series(_("Open"), [r.open for r in rows], [r.open_people for r in rows]),
        ],
        money=True,
        description=_(
            "Invoices issued in each of the last %(months)s months: their totals, what "
            "has been paid of them and what is still to be paid."
        )
        % {"months": MONTHS},
    )


def _overdue(owed: selectors.Receivables) -> Figure:
    ages = selectors.OVERDUE_AGES_PAST_DUE
    return Figure(
        OVERDUE,
        _("Overdue by days past the due date"),
        _("Past due"),
        [overdue_age_label(key) for key in ages],
        [
            Series(
                _("Overdue"),
                [owed.overdue[key][0] for key in ages],
                [owed.overdue[key][1] for key in ages],
            )
        ],
        money=True,
        description=_("What is still to be paid on invoices past their due date today."),
    )


def _contracts(organization: Organization, today: datetime.date) -> Figure:
    """Contracts in force per product: one query."""
    products = selectors.active_contracts_by_product(organization=organization, today=today)
    return Figure(
        CONTRACTS,
        _("Contracts in force by product"),
        _("Product"),
        [product.name for product in products],
        [
            Series(
                _("Contracts"),
                [product.contracts for product in products],
                [product.people for product in products],
            )
        ],
        kind="horizontal",
    )


def _receivables(organization: Organization, today: datetime.date) -> selectors.Receivables:
    return selectors.receivables(organization=organization, today=today, paid_since=_since(today))


def build(organization: Organization, today: datetime.date) -> SectionFigures:
    """Billing's figures: four queries."""
    owed = _receivables(organization, today)
    delays = selectors.payment_delays(organization=organization, since=_since(today))
    headlines = [
        Headline(
            _("People with invoices in collection"),
            count_cell(owed.collection_people),
        ),
        Headline(
            _("Median days from invoice date to payment"),
            median_cell(median_of(delays), owed.paid_people),
            _("invoices issued in the last %(months)s months and paid in full")
            % {"months": MONTHS},
        ),
    ]
    figures = [
        _by_month(organization, today),
        _overdue(owed),
        _contracts(organization, today),
    ]
    return SectionFigures(headlines=headlines, figures=figures)


def build_figure(organization: Organization, today: datetime.date, slug: str) -> Figure | None:
    """One figure alone: one query each."""
    if slug == BY_MONTH:
        return _by_month(organization, today)
    if slug == OVERDUE:
        return _overdue(_receivables(organization, today))
    if slug == CONTRACTS:
        return _contracts(organization, today)
    return None


register_statistics_section(
    StatisticsSection(
        "billing",
        gettext_lazy("Billing"),
        (BY_MONTH, OVERDUE, CONTRACTS),
        build,
        order=20,
        queries=4,
        build_figure=build_figure,
    )
)

# The privacy notice and the records of processing describe this use (GDPR Art. 13, 30).
register_statistics_use(
    StatisticsUse(
        key="billing.statistics",
        title=gettext_lazy("An organization's billing statistics"),
        audience=gettext_lazy("The admins of the organization"),
        description=gettext_lazy(
            "Amounts invoiced, paid and still open per month, overdue amounts by how long they"
            " have been overdue, invoices in collection, the median number of days to payment"
            " and contracts in force per product: to follow the organization's finances."
        ),
    )
)
