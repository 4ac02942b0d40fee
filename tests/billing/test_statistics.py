"""Billing's section of the statistics dashboard: amounts by month, overdue ages, collection,
the median payment delay and contracts per product, small groups hidden."""

from __future__ import annotations

import csv
import datetime
import io
import re
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing import selectors, services
from billing import statistics as billing_statistics
from billing.models import Invoice
from organizations.models import Organization
from organizations.statistics import section_for_figure
from registry.aggregates import median_of
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .factories import contract_for, invoice_for, product

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)
NOW = datetime.datetime(2026, 6, 15, 12, tzinfo=zoneinfo.ZoneInfo("Europe/Helsinki"))
TOTAL = Decimal("125.50")  # 100 € and VAT 25.5 %
MAY = datetime.date(2026, 5, 4)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admin(db):
    return UserFactory(email="aila.admin@example.fi", preferred_language="en")


@pytest.fixture
def organization(admin) -> Organization:
    return organization_with_admin(admin, name="Malmin Ilmailukerho ry")


@pytest.fixture
def admin_client(client, admin, organization):
    client.force_login(admin)
    return client


def _invoice(membership, issued: datetime.date, due: datetime.date) -> Invoice:
    return invoice_for(membership, send=True, issue_date=issued, due_date=due)


def _pay(invoice: Invoice, paid_on: datetime.date) -> None:
    services.payment_record(
        organization=invoice.organization,
        amount=invoice.total,
        paid_on=paid_on,
        invoice=invoice,
        actor=None,
    )


@pytest.fixture
def books(organization: Organization) -> Organization:
    """Eight members (m0…m7) and:

    - May 2026: an invoice to each of m0…m5; m0…m4 paid in 3, 5, 10, 14 and 20 days, m5's
      unpaid (28 days past due);
    - January 2026: an invoice to each of m0…m4, unpaid and handed over to collection
      (over 90 days past due);
    - April 2026: an invoice to each of m5…m7, unpaid (45 days past due);
    - six contracts of a membership fee (m0…m5), two of a hangar place (m6, m7) and one
      of them terminated; a product no longer on sale with none.
    """
    members = [add_member(organization) for _ in range(8)]
    for member, days in zip(members, (3, 5, 10, 14, 20), strict=False):
        _pay(
            _invoice(member, MAY, MAY + datetime.timedelta(days=14)),
            MAY + datetime.timedelta(days=days),
        )
    _invoice(members[5], MAY, datetime.date(2026, 5, 18))
    collected = [
        _invoice(member, datetime.date(2026, 1, 10), datetime.date(2026, 1, 24)).pk
        for member in members[:5]
    ]
    Invoice.objects.filter(pk__in=collected).update(
        status=Invoice.Status.IN_COLLECTION, collection_on=datetime.date(2026, 3, 1)
    )
    for member in members[5:]:
        _invoice(member, datetime.date(2026, 4, 20), datetime.date(2026, 5, 1))

    fee = product(organization, name="Jäsenmaksu")
    hangar = product(organization, name="Hallipaikka")
    for member in members[:6]:
        contract_for(member, fee)
    for member in members[6:]:
        contract_for(member, hangar)
    ended = contract_for(members[7], hangar)
    services.contract_terminate(
        contract=ended, terminated_on=datetime.date(2026, 5, 31), reason="", actor=None
    )
    product(organization, name="Vanha tuote", is_active=False)
    return organization


def _values(figure, series: int = 0) -> list:
    return [cell.value for cell in figure.cells[series]]


def test_it_sums_the_invoices_of_each_month(books):
    months = selectors.invoice_amounts_by_month(organization=books, since=datetime.date(2025, 7, 1))
    may = months[datetime.date(2026, 5, 1)]
    assert (may.invoiced, may.invoiced_people) == (6 * TOTAL, 6)
    assert (may.paid, may.paid_people) == (5 * TOTAL, 5)
    assert (may.open, may.open_people) == (TOTAL, 1)
    january = months[datetime.date(2026, 1, 1)]
    assert (january.invoiced, january.open, january.open_people) == (5 * TOTAL, 5 * TOTAL, 5)
    assert months[datetime.date(2026, 4, 1)].open_people == 3


def test_it_counts_what_is_overdue_by_age(books):
    owed = selectors.receivables(
        organization=books, today=TODAY, paid_since=datetime.date(2025, 7, 1)
    )
    assert owed.overdue == {
        "1_30": (TOTAL, 1),
        "31_60": (3 * TOTAL, 3),
        "61_90": (Decimal("0.00"), 0),
        "over_90": (5 * TOTAL, 5),
    }
    assert (owed.collection_invoices, owed.collection_people) == (5, 5)
    assert owed.paid_people == 5


