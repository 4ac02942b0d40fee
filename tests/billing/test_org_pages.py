"""The organization admin's billing pages: products, contracts, invoices and payments."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from billing import services
from billing.models import (
    CollectionPartner,
    Contract,
    ContractEvent,
    Invoice,
    Payment,
    Product,
    Reminder,
)
from billing.money import VatRate
from billing.reminders import billing_settings_save
from organizations.models import Membership, Organization
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .factories import bank_account, contract_for, invoice_for, line, product

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PAST_DUE = TODAY - datetime.timedelta(days=20)
NBSP = "\N{NO-BREAK SPACE}"


@pytest.fixture
def admin(db) -> User:
    return UserFactory(
        email="aila.admin@example.fi",
        first_name="Aila",
        last_name="Admin",
        preferred_language="en",
    )


@pytest.fixture
def organization(admin) -> Organization:
    organization = organization_with_admin(admin, name="Malmin Ilmailukerho ry")
    bank_account(organization)
    return organization


@pytest.fixture
def membership(organization) -> Membership:
    user = UserFactory(email="aino.member@example.fi", first_name="Aino", last_name="Virtanen")
    return add_member(organization, user, member_number="17")


@pytest.fixture
def admin_client(client, admin, organization):
    client.force_login(admin)
    return client


def url(name: str, organization: Organization, *args) -> str:
    return reverse(f"billing:{name}", args=[organization.pk, *args])


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _options(html: str, name: str) -> list[str]:
    """The visible labels of the options of select ``name``."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    return [
        label for _value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)<', select[1])
    ]


def _sent(membership: Membership, **fields) -> Invoice:
    return invoice_for(membership, send=True, **fields)


# --- Products ------------------------------------------------------------------------------


def test_it_lists_the_products_with_prices_and_rates(admin_client, organization):
    product(organization, name="Jäsenmaksu", unit_price=Decimal("1234.50"))
    product(organization, name="Kurssi", vat_rate=VatRate.ZERO, is_active=False)
    content = admin_client.get(url("products", organization)).content.decode()
    assert "Jäsenmaksu" in content
    assert f"1{NBSP}234,50{NBSP}€" in content
    assert f"25,5{NBSP}%" in content
    assert "Off sale" in content


def test_it_adds_a_product_with_a_price_typed_the_finnish_way(admin_client, organization):
    response = admin_client.post(
        url("product_add", organization),
        {
            "name": "  Lentotunti   C172 ",
            "description": "Koululentokone",
            "unit": Product.Unit.FLIGHT_HOUR,
            "unit_price": "1 234,50 €",
            "vat_rate": "10",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url("products", organization)
    saved = Product.objects.get(organization=organization)
    assert (saved.name, saved.unit_price, saved.vat_rate, saved.is_active) == (
        "Lentotunti C172",
        Decimal("1234.50"),
        Decimal("10"),
        True,
    )


@time_machine.travel(datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC))
def test_it_offers_the_vat_rates_in_force_and_keeps_an_old_products_rate(
    admin_client, organization
):
    content = admin_client.get(url("product_add", organization)).content.decode()
    assert _options(content, "vat_rate") == [f"{r} %" for r in ("25.5", "13.5", "10", "0")]

    old = product(organization, vat_rate=VatRate.REDUCED_14)
    ten = product(organization, vat_rate=VatRate.REDUCED_10)
    old_page = admin_client.get(url("product_edit", organization, old.pk)).content.decode()
    assert "14 %" in _options(old_page, "vat_rate")
    # The stored 10.0 is the selected option, not the first one.
    ten_page = admin_client.get(url("product_edit", organization, ten.pk)).content.decode()
    assert re.search(r'<option value="10" selected>', ten_page)


def test_it_takes_a_product_off_sale(admin_client, organization, membership):
    fee = product(organization, name="Jäsenmaksu")
    response = admin_client.post(
        url("product_edit", organization, fee.pk),
        {"name": "Jäsenmaksu", "unit": "year", "unit_price": "100.00", "vat_rate": "25.5"},
    )
    assert response.status_code == 302
    assert _messages(admin_client.get(response["Location"])) == [
        "The product Jäsenmaksu was saved."
    ]
    fee.refresh_from_db()
    assert not fee.is_active
    for page in ("contract_open", "invoice_create"):
        content = admin_client.get(url(page, organization)).content.decode()
        assert "Jäsenmaksu" not in content, page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "Jäsenmaksu"}, "name", "The organization already has a product with this name."),
        ({"unit_price": "-5"}, "unit_price", "Ensure this value is greater than or equal to 0."),
        ({"unit_price": "kymppi"}, "unit_price", "Enter a number."),
        ({"unit_price": "1e999"}, "unit_price", "Ensure that there are no more than 12 digits"),
        ({"vat_rate": "24"}, "vat_rate", "Select a valid choice. 24 is not one of the available"),
    ],
)
def test_it_explains_bad_product_input_and_keeps_it(
    admin_client, organization, data, field, message
):
    product(organization, name="Jäsenmaksu")
    posted = {"name": "Kurssi", "unit": "piece", "unit_price": "10", "vat_rate": "25.5", **data}
    response = admin_client.post(url("product_add", organization), posted)
    assert response.status_code == 200
    assert any(error.startswith(message) for error in response.context["form"].errors[field])
    assert Product.objects.count() == 1


