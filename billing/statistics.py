"""Billing's section of an organization's statistics dashboard (``organizations.statistics``).

Amounts are shown only when at least five people are behind them (registry.charts): a sum
of one member's invoices would tell what that member owes.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations.statistics import (
    Headline,
    SectionFigures,
    StatisticsSection,
    month_label,
    months_back,
    register_statistics_section,
)
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


def build(organization: Organization, today: datetime.date) -> SectionFigures:
    """Billing's figures: four queries."""
    months = months_back(today, MONTHS)
    since = months[0]
    by_month = selectors.invoice_amounts_by_month(organization=organization, since=since)
    owed = selectors.receivables(organization=organization, today=today, paid_since=since)
    delays = selectors.payment_delays(organization=organization, since=since)
    products = selectors.active_contracts_by_product(organization=organization, today=today)

    empty = selectors.MonthAmounts()
    rows = [by_month.get(month, empty) for month in months]
    ages = selectors.OVERDUE_AGES_PAST_DUE
    figures = [
        Figure(
            BY_MONTH,
            _("Invoiced, paid and open by month"),
            _("Month of issue"),
            [month_label(month) for month in months],
            [
                Series(
                    _("Invoiced"), [r.invoiced for r in rows], [r.invoiced_people for r in rows]
                ),
                Series(_("Paid"), [r.paid for r in rows], [r.paid_people for r in rows]),
                Series(_("Open"), [r.open for r in rows], [r.open_people for r in rows]),
            ],
            money=True,
            description=_(
                "Invoices issued in each of the last %(months)s months: their totals, what "
                "has been paid of them and what is still to be paid."
            )
            % {"months": MONTHS},
        ),
        Figure(
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
        ),
        Figure(
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
        ),
    ]
    headlines = [
        Headline(
            _("People with invoices in collection"),
            count_cell(owed.collection_people),
        ),
        Headline(
            _("Median days from invoice date to payment"),
            median_cell(selectors.median_of(delays), owed.paid_people),
            _("invoices issued in the last %(months)s months and paid in full")
            % {"months": MONTHS},
        ),
    ]
    return SectionFigures(headlines=headlines, figures=figures)


register_statistics_section(
    StatisticsSection(
        "billing",
        gettext_lazy("Billing"),
        (BY_MONTH, OVERDUE, CONTRACTS),
        build,
        order=20,
        queries=4,
    )
)