def test_it_measures_the_days_to_payment(books):
    delays = selectors.payment_delays(organization=books, since=datetime.date(2025, 7, 1))
    assert delays == {3: 1, 5: 1, 10: 1, 14: 1, 20: 1}
    assert median_of(delays) == 10


@pytest.mark.parametrize(
    ("distribution", "median"),
    [
        ({}, None),
        ({7: 1}, 7),
        ({3: 1, 5: 1}, 4),
        ({3: 1, 4: 1}, 3.5),
        ({1: 3, 10: 1}, 1),
        ({1: 2, 10: 2}, 5.5),
        ({2: 1, 9: 5, 30: 1}, 9),
    ],
)
def test_the_median_comes_from_the_distribution(distribution, median):
    assert median_of(distribution) == median


def test_it_counts_contracts_in_force_per_product(books):
    rows = selectors.active_contracts_by_product(organization=books, today=TODAY)
    assert [(r.name, r.contracts, r.people) for r in rows] == [
        ("Hallipaikka", 2, 2),
        ("Jäsenmaksu", 6, 6),
    ]


def test_it_draws_the_figures_with_small_groups_hidden(books):
    built = billing_statistics.build(books, TODAY)
    by_month = built.figure(billing_statistics.BY_MONTH)
    assert len(by_month.categories) == 12
    may = 10  # July 2025 … June 2026
    assert [_values(by_month, s)[may] for s in range(3)] == [6 * TOTAL, 5 * TOTAL, None]
    assert _values(by_month, 2)[6] == 5 * TOTAL  # January: five people owe it
    assert _values(by_month, 0)[9] is None  # April: three people

    overdue = built.figure(billing_statistics.OVERDUE)
    assert _values(overdue) == [None, None, Decimal("0.00"), 5 * TOTAL]
    contracts = built.figure(billing_statistics.CONTRACTS)
    assert _values(contracts) == [None, 6]

    collection, median = built.headlines
    assert collection.cell.value == 5
    assert median.cell.value == 10


def test_a_median_of_fewer_than_five_people_is_hidden(organization):
    members = [add_member(organization) for _ in range(4)]
    for member in members:
        _pay(_invoice(member, MAY, MAY + datetime.timedelta(days=14)), MAY)
    built = billing_statistics.build(organization, TODAY)
    assert built.headlines[1].cell.hidden
    # One person paying five invoices is still one person.
    for _ in range(4):
        _pay(_invoice(members[0], MAY, MAY + datetime.timedelta(days=14)), MAY)
    assert billing_statistics.build(organization, TODAY).headlines[1].cell.hidden


def _url(organization, figure=None) -> str:
    if figure is None:
        return reverse("organizations:statistics", args=[organization.pk])
    return reverse("organizations:statistics_figure", args=[organization.pk, figure])


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body), delimiter=";"))


def test_the_page_shows_billings_figures_without_small_groups(admin_client, books):
    html = admin_client.get(_url(books)).content.decode()
    for slug in section_for_figure(billing_statistics.OVERDUE).figure_slugs:
        assert f'href="{_url(books, slug)}?format=csv"' in html
    cells = re.findall(r'<td class="num">([^<]*)</td>', html)
    assert "3" not in cells
    # Three times 125.50 € (April's three people) is never shown, in any format of the amount.
    assert "376,50" not in html and "376.50" not in html


def test_the_figures_download_without_small_groups(admin_client, books):
    for slug in section_for_figure(billing_statistics.OVERDUE).figure_slugs:
        rows = _csv_rows(admin_client.get(_url(books, slug), {"format": "csv"}))
        values = [value for row in rows[1:] for value in row[1:]]
        assert "3" not in values and not any("376" in value for value in values), slug
        svg = admin_client.get(_url(books, slug), {"format": "svg"}).content.decode()
        drawn = re.findall(r'<desc class="value">([^<]*)</desc>', svg)
        assert not any("376" in value for value in drawn), slug
        assert drawn or slug != billing_statistics.BY_MONTH
    overdue = _csv_rows(
        admin_client.get(_url(books, billing_statistics.OVERDUE), {"format": "csv"})
    )
    assert [row[1] for row in overdue[1:]][:2] == ["< 5", "< 5"]


def test_billings_figures_run_a_fixed_number_of_queries(admin_client, books):
    admin_client.get(_url(books))

    def count(url, **params) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(url, params)
            if response.streaming:
                b"".join(response.streaming_content)
        return len(captured)

    page = count(_url(books))
    figure = count(_url(books, billing_statistics.BY_MONTH), format="csv")
    members = [add_member(books) for _ in range(6)]
    for n, member in enumerate(members):
        invoice = _invoice(member, datetime.date(2026, 2, 1 + n), datetime.date(2026, 2, 20))
        _pay(invoice, datetime.date(2026, 3, 1 + n))
        contract_for(member, product(books))
    assert count(_url(books)) == page
    assert count(_url(books, billing_statistics.BY_MONTH), format="csv") == figure