# --- Contracts -----------------------------------------------------------------------------


def test_it_offers_only_the_organizations_active_members(admin_client, organization, membership):
    add_member(organization, UserFactory(first_name="Eero", last_name="Eronnut"), status="ended")
    add_member(
        organization, UserFactory(first_name="Kalle", last_name="Kutsuttu"), status="invited"
    )
    other = organization_with_admin(UserFactory(first_name="Olli", last_name="Muualla"))
    add_member(other, UserFactory(first_name="Ville", last_name="Vieras"))

    content = admin_client.get(url("contract_open", organization)).content.decode()
    assert _options(content, "membership") == [
        "Choose a member",
        "Aila Admin",
        "Aino Virtanen (17)",
    ]


def test_it_narrows_the_member_list_by_a_search(admin_client, organization, membership):
    add_member(
        organization, UserFactory(first_name="Pekka", last_name="Pilotti"), member_number="99"
    )
    content = admin_client.get(
        url("contract_open", organization), {"member_q": "pilotti"}
    ).content.decode()
    assert _options(content, "membership") == ["Choose a member", "Pekka Pilotti (99)"]


def test_it_lists_a_large_registers_first_members_and_keeps_the_chosen_one(
    admin_client, organization, membership, monkeypatch
):
    monkeypatch.setattr("billing.forms.MEMBER_CHOICES_LIMIT", 1)
    zacharias = add_member(organization, UserFactory(first_name="Zacharias", last_name="Öberg"))
    page = admin_client.get(url("contract_open", organization)).content.decode()
    assert _options(page, "membership") == ["Choose a member", "Aila Admin"]
    assert "Only the first members are listed" in page

    # A member found by a search stays chosen when the form comes back with an error.
    response = admin_client.post(
        url("contract_open", organization),
        {"membership": zacharias.pk, "product": "", "quantity": "1", "opened_on": "2026-04-01"},
    )
    assert response.status_code == 200
    assert "Zacharias Öberg" in _options(response.content.decode(), "membership")
    assert "membership" not in response.context["form"].errors


