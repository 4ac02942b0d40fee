"""Billing's writes: numbering, references, amounts, retention, credit notes and statuses."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from accounts.models import User
from billing import matching, numbers, services
from billing.models import Contract, ContractEvent, Invoice, Payment, Product, Reminder
from billing.money import VatRate
from organizations.models import Membership, Organization
from organizations.services import RuleError
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .factories import DUE_DATE, ISSUE_DATE, bank_account, contract_for, invoice_for, line, product

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PAST_DUE = TODAY - datetime.timedelta(days=10)


@pytest.fixture(autouse=True)
def _english():
    # The rule messages are matched in English; the site default is Finnish.
    with translation.override("en"):
        yield


@pytest.fixture
def admin(db) -> User:
    return UserFactory(first_name="Aila", last_name="Admin", preferred_language="en")


@pytest.fixture
def organization(admin) -> Organization:
    organization = organization_with_admin(admin, name="Malmin Ilmailukerho ry")
    bank_account(organization)
    return organization


@pytest.fixture
def membership(organization) -> Membership:
    user = UserFactory(first_name="Aino", last_name="Virtanen", email="aino@example.fi")
    return add_member(organization, user, member_number="17")


@pytest.fixture
def other_organization(db) -> Organization:
    organization = organization_with_admin(UserFactory(), name="Vaasan Lentokerho ry")
    bank_account(organization)
    return organization


@pytest.fixture
def other_membership(other_organization) -> Membership:
    return add_member(other_organization, member_number="17")


def _sent(membership: Membership, **fields) -> Invoice:
    return invoice_for(membership, send=True, **fields)


def _reload(invoice: Invoice) -> Invoice:
    invoice.refresh_from_db()
    return invoice


# --- Numbering and references --------------------------------------------------------------


def test_it_numbers_invoices_one_after_another_in_each_organization(membership, other_membership):
    first = [invoice_for(membership, send=True) for _ in range(3)]
    other = [invoice_for(other_membership, send=True) for _ in range(2)]
    credit_note = services.invoice_credit(invoice=first[0], actor=None)

    assert [invoice.number for invoice in first] == [1, 2, 3]
    assert [invoice.number for invoice in other] == [1, 2]
    # A credit note is a voucher of the same series.
    assert credit_note.number == 4


def test_it_keeps_an_invoice_number_unique_in_its_organization(membership):
    invoice = invoice_for(membership, send=True)
    duplicate = Invoice.objects.filter(pk=invoice.pk).values().get()
    del duplicate["id"]
    duplicate["reference"] = numbers.reference_for_invoice(organization_id=1, invoice_number=99)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(**duplicate)


def test_it_gives_each_invoice_a_valid_reference_unique_in_its_organization(membership):
    invoices = [invoice_for(membership, send=True) for _ in range(12)]
    references = [invoice.reference for invoice in invoices]

    assert len(set(references)) == len(references)
    for invoice in invoices:
        assert numbers.reference_validate(invoice.reference) == invoice.reference
        assert invoice.reference == numbers.reference_for_invoice(
            organization_id=invoice.organization_id, invoice_number=invoice.number
        )
        rf = numbers.rf_from_reference(invoice.reference)
        assert numbers.rf_to_reference(rf) == invoice.reference
    assert references[:2] == ["10016", "10029"]  # base 1001 and 1002, 7-3-1 check digit


# --- Amounts -------------------------------------------------------------------------------


def test_it_stores_the_line_amounts_and_the_totals_with_vat_per_rate(membership):
    invoice = invoice_for(
        membership,
        [
            line("Jäsenmaksu", 2, "100.00", VatRate.STANDARD),
            line("Kurssimateriaali", 1, "33.33", VatRate.REDUCED_10),
            line("Kahvi", 3, "0.35", VatRate.REDUCED_13_5),
        ],
    )
    rows = list(invoice.lines.order_by("position").values_list("net", "vat", "gross"))
    assert rows == [
        (Decimal("200.00"), Decimal("51.00"), Decimal("251.00")),
        (Decimal("33.33"), Decimal("3.33"), Decimal("36.66")),
        (Decimal("1.05"), Decimal("0.14"), Decimal("1.19")),
    ]
    assert (invoice.total_net, invoice.total_vat, invoice.total) == (
        Decimal("234.38"),
        Decimal("54.47"),
        Decimal("288.85"),
    )


def test_it_rounds_the_vat_once_per_rate_not_per_line(membership):
    invoice = invoice_for(membership, [line("Lasku", 1, "0.10") for _ in range(3)])
    # Each line's VAT is 0.0255 → 0.03, but the invoice's is 0.30 * 25.5 % = 0.0765 → 0.08.
    assert list(invoice.lines.values_list("vat", flat=True)) == [Decimal("0.03")] * 3
    assert (invoice.total_net, invoice.total_vat, invoice.total) == (
        Decimal("0.30"),
        Decimal("0.08"),
        Decimal("0.38"),
    )


def test_it_copies_the_recipient_and_the_account_onto_the_invoice(membership, organization):
    invoice = invoice_for(membership)
    assert invoice.recipient_name == "Aino Virtanen"
    assert invoice.recipient_email == "aino@example.fi"
    assert invoice.recipient_address == "Mannerheimintie 12\n00100 Helsinki"
    assert invoice.iban == organization.bank_accounts.get().iban
    assert invoice.status == Invoice.Status.DRAFT


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lines": []}, "An invoice needs at least one line."),
        ({"due_date": ISSUE_DATE - datetime.timedelta(days=1)}, "The due date cannot be before"),
    ],
)
def test_it_refuses_an_invoice_that_breaks_a_rule(membership, organization, change, message):
    arguments = {
        "organization": organization,
        "membership": membership,
        "lines": [line()],
        "issue_date": ISSUE_DATE,
        "due_date": DUE_DATE,
        "actor": None,
        **change,
    }
    with pytest.raises(RuleError) as error:
        services.invoice_create(**arguments)
    assert message in error.value.messages[0]
    assert not Invoice.objects.exists()


def test_it_refuses_to_invoice_another_organizations_member_or_product(
    membership, organization, other_membership, other_organization
):
    with pytest.raises(RuleError):
        services.invoice_create(
            organization=organization,
            membership=other_membership,
            lines=[line()],
            issue_date=ISSUE_DATE,
            due_date=DUE_DATE,
            actor=None,
        )
    foreign = product(other_organization)
    with pytest.raises(RuleError, match="another organization"):
        services.invoice_create(
            organization=organization,
            membership=membership,
            lines=[line(product=foreign)],
            issue_date=ISSUE_DATE,
            due_date=DUE_DATE,
            actor=None,
        )
    assert not Invoice.objects.exists()


def test_it_needs_a_bank_account_to_invoice(admin):
    organization = organization_with_admin(admin, name="Tilitön Kerho ry")
    membership = add_member(organization)
    with pytest.raises(RuleError, match="bank account"):
        services.invoice_create(
            organization=organization,
            membership=membership,
            lines=[line()],
            issue_date=ISSUE_DATE,
            due_date=DUE_DATE,
            actor=None,
        )


# --- Retention -----------------------------------------------------------------------------


def test_it_keeps_vouchers_six_years_after_the_end_of_their_financial_period(
    membership, organization
):
    organization.financial_period_end_month = 6
    organization.save(update_fields=["financial_period_end_month"])

    spring = invoice_for(membership, issue_date=datetime.date(2026, 3, 2))
    autumn = invoice_for(
        membership,
        issue_date=datetime.date(2026, 8, 3),
        due_date=datetime.date(2026, 8, 17),
    )
    payment = services.payment_record(
        organization=organization,
        amount=Decimal("10.00"),
        paid_on=datetime.date(2026, 7, 1),
        actor=None,
    )

    # The period July 2025 - June 2026 ends in 2026; July 2026 - June 2027 ends in 2027.
    assert spring.retain_until == datetime.date(2032, 12, 31)
    assert autumn.retain_until == datetime.date(2033, 12, 31)
    assert payment.retain_until == datetime.date(2033, 12, 31)


def test_it_keeps_a_calendar_year_organizations_vouchers_until_the_sixth_year_end(membership):
    invoice = invoice_for(
        membership, issue_date=datetime.date(2026, 12, 31), due_date=datetime.date(2027, 1, 14)
    )
    assert invoice.retain_until == datetime.date(2032, 12, 31)


# --- Credit notes --------------------------------------------------------------------------


def test_it_credits_an_invoice_with_every_amount_negated(membership, admin):
    invoice = _sent(
        membership,
        lines=[line("Jäsenmaksu", 1, "100.00"), line("Kurssi", "2.5", "33.33", VatRate.ZERO)],
    )
    credit_note = services.invoice_credit(invoice=invoice, actor=admin, reason="Virhe")

    invoice = _reload(invoice)
    assert credit_note.credit_note_for == invoice
    assert credit_note.is_credit_note
    assert (credit_note.total_net, credit_note.total_vat, credit_note.total) == (
        -invoice.total_net,
        -invoice.total_vat,
        -invoice.total,
    )
    original = list(invoice.lines.values_list("description", "quantity", "net", "vat", "gross"))
    credited = list(credit_note.lines.values_list("description", "quantity", "net", "vat", "gross"))
    assert credited == [
        (text, -quantity, -net, -vat, -gross) for text, quantity, net, vat, gross in original
    ]
    assert invoice.status == credit_note.status == Invoice.Status.CREDITED
    assert credit_note.notes == "Virhe"
    assert credit_note.issue_date == TODAY
    assert numbers.reference_is_valid(credit_note.reference)
    assert credit_note.created_by == admin


def test_it_credits_an_invoice_once(membership):
    invoice = _sent(membership)
    credit_note = services.invoice_credit(invoice=invoice, actor=None)
    with pytest.raises(RuleError):
        services.invoice_credit(invoice=invoice, actor=None)
    with pytest.raises(RuleError, match="credit note cannot be credited"):
        services.invoice_credit(invoice=credit_note, actor=None)
    assert Invoice.objects.count() == 2


def test_it_does_not_credit_a_paid_invoice(membership, organization):
    invoice = _sent(membership)
    services.payment_record(
        organization=organization,
        invoice=invoice,
        amount=Decimal("10.00"),
        paid_on=TODAY,
        actor=None,
    )
    with pytest.raises(RuleError, match="refund"):
        services.invoice_credit(invoice=invoice, actor=None)
    assert _reload(invoice).status == Invoice.Status.PARTIALLY_PAID


# --- Payments and statuses -----------------------------------------------------------------


def _pay(invoice: Invoice, amount: str, **fields) -> Payment:
    return services.payment_record(
        organization=invoice.organization,
        invoice=invoice,
        amount=Decimal(amount),
        paid_on=fields.pop("paid_on", TODAY),
        actor=None,
        **fields,
    )


def test_it_marks_an_invoice_partially_paid_then_paid(membership):
    invoice = _sent(membership, due_date=TODAY + datetime.timedelta(days=14), issue_date=TODAY)
    assert invoice.total == Decimal("125.50")

    payment = _pay(invoice, "50.00", payer_name="Aino Virtanen")
    assert _reload(invoice).status == Invoice.Status.PARTIALLY_PAID
    assert invoice.paid_amount == Decimal("50.00")
    assert invoice.amount_due == Decimal("75.50")
    assert payment.reference == invoice.reference
    assert payment.matched_at is not None

    _pay(invoice, "75.50")
    assert _reload(invoice).status == Invoice.Status.PAID
    assert invoice.amount_due == 0


def test_it_marks_unpaid_invoices_overdue_after_the_due_date(membership):
    overdue = _sent(membership, due_date=PAST_DUE, issue_date=PAST_DUE)
    not_due = _sent(membership, due_date=TODAY, issue_date=TODAY)
    paid = _sent(membership, due_date=PAST_DUE, issue_date=PAST_DUE)
    _pay(paid, "125.50")
    draft = invoice_for(membership, due_date=PAST_DUE, issue_date=PAST_DUE)

    assert services.invoices_mark_overdue(today=TODAY) == 1
    assert services.invoices_mark_overdue(today=TODAY) == 0  # safe to repeat
    assert _reload(overdue).status == Invoice.Status.OVERDUE
    assert _reload(not_due).status == Invoice.Status.SENT
    assert _reload(paid).status == Invoice.Status.PAID
    assert _reload(draft).status == Invoice.Status.DRAFT

    _pay(overdue, "25.50")
    assert _reload(overdue).status == Invoice.Status.PARTIALLY_PAID
    _pay(overdue, "100.00")
    assert _reload(overdue).status == Invoice.Status.PAID


def test_it_hands_an_overdue_invoice_over_to_collection_until_it_is_paid(membership):
    invoice = _sent(membership, due_date=PAST_DUE, issue_date=PAST_DUE)
    # Past its due date, even before the daily job has marked it overdue.
    services.invoice_hand_over_to_collection(
        invoice=invoice, handed_over_on=TODAY, agency="Perintä Oy", actor=None
    )
    invoice = _reload(invoice)
    assert invoice.status == Invoice.Status.IN_COLLECTION
    assert (invoice.collection_on, invoice.collection_agency) == (TODAY, "Perintä Oy")

    _pay(invoice, "100.00")
    assert _reload(invoice).status == Invoice.Status.IN_COLLECTION
    _pay(invoice, "25.50")
    assert _reload(invoice).status == Invoice.Status.PAID


def test_it_hands_over_to_collection_only_what_is_past_due(membership):
    not_due = _sent(membership, due_date=TODAY + datetime.timedelta(days=3), issue_date=TODAY)
    _pay(not_due, "10.00")
    draft = invoice_for(membership, due_date=PAST_DUE, issue_date=PAST_DUE)
    for invoice in (not_due, draft):
        with pytest.raises(RuleError, match="overdue"):
            services.invoice_hand_over_to_collection(
                invoice=invoice, handed_over_on=TODAY, agency="Perintä Oy", actor=None
            )
    assert _reload(not_due).status == Invoice.Status.PARTIALLY_PAID


def test_it_records_reminders_of_unpaid_sent_invoices_only(membership, admin):
    # Past due by more than 14 days: the fee may be charged (Receivables Collection Act).
    long_past_due = TODAY - datetime.timedelta(days=20)
    invoice = _sent(membership, due_date=long_past_due, issue_date=long_past_due)
    reminder = services.reminder_record(
        invoice=invoice, sent_on=TODAY, fee=Decimal("5.00"), actor=admin
    )
    assert (reminder.fee, reminder.recorded_by) == (Decimal("5.00"), admin)
    with pytest.raises(RuleError, match="negative"):
        services.reminder_record(invoice=invoice, sent_on=TODAY, fee=Decimal("-1"), actor=admin)
    _pay(invoice, "130.50")  # the invoice and the fee
    with pytest.raises(RuleError, match="unpaid"):
        services.reminder_record(invoice=invoice, sent_on=TODAY, fee=Decimal(0), actor=admin)
    assert Reminder.objects.count() == 1


def test_it_sends_a_draft_once_and_mails_it_after_commit(
    membership, django_capture_on_commit_callbacks
):
    invoice = invoice_for(membership)
    with django_capture_on_commit_callbacks() as callbacks:
        services.invoice_send(invoice=invoice, actor=None)
    assert len(callbacks) == 1
    assert _reload(invoice).status == Invoice.Status.SENT
    with pytest.raises(RuleError, match="draft"):
        services.invoice_send(invoice=invoice, actor=None)


def test_it_keeps_an_unmatched_payment_for_matching_by_hand(membership, organization, admin):
    invoice = _sent(membership)
    payment = services.payment_record(
        organization=organization,
        amount=Decimal("125.50"),
        paid_on=TODAY,
        reference="99999",
        actor=admin,
    )
    assert (payment.invoice, payment.matched_at) == (None, None)

    matching.payment_match(payment=payment, invoice=invoice, actor=admin)
    payment.refresh_from_db()
    assert payment.invoice == invoice
    assert payment.matched_at is not None
    assert _reload(invoice).status == Invoice.Status.PAID
    with pytest.raises(RuleError, match="already matched"):
        matching.payment_match(payment=payment, invoice=invoice, actor=admin)
    assert _reload(invoice).paid_amount == Decimal("125.50")


def test_it_refuses_payments_it_cannot_count(
    membership, organization, other_membership, other_organization
):
    invoice = _sent(membership)
    credit_note = services.invoice_credit(invoice=invoice, actor=None)
    foreign = _sent(other_membership)
    with pytest.raises(RuleError, match="greater than zero"):
        _pay(_sent(membership), "0.00")
    with pytest.raises(RuleError, match="another organization"):
        services.payment_record(
            organization=organization,
            invoice=foreign,
            amount=Decimal(1),
            paid_on=TODAY,
            actor=None,
        )
    with pytest.raises(RuleError, match="credit note"):
        _pay(credit_note, "10.00")
    unmatched = services.payment_record(
        organization=organization, amount=Decimal(1), paid_on=TODAY, actor=None
    )
    for target in (foreign, credit_note):
        with pytest.raises(RuleError):
            matching.payment_match(payment=unmatched, invoice=target, actor=None)
    assert Payment.objects.count() == 1
    assert _reload(foreign).paid_amount == 0


# --- Products and contracts ----------------------------------------------------------------


def test_it_saves_products_with_names_unique_in_the_organization(organization, admin):
    data = {
        "name": "Lentotunti",
        "unit": Product.Unit.FLIGHT_HOUR,
        "unit_price": Decimal("150.00"),
        "vat_rate": VatRate.STANDARD,
    }
    saved = services.product_save(organization=organization, product=None, data=data, actor=admin)
    assert (saved.organization, saved.is_active) == (organization, True)
    with pytest.raises(RuleError, match="already has a product"):
        services.product_save(organization=organization, product=None, data=data, actor=admin)

    services.product_save(
        organization=organization, product=saved, data={"is_active": False}, actor=admin
    )
    saved.refresh_from_db()
    assert (saved.name, saved.is_active) == ("Lentotunti", False)


def test_it_opens_and_terminates_a_contract_with_its_history(membership, admin):
    contract = contract_for(membership, actor=admin)
    services.contract_terminate(
        contract=contract,
        terminated_on=datetime.date(2026, 12, 31),
        reason="Muutto",
        actor=admin,
    )
    contract.refresh_from_db()
    assert (contract.terminated_on, contract.termination_reason, contract.terminated_by) == (
        datetime.date(2026, 12, 31),
        "Muutto",
        admin,
    )
    events = list(contract.events.order_by("id").values_list("kind", "note", "actor"))
    assert events == [
        (ContractEvent.Kind.OPENED, "", admin.pk),
        (ContractEvent.Kind.TERMINATED, "Muutto", admin.pk),
    ]
    with pytest.raises(RuleError, match="already been terminated"):
        services.contract_terminate(contract=contract, terminated_on=TODAY, reason="", actor=admin)


def test_it_refuses_contracts_that_break_a_rule(
    membership, organization, other_organization, admin
):
    ended = add_member(organization, status=Membership.Status.ENDED)
    off_sale = product(organization, is_active=False)
    for member, product_ in (
        (ended, product(organization)),
        (membership, product(other_organization)),
        (membership, off_sale),
    ):
        with pytest.raises(RuleError):
            services.contract_open(
                membership=member, product=product_, opened_on=TODAY, actor=admin
            )
    contract = contract_for(membership)
    with pytest.raises(RuleError, match="before it opened"):
        services.contract_terminate(
            contract=contract,
            terminated_on=contract.opened_on - datetime.timedelta(days=1),
            reason="",
            actor=admin,
        )
    assert Contract.objects.count() == 1
