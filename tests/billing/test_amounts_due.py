"""Amounts due at a glance: the organization's invoices by state and overdue age, as CSV,
and what a member owes in total, per organization."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from billing import selectors, services
from billing.models import Invoice
from organizations.models import Membership, Organization
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .factories import bank_account, invoice_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture
def admin(db) -> User:
    return UserFactory(first_name="Aila", last_name="Admin", preferred_language="en")


@pytest.fixture
def organization(admin) -> Organization:
    organization = organization_with_admin(admin, name="Malmin Ilmailukerho ry")
    bank_account(organization)
    return organization


@pytest.fixture
def member(db) -> User:
    return UserFactory(first_name="Aino", last_name="Virtanen", preferred_language="en")


@pytest.fixture
def membership(organization, member) -> Membership:
    return add_member(organization, member)


def _due(membership: Membership, days_overdue: int) -> Invoice:
    due = days_ago(days_overdue)
    return invoice_for(
        membership, send=True, issue_date=due - datetime.timedelta(days=14), due_date=due
    )


@pytest.fixture
def aged(membership) -> dict[str, Invoice]:
    return {
        "not_due": _due(membership, -5),
        "1_30": _due(membership, 1),
        "1_30_edge": _due(membership, 30),
        "31_60": _due(membership, 31),
        "61_90": _due(membership, 90),
        "over_90": _due(membership, 91),
    }


@pytest.mark.parametrize(
    ("age", "keys"),
    [
        ("not_due", {"not_due"}),
        ("1_30", {"1_30", "1_30_edge"}),
        ("31_60", {"31_60"}),
        ("61_90", {"61_90"}),
        ("over_90", {"over_90"}),
        ("", {"not_due", "1_30", "1_30_edge", "31_60", "61_90", "over_90"}),
    ],
)
def test_it_filters_the_invoices_by_overdue_age(organization, aged, age, keys):
    found = set(selectors.invoice_list(organization=organization, age=age, today=TODAY))
    assert found == {aged[key] for key in keys}


def test_a_paid_invoice_or_a_draft_has_no_overdue_age(organization, membership, aged):
    paid = _due(membership, 45)
    services.payment_record(
        organization=organization,
        invoice=paid,
        amount=paid.total,
        paid_on=TODAY,
        actor=None,
    )
    invoice_for(membership)  # a draft
    assert paid not in selectors.invoice_list(organization=organization, age="31_60")
    assert list(selectors.invoice_list(organization=organization, age="31_60")) == [aged["31_60"]]


def test_the_page_combines_state_and_age_and_downloads_the_same_as_csv(
    client, admin, organization, membership, aged
):
    services.payment_record(
        organization=organization,
        invoice=aged["31_60"],
        amount=Decimal("25.50"),
        paid_on=TODAY,
        actor=None,
    )
    client.force_login(admin)
    url = reverse("billing:invoices", args=[organization.pk])
    page = client.get(url, {"status": "partially_paid", "age": "31_60"})
    assert [invoice.pk for invoice in page.context["page"]] == [aged["31_60"].pk]
    csv_url = reverse("billing:invoices_csv", args=[organization.pk])
    assert f"{csv_url}?status=partially_paid&amp;age=31_60" in page.content.decode()

    response = client.get(csv_url, {"status": "partially_paid", "age": "31_60"})
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert header[0] == "Number" and header[-1] == "Days overdue"
    assert rows == [
        [
            str(aged["31_60"].number),
            "Aino Virtanen",
            aged["31_60"].issue_date.strftime("%d.%m.%Y"),
            aged["31_60"].due_date.strftime("%d.%m.%Y"),
            "Partially paid",
            "125,50",
            "25,50",
            "100,00",
            "31",
        ]
    ]
    # A mistyped filter shows everything rather than an error.
    assert client.get(url, {"age": "forever"}).status_code == 200


def test_the_csv_is_formula_safe(client, admin, organization):
    evil = add_member(organization, UserFactory(first_name="=HYPERLINK(1)", last_name="x"))
    invoice_for(evil, send=True)
    client.force_login(admin)
    response = client.get(reverse("billing:invoices_csv", args=[organization.pk]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert ";'=HYPERLINK(1) x;" in text


def test_the_csv_runs_the_same_queries_for_1_or_40_invoices(
    client, admin, organization, membership, django_assert_max_num_queries
):
    client.force_login(admin)
    url = reverse("billing:invoices_csv", args=[organization.pk])

    def download() -> int:
        return len(b"".join(client.get(url).streaming_content))

    _due(membership, 3)
    with django_assert_max_num_queries(20) as few:
        download()
    for days in range(40):
        _due(membership, days)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert download() > 0


def test_the_filtered_list_runs_the_same_queries_for_1_or_40_invoices(
    client, admin, organization, membership, django_assert_max_num_queries
):
    client.force_login(admin)
    url = reverse("billing:invoices", args=[organization.pk])
    _due(membership, 10)
    with django_assert_max_num_queries(30) as few:
        client.get(url, {"age": "1_30"})
    for days in range(1, 30):
        _due(membership, days)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url, {"age": "1_30"})


# --- The member's total ------------------------------------------------------------------------


def test_the_member_sees_what_they_owe_per_organization(client, member, membership):
    other = organization_with_admin(UserFactory(), name="Vaasan Lentokerho ry")
    bank_account(other)
    elsewhere = add_member(other, member)
    first = _due(membership, 10)
    _due(membership, -3)
    services.payment_record(
        organization=membership.organization,
        invoice=first,
        amount=Decimal("25.50"),
        paid_on=TODAY,
        actor=None,
    )
    paid = _due(membership, 20)
    services.payment_record(
        organization=membership.organization,
        invoice=paid,
        amount=paid.total,
        paid_on=TODAY,
        actor=None,
    )
    credited = _due(membership, 5)
    services.invoice_credit(invoice=credited, actor=None)
    invoice_for(membership)  # a draft is not owed yet
    _due(elsewhere, 3)

    owed = {
        row["organization_name"]: row["owed"]
        for row in selectors.amounts_owed_by_member(user=member)
    }
    assert owed == {
        "Malmin Ilmailukerho ry": Decimal("100.00") + Decimal("125.50"),
        "Vaasan Lentokerho ry": Decimal("125.50"),
    }
    client.force_login(member)
    content = client.get(reverse("billing:my_invoices")).content.decode()
    assert "225,50\N{NO-BREAK SPACE}€" in content
    assert "Vaasan Lentokerho ry" in content


def test_a_member_who_owes_nothing_is_told_so(client, member, membership):
    client.force_login(member)
    response = client.get(reverse("billing:my_invoices"))
    assert response.context["owed"] == []
    assert "You owe nothing on your invoices." in response.content.decode()