def test_it_opens_a_contract_and_shows_its_history(admin_client, organization, membership, admin):
    fee = product(organization, name="Hallipaikka")
    response = admin_client.post(
        url("contract_open", organization),
        {
            "membership": membership.pk,
            "product": fee.pk,
            "quantity": "2",
            "opened_on": "1.4.2026",
        },
    )
    contract = Contract.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("contract", organization, contract.pk)
    assert (contract.membership, contract.product, contract.quantity, contract.opened_on) == (
        membership,
        fee,
        Decimal(2),
        datetime.date(2026, 4, 1),
    )
    content = admin_client.get(response["Location"]).content.decode()
    assert "Hallipaikka" in content
    assert "Opened" in content
    assert "Aila Admin" in content
    listed = admin_client.get(url("contracts", organization)).content.decode()
    assert "Aino Virtanen" in listed


def test_it_refuses_a_contract_for_a_member_who_has_left(admin_client, organization):
    ended = add_member(organization, status=Membership.Status.ENDED)
    response = admin_client.post(
        url("contract_open", organization),
        {
            "membership": ended.pk,
            "product": product(organization).pk,
            "quantity": "1",
            "opened_on": "2026-04-01",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["membership"][0].startswith("Select a valid choice")
    assert not Contract.objects.exists()


def test_it_terminates_a_contract_with_a_date_and_a_reason(admin_client, organization, membership):
    contract = contract_for(membership)
    response = admin_client.post(
        url("contract_terminate", organization, contract.pk),
        {"terminated_on": "2026-12-31", "reason": "Muuttaa ulkomaille"},
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert (contract.terminated_on, contract.termination_reason) == (
        datetime.date(2026, 12, 31),
        "Muuttaa ulkomaille",
    )
    assert contract.events.filter(kind=ContractEvent.Kind.TERMINATED).count() == 1
    content = admin_client.get(response["Location"]).content.decode()
    assert "Muuttaa ulkomaille" in content
    assert "Terminated" in content

    again = admin_client.post(
        url("contract_terminate", organization, contract.pk),
        {"terminated_on": "2027-01-31", "reason": "Uudestaan"},
    )
    assert again.status_code == 200
    assert "The contract has already been terminated." in again.content.decode()
    contract.refresh_from_db()
    assert contract.terminated_on == datetime.date(2026, 12, 31)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"terminated_on": "2026-12-31", "reason": ""}, "This field is required."),
        ({"terminated_on": "31.2.2026", "reason": "x"}, "Enter a date as dd.mm.yyyy."),
        ({"terminated_on": "9999-12-31", "reason": "x"}, "Enter a date between the years"),
        ({"terminated_on": "2025-12-31", "reason": "x"}, "A contract cannot end before it opened."),
    ],
)
def test_it_explains_a_termination_it_cannot_do(
    admin_client, organization, membership, data, message
):
    contract = contract_for(membership)
    response = admin_client.post(url("contract_terminate", organization, contract.pk), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    contract.refresh_from_db()
    assert contract.terminated_on is None


# --- Creating invoices ---------------------------------------------------------------------


def _invoice_data(member: Membership, *lines: dict, **fields) -> dict:
    data = {
        "membership": member.pk,
        "issue_date": "2026-03-02",
        "due_date": "",
        "notes": "",
        "lines-TOTAL_FORMS": str(max(len(lines), 5)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "50",
        **fields,
    }
    for index, row in enumerate(lines):
        for key, value in {"quantity": "1", **row}.items():
            data[f"lines-{index}-{key}"] = value
    return data


def test_it_creates_an_invoice_from_a_product_and_a_line_of_free_text(
    admin_client, organization, membership
):
    fee = product(organization, name="Jäsenmaksu 2026", unit_price=Decimal("80.00"))
    response = admin_client.post(
        url("invoice_create", organization),
        _invoice_data(
            membership,
            {"product": str(fee.pk)},
            {
                "description": "Lentotunnit maaliskuu",
                "quantity": "1,5",
                "unit_price": "150",
                "vat_rate": "0",
            },
        ),
    )
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("invoice", organization, invoice.pk)
    assert invoice.status == Invoice.Status.DRAFT
    assert invoice.membership == membership
    # Due in 14 days when no due date is given.
    assert (invoice.issue_date, invoice.due_date) == (
        datetime.date(2026, 3, 2),
        datetime.date(2026, 3, 16),
    )
    assert list(
        invoice.lines.values_list("product", "description", "quantity", "unit_price", "vat_rate")
    ) == [
        (fee.pk, "Jäsenmaksu 2026", Decimal(1), Decimal("80.00"), Decimal("25.5")),
        (None, "Lentotunnit maaliskuu", Decimal("1.5"), Decimal("150.00"), Decimal("0")),
    ]
    assert invoice.total == Decimal("100.40") + Decimal("225.00")
    # A draft has no number yet: it is given when the invoice is sent.
    assert (invoice.number, invoice.reference) == (None, "")
    assert "saved as a draft" in _messages(admin_client.get(response["Location"]))[0]


def test_it_proposes_an_invoice_date_of_today_due_in_14_days(admin_client, organization):
    form = admin_client.get(url("invoice_create", organization)).context["form"]
    assert form["issue_date"].value() == TODAY
    assert form["due_date"].value() == TODAY + datetime.timedelta(days=14)


def test_it_adds_empty_rows_without_losing_what_was_typed(admin_client, organization, membership):
    data = _invoice_data(
        membership,
        {"description": "Kurssi", "unit_price": "", "vat_rate": ""},
        notes="Kiitos!",
    )
    response = admin_client.post(url("invoice_create", organization), {**data, "add_lines": "1"})
    assert response.status_code == 200
    formset = response.context["formset"]
    assert formset.total_form_count() == 10
    content = response.content.decode()
    assert 'value="Kurssi"' in content
    assert "Kiitos!" in content
    # Nothing was submitted yet, so nothing is an error yet.
    assert "Enter the unit price." not in content
    assert not Invoice.objects.exists()


@pytest.mark.parametrize(
    ("lines", "fields", "message"),
    [
        ([], {}, "Add at least one line to the invoice."),
        ([{"description": "Kurssi", "unit_price": "10"}], {}, "Choose the VAT rate."),
        (
            [{"description": "", "unit_price": "10", "vat_rate": "0"}],
            {},
            "Choose a product or write a description.",
        ),
        ([{"description": "Kurssi", "vat_rate": "0"}], {}, "Enter the unit price."),
        (
            [{"description": "Kurssi", "unit_price": "10", "vat_rate": "0", "quantity": "0"}],
            {},
            "The quantity cannot be zero.",
        ),
        (
            [{"description": "Alennus", "unit_price": "-10", "vat_rate": "0"}],
            {},
            "The invoice&#x27;s total must be more than zero.",
        ),
        (
            [{"description": "Iso", "unit_price": "9999999", "vat_rate": "0", "quantity": "9999"}],
            {},
            "The line&#x27;s amount is too large.",
        ),
        (
            [{"description": "Kirja", "unit_price": "10", "vat_rate": "14"}],
            {},
            "The VAT rate 14 % is not in force on the invoice date",
        ),
        (
            [{"description": "Kurssi", "unit_price": "10", "vat_rate": "0"}],
            {"due_date": "2026-03-01"},
            "The due date cannot be before the invoice date.",
        ),
        (
            [{"description": "Kurssi", "unit_price": "10", "vat_rate": "0"}],
            {"issue_date": "eilen"},
            "Enter a date as dd.mm.yyyy.",
        ),
        (
            [{"description": "Kurssi", "unit_price": "10", "vat_rate": "0"}],
            {"membership": "999999"},
            "Select a valid choice.",
        ),
        (
            [{"product": "999999", "unit_price": "10", "vat_rate": "0"}],
            {},
            "Select a valid choice.",
        ),
        (
            [{"description": "Kurssi", "unit_price": "10", "vat_rate": "0"}],
            {"membership": "99999999999999999999999"},
            "Select a valid choice.",
        ),
    ],
)
def test_it_explains_an_invoice_it_cannot_create_and_keeps_the_input(
    admin_client, organization, membership, lines, fields, message
):
    response = admin_client.post(
        url("invoice_create", organization), _invoice_data(membership, *lines, **fields)
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    for row in lines:
        if row.get("description"):
            assert f'value="{row["description"]}"' in content
    assert not Invoice.objects.exists()


def test_it_survives_a_tampered_line_form(admin_client, organization, membership):
    data = _invoice_data(membership, {"description": "Kurssi", "unit_price": "1", "vat_rate": "0"})
    for broken in ({"lines-TOTAL_FORMS": "x"}, {"lines-TOTAL_FORMS": "100000"}):
        response = admin_client.post(url("invoice_create", organization), {**data, **broken})
        assert response.status_code == 200
    del data["lines-TOTAL_FORMS"]
    assert admin_client.post(url("invoice_create", organization), data).status_code == 200
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("add_lines", [False, True])
def test_it_refuses_a_line_whose_vat_rate_is_no_number(
    admin_client, organization, membership, add_lines
):
    # Only the rate: has_changed() looks at it when no other field of the line was filled.
    data = _invoice_data(membership, {"vat_rate": ":"})
    if add_lines:
        data["add_lines"] = "1"
    response = admin_client.post(url("invoice_create", organization), data)
    assert response.status_code == 200
    if not add_lines:
        assert "Select a valid choice" in response.content.decode()
    assert not Invoice.objects.exists()


def test_it_asks_for_a_bank_account_before_invoicing(admin, client):
    organization = organization_with_admin(admin, name="Tilitön Kerho ry")
    membership = add_member(organization)
    client.force_login(admin)
    assert (
        "no primary bank account"
        in client.get(url("invoice_create", organization)).content.decode()
    )
    response = client.post(
        url("invoice_create", organization),
        _invoice_data(membership, {"description": "Kurssi", "unit_price": "1", "vat_rate": "0"}),
    )
    assert response.status_code == 200
    assert "Add a bank account to the organization before invoicing." in response.content.decode()
    assert not Invoice.objects.exists()


# --- The invoice list ----------------------------------------------------------------------


def test_it_filters_the_invoices_by_status_including_overdue_and_collection(
    admin_client, organization, membership
):
    draft = invoice_for(membership)
    not_due = _sent(membership, issue_date=TODAY, due_date=TODAY + datetime.timedelta(days=5))
    past_due = _sent(membership, issue_date=PAST_DUE, due_date=PAST_DUE)
    marked = _sent(membership, issue_date=PAST_DUE, due_date=PAST_DUE)
    services.invoices_mark_overdue(today=TODAY)
    # The daily job missed this one: sent and past due is overdue all the same.
    Invoice.objects.filter(pk=past_due.pk).update(status=Invoice.Status.SENT)
    partial = _sent(membership, issue_date=PAST_DUE, due_date=PAST_DUE)
    services.payment_record(
        organization=organization,
        invoice=partial,
        amount=Decimal(10),
        paid_on=TODAY,
        actor=None,
    )
    collected = _sent(membership, issue_date=PAST_DUE, due_date=PAST_DUE)
    services.invoice_hand_over_to_collection(
        invoice=collected, handed_over_on=TODAY, agency="Perintä Oy", actor=None
    )

    def listed(status: str) -> list[int]:
        response = admin_client.get(url("invoices", organization), {"status": status})
        assert response.status_code == 200
        return [invoice.pk for invoice in response.context["page"]]

    # Drafts have no number yet: they come first, then the newest number.
    assert listed("") == [draft.pk, collected.pk, partial.pk, marked.pk, past_due.pk, not_due.pk]
    assert listed("overdue") == [partial.pk, marked.pk, past_due.pk]
    assert listed("in_collection") == [collected.pk]
    assert listed("draft") == [draft.pk]
    assert listed("<script>") == listed("")  # an unknown status shows everything


def test_it_pages_through_the_invoices(admin_client, organization, membership):
    for _ in range(30):
        invoice_for(membership, send=True)
    response = admin_client.get(url("invoices", organization), {"per_page": 25, "page": 2})
    page = response.context["page"]
    assert (page.number, page.paginator.num_pages, len(page.object_list)) == (2, 2, 5)
    assert [invoice.number for invoice in page] == [5, 4, 3, 2, 1]
    assert "per_page=25&amp;page=1" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "999999999999999999999"},
        {"page": "-1"},
        {"per_page": "0"},
        {"per_page": "1e9"},
        {"status": "overdue", "page": "2"},
    ],
)
def test_it_answers_odd_list_parameters_with_a_page(admin_client, organization, membership, params):
    invoice_for(membership)
    for name in ("invoices", "payments", "contracts"):
        assert admin_client.get(url(name, organization), params).status_code == 200


# --- One invoice ---------------------------------------------------------------------------


def test_it_shows_the_invoice_document_with_the_actions_that_apply(
    admin_client, organization, membership
):
    draft = invoice_for(membership, [line("Jäsenmaksu 2026", 1, "100.00")])
    content = admin_client.get(url("invoice", organization, draft.pk)).content.decode()
    assert "Jäsenmaksu 2026" in content
    assert f"125,50{NBSP}€" in content
    assert "10016" not in content  # no reference number before it is issued
    assert "Draft invoice" in content
    for action in ("invoice_send", "invoice_pdf", "invoice_edit", "invoice_discard"):
        assert url(action, organization, draft.pk) in content, action
    # Only an issued invoice is credited: a draft is edited or discarded instead.
    for action in ("invoice_payment", "invoice_credit", "invoice_reminder"):
        assert url(action, organization, draft.pk) not in content, action

    sent = _sent(membership, issue_date=PAST_DUE, due_date=PAST_DUE)
    content = admin_client.get(url("invoice", organization, sent.pk)).content.decode()
    for action in ("invoice_payment", "invoice_reminder", "invoice_collection", "invoice_credit"):
        assert url(action, organization, sent.pk) in content, action
    assert url("invoice_send", organization, sent.pk) not in content
    assert "10016" in content  # the reference number, given when it was sent
    for action in ("invoice_edit", "invoice_discard"):
        assert url(action, organization, sent.pk) not in content, action


def test_it_sends_a_draft_and_mails_it(
    admin_client, organization, membership, django_capture_on_commit_callbacks, mailoutbox
):
    draft = invoice_for(membership)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url("invoice_send", organization, draft.pk))
    assert response.status_code == 302
    assert [message.to for message in mailoutbox] == [["aino.member@example.fi"]]
    draft.refresh_from_db()
    assert draft.status == Invoice.Status.SENT
    page = admin_client.get(response["Location"])
    assert _messages(page) == ["Invoice 1 was sent to aino.member@example.fi."]

    again = admin_client.post(url("invoice_send", organization, draft.pk), follow=True)
    assert _messages(again) == ["Only a draft can be sent."]


def test_it_credits_an_invoice_and_shows_the_credit_note(admin_client, organization, membership):
    invoice = _sent(membership)
    assert admin_client.get(url("invoice_credit", organization, invoice.pk)).status_code == 200
    response = admin_client.post(
        url("invoice_credit", organization, invoice.pk),
        {"reason": "Tuplalaskutus", "confirm": "yes"},
    )
    credit_note = Invoice.objects.get(credit_note_for=invoice)
    assert response["Location"] == url("invoice", organization, credit_note.pk)
    assert credit_note.total == -invoice.total
    assert credit_note.notes == "Tuplalaskutus"
    content = admin_client.get(url("invoice", organization, invoice.pk)).content.decode()
    assert url("invoice", organization, credit_note.pk) in content
    assert url("invoice_credit", organization, invoice.pk) not in content

    again = admin_client.post(url("invoice_credit", organization, invoice.pk), {"reason": ""})
    assert again.status_code == 200
    assert "The invoice has already been credited or cancelled." in again.content.decode()
    assert Invoice.objects.count() == 2


def test_it_records_a_reminder_and_a_hand_over_to_collection(
    admin_client, organization, membership
):
    invoice = _sent(membership, issue_date=PAST_DUE, due_date=PAST_DUE)
    billing_settings_save(
        organization=organization, reminder_fee=Decimal(5), charges_interest=False, actor=None
    )
    response = admin_client.post(
        url("invoice_reminder", organization, invoice.pk), {"sent_on": TODAY.isoformat()}
    )
    assert response.status_code == 302
    assert Reminder.objects.get(invoice=invoice).fee == Decimal("5.00")

    partner = CollectionPartner.objects.create(
        organization=organization, name="Perintä Oy", business_id="2468823-3", email="p@x.fi"
    )
    response = admin_client.post(
        url("invoice_collection", organization, invoice.pk),
        {"handed_over_on": TODAY.isoformat(), "partner": partner.pk},
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.collection_agency) == (
        Invoice.Status.IN_COLLECTION,
        "Perintä Oy",
    )
    content = admin_client.get(url("invoice", organization, invoice.pk)).content.decode()
    assert "Perintä Oy" in content


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("invoice_reminder", {"sent_on": ""}, "This field is required."),
        ("invoice_reminder", {"sent_on": "eilen"}, "Enter a date as dd.mm.yyyy."),
        (
            "invoice_collection",
            {"handed_over_on": "2026-03-20", "partner": ""},
            "The organization has no collection partner in use.",
        ),
        (
            "invoice_collection",
            {"handed_over_on": "2026-03-20", "partner": "ours"},
            "Only an overdue invoice can be handed over to collection.",
        ),
        ("invoice_payment", {"amount": "0", "paid_on": "2026-03-20"}, "greater than or equal"),
        ("invoice_payment", {"amount": "1.001", "paid_on": "2026-03-20"}, "no more than 2 decimal"),
        ("invoice_payment", {"amount": "10", "paid_on": "2099-01-01"}, "cannot be in the future"),
    ],
)
def test_it_explains_an_action_it_cannot_do_and_keeps_the_input(
    admin_client, organization, membership, name, data, message
):
    not_due = _sent(membership, issue_date=TODAY, due_date=TODAY + datetime.timedelta(days=7))
    if data.get("partner") == "ours":
        data = {
            **data,
            "partner": CollectionPartner.objects.create(
                organization=organization,
                name="Perintä Oy",
                business_id="2468823-3",
                email="p@x.fi",
            ).pk,
        }
    response = admin_client.post(url(name, organization, not_due.pk), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    for value in data.values():
        if value:
            assert f'value="{value}"' in content
    not_due.refresh_from_db()
    assert not_due.status == Invoice.Status.SENT
    assert not Reminder.objects.exists()
    assert not Payment.objects.exists()


def test_it_records_a_payment_by_hand(admin_client, organization, membership):
    invoice = _sent(membership)
    form = admin_client.get(url("invoice_payment", organization, invoice.pk)).context["form"]
    assert form["amount"].value() == Decimal("125.50")

    response = admin_client.post(
        url("invoice_payment", organization, invoice.pk),
        {"amount": "100", "paid_on": "2026-03-10", "payer_name": "Aino"},
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == (Invoice.Status.PARTIALLY_PAID, Decimal(100))
    payment = Payment.objects.get()
    assert (payment.source, payment.recorded_by.email) == (
        Payment.Source.MANUAL,
        "aila.admin@example.fi",
    )


def test_it_records_no_payment_for_a_draft(admin_client, organization, membership):
    draft = invoice_for(membership)
    response = admin_client.post(
        url("invoice_payment", organization, draft.pk), {"amount": "10", "paid_on": "2026-03-10"}
    )
    assert response.status_code == 200
    assert "only for a sent invoice" in response.content.decode()
    assert not Payment.objects.exists()


def test_it_serves_the_invoice_as_a_pdf(admin_client, organization, membership):
    invoice = _sent(membership)
    response = admin_client.get(url("invoice_pdf", organization, invoice.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "no-store" in response["Cache-Control"]


# --- Payments ------------------------------------------------------------------------------


def test_it_lists_all_payments_or_the_unmatched_ones(admin_client, organization, membership):
    invoice = _sent(membership)
    matched = services.payment_record(
        organization=organization,
        invoice=invoice,
        amount=Decimal(5),
        paid_on=TODAY,
        actor=None,
    )
    unmatched = services.payment_record(
        organization=organization,
        amount=Decimal(7),
        paid_on=TODAY,
        reference="1234561",
        actor=None,
    )
    everything = admin_client.get(url("payments", organization))
    assert [p.pk for p in everything.context["page"]] == [unmatched.pk, matched.pk]
    only = admin_client.get(url("payments", organization), {"show": "unmatched"})
    assert [p.pk for p in only.context["page"]] == [unmatched.pk]
    assert url("payment_match", organization, unmatched.pk) in only.content.decode()


def test_it_matches_a_payment_to_an_invoice_by_its_number(admin_client, organization, membership):
    invoice = _sent(membership)
    payment = services.payment_record(
        organization=organization, amount=Decimal("125.50"), paid_on=TODAY, actor=None
    )
    response = admin_client.post(
        url("payment_match", organization, payment.pk), {"invoice_number": str(invoice.number)}
    )
    assert response.status_code == 302
    assert response["Location"] == url("payments", organization) + "?show=unmatched"
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert (payment.invoice, invoice.status) == (invoice, Invoice.Status.PAID)

    again = admin_client.post(
        url("payment_match", organization, payment.pk), {"invoice_number": str(invoice.number)}
    )
    assert again.status_code == 200
    assert "The payment is already matched to an invoice." in again.content.decode()
    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("125.50")


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("42", "There is no invoice number 42."),
        ("2", "Invoice 2 is a credit note"),
        ("abc", "Enter a whole number."),
        ("99999999999999", "Ensure this value is less than or equal to"),
        ("", "This field is required."),
    ],
)
def test_it_explains_a_match_it_cannot_do(admin_client, organization, membership, number, message):
    services.invoice_credit(invoice=_sent(membership), actor=None)  # numbers 1 and 2
    other = organization_with_admin(UserFactory(), name="Vaasan Lentokerho ry")
    bank_account(other)
    for _ in range(42):  # the other organization does have an invoice 42
        invoice_for(add_member(other))
    payment = services.payment_record(
        organization=organization, amount=Decimal(5), paid_on=TODAY, actor=None
    )
    response = admin_client.post(
        url("payment_match", organization, payment.pk), {"invoice_number": number}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    payment.refresh_from_db()
    assert payment.invoice is None


def test_it_shows_the_printable_sheet_when_the_document_offers_it(
    admin_client, organization, membership, settings, tmp_path
):
    """The invoice document is a page of its own; its ``sheet`` partial fits in this one."""
    document = tmp_path / "billing" / "invoice_document.html"
    document.parent.mkdir()
    document.write_text(
        "{% load billing %}<!DOCTYPE html><html><body>"
        '{% partialdef sheet inline %}<article class="sheet">{{ invoice.number }} · '
        "{{ invoice.total|eur }} · {{ reference_formatted }}</article>{% endpartialdef %}"
        "</body></html>"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    invoice = _sent(membership)
    content = admin_client.get(url("invoice", organization, invoice.pk)).content.decode()
    assert f'<article class="sheet">1 · 125,50{NBSP}€ · 10016</article>' in content
    assert content.count("<html") == 1
    assert "css/invoice.css" in content
