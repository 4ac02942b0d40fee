"""Reminders that add up: interest, fees within the law, payments in the legal order.

Every figure below is worked by hand in the comments; the code must arrive at the same cent.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from billing import interest, numbers, pdf, services, settlement
from billing.models import BillingSettings, Invoice, ReferenceRate, Reminder
from billing.reminders import billing_settings_save, reminder_record
from billing.sending import invoice_email_send, reminder_email_send
from communications.models import CommunicationRecord
from organizations.models import Membership, Organization
from organizations.services import RuleError
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .factories import bank_account, invoice_for

pytestmark = pytest.mark.django_db

D = Decimal
NBSP = "\N{NO-BREAK SPACE}"
DUE = datetime.date(2023, 12, 15)
# Published by the Bank of Finland (Interest Act 12 §): 2023 H2 4.0 %, 2024 H1 4.5 %.
RATES_2023_2024 = {datetime.date(2023, 7, 1): D("4.00"), datetime.date(2024, 1, 1): D("4.50")}


# --- Interest arithmetic ------------------------------------------------------------------


def test_it_counts_interest_across_a_change_of_rate_and_a_leap_day():
    # 1000.00 € due 15.12.2023, reminded 15.3.2024:
    #   16.12.-31.12.2023: 16 days at 4.0 + 7 = 11.0 %: 1000 * 0.110 * 16 / 365 =  4.8219178
    #   1.1.-15.3.2024:    31 + 29 (leap day) + 15 = 75 days at 4.5 + 7 = 11.5 %:
    #                      1000 * 0.115 * 75 / 365 = 23.6301370
    #   total 28.4520548 -> 28.45 €
    counted = interest.late_interest(
        capital=D("1000.00"), since=DUE, until=datetime.date(2024, 3, 15), rates=RATES_2023_2024
    )
    assert counted.amount == D("28.45")
    assert [(p.days, p.annual_rate) for p in counted.periods] == [
        (16, D("11.00")),
        (75, D("11.50")),
    ]


def test_it_counts_interest_from_one_half_year_into_the_next():
    # 200.00 € due 31.5.2025, reminded 14.7.2025:
    #   1.6.-30.6.2025: 30 days at 3.5 + 7 = 10.5 %: 200 * 0.105 * 30 / 365 = 1.7260274
    #   1.7.-14.7.2025: 14 days at 2.5 + 7 =  9.5 %: 200 * 0.095 * 14 / 365 = 0.7287671
    #   total 2.4547945 -> 2.45 €
    rates = {datetime.date(2025, 1, 1): D("3.50"), datetime.date(2025, 7, 1): D("2.50")}
    counted = interest.late_interest(
        capital=D("200.00"),
        since=datetime.date(2025, 5, 31),
        until=datetime.date(2025, 7, 14),
        rates=rates,
    )
    assert counted.amount == D("2.45")


def test_it_counts_no_interest_before_the_due_date_has_passed():
    counted = interest.late_interest(capital=D(100), since=DUE, until=DUE, rates={})
    assert counted.amount == D("0.00")


def test_it_refuses_clearly_when_a_reference_rate_is_missing():
    with pytest.raises(interest.MissingReferenceRate, match=r"alkaa 1\.1\.2024"):
        interest.late_interest(
            capital=D(100),
            since=DUE,
            until=datetime.date(2024, 2, 1),
            rates={datetime.date(2023, 7, 1): D(4)},
        )


def test_a_reference_rate_is_valid_to_the_end_of_its_half_year():
    assert ReferenceRate(valid_from=datetime.date(2025, 1, 1)).valid_until == datetime.date(
        2025, 6, 30
    )
    assert ReferenceRate(valid_from=datetime.date(2025, 7, 1)).valid_until == datetime.date(
        2025, 12, 31
    )


# --- Fixtures -------------------------------------------------------------------------------


@pytest.fixture
def admin(db) -> User:
    return UserFactory(first_name="Aila", last_name="Admin", preferred_language="en")


@pytest.fixture
def club(admin) -> Organization:
    organization = organization_with_admin(
        admin, name="Malmin Ilmailukerho ry", email="kassa@malmi.example"
    )
    bank_account(organization)
    return organization


@pytest.fixture
def alice(db) -> User:
    return UserFactory(
        email="alice@example.fi", first_name="Alice", last_name="Aalto", preferred_language="en"
    )


@pytest.fixture
def membership(club, alice) -> Membership:
    return add_member(club, alice)


@pytest.fixture
def rates(db) -> None:
    for valid_from, rate in RATES_2023_2024.items():
        ReferenceRate.objects.create(valid_from=valid_from, rate=rate)


def _overdue(membership: Membership, due: datetime.date = DUE) -> Invoice:
    """125.50 € (100 € + VAT 25.5 %), due on ``due``."""
    return invoice_for(
        membership, send=True, issue_date=due - datetime.timedelta(days=14), due_date=due
    )


def _settings(club: Organization, fee: str = "5.00", interest_: bool = True) -> None:
    billing_settings_save(
        organization=club, reminder_fee=D(fee), charges_interest=interest_, actor=None
    )


def _remind(invoice: Invoice, day: datetime.date) -> Reminder:
    return reminder_record(invoice=invoice, sent_on=day, actor=None, mail=False)


# --- A reminder adds up -------------------------------------------------------------------


def test_a_reminder_adds_interest_and_fee_and_its_barcode_carries_the_total(
    club, membership, rates
):
    _settings(club)
    invoice = _overdue(membership)
    reminder = _remind(invoice, datetime.date(2024, 3, 15))
    # Interest on 125.50 € as in the worked example above:
    #   125.50 * 0.110 * 16 / 365 = 0.6051507; 125.50 * 0.115 * 75 / 365 = 2.9655822
    #   3.5707329 -> 3.57 €; with the fee 5.00 € the total is 125.50 + 3.57 + 5.00 = 134.07 €.
    assert (reminder.capital, reminder.interest, reminder.fee, reminder.fees) == (
        D("125.50"),
        D("3.57"),
        D("5.00"),
        D("5.00"),
    )
    assert reminder.total == D("134.07")
    assert reminder.due_date == datetime.date(2024, 3, 29)
    assert reminder.reference == invoice.reference
    assert "16.12.2023 - 31.12.2023: 11.00 %" in reminder.interest_basis
    invoice.refresh_from_db()
    assert invoice.amount_due == D("134.07")

    document = pdf.reminder_document_context(reminder=reminder)
    assert document["barcode"] == numbers.virtual_barcode(
        iban=invoice.iban,
        amount=D("134.07"),
        reference=invoice.reference,
        due_date=datetime.date(2024, 3, 29),
    )
    assert document["barcode"][17:25] == "00013407"


def test_a_second_reminder_adds_only_the_interest_since_the_first(club, membership, rates):
    _settings(club)
    invoice = _overdue(membership)
    _remind(invoice, datetime.date(2024, 1, 31))
    second = _remind(invoice, datetime.date(2024, 3, 15))
    # Interest 16.12.2023-15.3.2024 in two stretches gives the same 3.57 € (to the cent):
    #   to 31.1.: 125.50 * 0.110 * 16/365 + 125.50 * 0.115 * 31/365 = 0.6051507 + 1.2257740
    #             = 1.8309247 -> 1.83
    #   to 15.3.: 125.50 * 0.115 * 44/365 = 1.7398082 -> 1.74; 1.83 + 1.74 = 3.57
    assert second.interest == D("3.57")
    assert second.fees == D("10.00")
    assert second.total == D("125.50") + D("3.57") + D("10.00")


def test_an_organization_that_charges_no_interest_adds_only_its_fee(club, membership):
    _settings(club, fee="3.50", interest_=False)
    reminder = _remind(_overdue(membership), datetime.date(2024, 3, 15))
    assert (reminder.interest, reminder.fee, reminder.total) == (
        D("0.00"),
        D("3.50"),
        D("129.00"),
    )


def test_a_missing_reference_rate_is_a_message_not_a_500(client, admin, club, membership):
    _settings(club)
    invoice = _overdue(membership)
    client.force_login(admin)
    response = client.post(
        reverse("billing:invoice_reminder", args=[club.pk, invoice.pk]), {"sent_on": "15.3.2024"}
    )
    assert response.status_code == 200
    assert "reference rate for the half-year starting 1.7.2023 is missing" in (
        response.content.decode()
    )
    assert not Reminder.objects.exists()


# --- Fees within the Receivables Collection Act -------------------------------------------


def test_it_charges_no_fee_before_14_days_have_passed_since_the_due_date(club, membership):
    _settings(club, interest_=False)
    early = _remind(_overdue(membership), DUE + datetime.timedelta(days=13))
    in_time = _remind(_overdue(membership), DUE + datetime.timedelta(days=14))
    assert (early.fee, in_time.fee) == (D("0.00"), D("5.00"))


def test_it_charges_no_fee_within_14_days_of_the_previous_reminder(club, membership):
    _settings(club, interest_=False)
    invoice = _overdue(membership)
    first = _remind(invoice, DUE + datetime.timedelta(days=14))
    soon = _remind(invoice, DUE + datetime.timedelta(days=20))
    assert (first.fee, soon.fee) == (D("5.00"), D("0.00"))


def test_it_charges_a_fee_on_three_reminders_at_most(club, membership):
    _settings(club, interest_=False)
    invoice = _overdue(membership)
    fees = [_remind(invoice, DUE + datetime.timedelta(days=14 * n)).fee for n in range(1, 5)]
    assert fees == [D("5.00"), D("5.00"), D("5.00"), D("0.00")]
    invoice.refresh_from_db()
    assert invoice.fees_charged == D("15.00")


def test_it_refuses_a_fee_over_5_euros(club, membership):
    with pytest.raises(RuleError, match=r"enintään 5,00"):
        reminder_record(
            invoice=_overdue(membership),
            sent_on=DUE + datetime.timedelta(days=20),
            fee=D("5.01"),
            actor=None,
        )
    with pytest.raises(RuleError):
        billing_settings_save(
            organization=club, reminder_fee=D("6"), charges_interest=False, actor=None
        )


# --- Payments settle fees, then interest, then capital ------------------------------------


def test_a_payment_settles_fees_then_interest_then_capital(club, membership, rates):
    _settings(club)
    invoice = _overdue(membership)
    _remind(invoice, datetime.date(2024, 3, 15))  # 125.50 + interest 3.57 + fee 5.00 = 134.07

    services.payment_record(
        organization=club, invoice=invoice, amount=D("7.00"), paid_on=DUE, actor=None
    )
    invoice.refresh_from_db()
    # 7.00: the fee 5.00 first, then 2.00 of the interest, nothing yet of the capital.
    assert (invoice.fees_paid, invoice.interest_paid, invoice.capital_paid) == (
        D("5.00"),
        D("2.00"),
        D("0.00"),
    )
    assert invoice.status == Invoice.Status.PARTIALLY_PAID

    services.payment_record(
        organization=club, invoice=invoice, amount=D("125.50"), paid_on=DUE, actor=None
    )
    invoice.refresh_from_db()
    # 125.50: the rest of the interest 1.57, then 123.93 of the capital: 1.57 still due.
    assert (invoice.interest_paid, invoice.capital_paid, invoice.amount_due) == (
        D("3.57"),
        D("123.93"),
        D("1.57"),
    )
    assert invoice.status == Invoice.Status.PARTIALLY_PAID

    services.payment_record(
        organization=club, invoice=invoice, amount=D("1.57"), paid_on=DUE, actor=None
    )
    invoice.refresh_from_db()
    assert invoice.amount_due == D("0.00")
    assert invoice.status == Invoice.Status.PAID


def test_allocate_splits_in_the_legal_order():
    invoice = Invoice(
        total=D("100.00"),
        fees_charged=D("10.00"),
        interest_charged=D("4.00"),
        paid_amount=D("0.00"),
    )
    assert settlement.allocate(invoice, D("12.00")) == settlement.Allocation(
        fees=D("10.00"), interest=D("2.00"), capital=D("0.00")
    )
    assert settlement.allocate(invoice, D("50.00")) == settlement.Allocation(
        fees=D("0.00"), interest=D("2.00"), capital=D("48.00")
    )
    assert (invoice.paid_amount, invoice.capital_due) == (D("62.00"), D("52.00"))


# --- Mailing --------------------------------------------------------------------------------


def test_the_reminder_is_mailed_once_with_its_pdf_and_logged(
    club, membership, django_capture_on_commit_callbacks
):
    _settings(club, interest_=False)
    invoice = _overdue(membership)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reminder = reminder_record(invoice=invoice, sent_on=datetime.date(2024, 1, 31), actor=None)
    assert reminder_email_send(reminder_id=reminder.pk) is False  # the task ran already

    [message] = mail.outbox
    assert message.to == ["alice@example.fi"]
    assert message.subject == (
        f"Payment reminder: invoice {invoice.number} from Malmin Ilmailukerho ry"
    )
    assert f"Total to pay: 130,50{NBSP}€" in message.body
    [(filename, content, mimetype)] = message.attachments
    assert filename == f"malmin-ilmailukerho-ry-reminder-{invoice.number}-2024-01-31.pdf"
    assert (mimetype, content[:5]) == ("application/pdf", b"%PDF-")
    reminder.refresh_from_db()
    assert reminder.sent_at is not None
    [record] = CommunicationRecord.objects.filter(subject_line=message.subject)
    assert record.counterpart == "alice@example.fi"


def test_a_credit_note_is_mailed_once_as_a_pdf(membership, django_capture_on_commit_callbacks):
    invoice = _overdue(membership)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        credit_note = services.invoice_credit(invoice=invoice, actor=None)
    assert invoice_email_send(invoice_id=credit_note.pk) is False
    [message] = mail.outbox
    assert message.subject == f"Credit note {credit_note.number} from Malmin Ilmailukerho ry"
    assert message.attachments[0][0].endswith(f"credit-note-{credit_note.number}.pdf")


# --- Pages ----------------------------------------------------------------------------------


def test_the_reminder_page_and_pdfs_show_what_it_asked(client, admin, alice, club, membership):
    _settings(club, interest_=False)
    invoice = _overdue(membership)
    reminder = _remind(invoice, datetime.date(2024, 1, 31))
    client.force_login(admin)
    page = client.get(reverse("billing:reminder", args=[club.pk, invoice.pk, reminder.pk]))
    text = page.content.decode()
    assert f"130,50{NBSP}€" in text
    assert pdf.reminder_document_context(reminder=reminder)["barcode"] in text
    assert client.get(
        reverse("billing:reminder_pdf", args=[club.pk, invoice.pk, reminder.pk])
    ).content.startswith(b"%PDF-")
    client.force_login(alice)
    response = client.get(reverse("billing:my_reminder_pdf", args=[invoice.pk, reminder.pk]))
    assert response.content.startswith(b"%PDF-")


def _settings_url(organization: Organization) -> str:
    return reverse("billing:billing_settings", args=[organization.pk])


def test_the_settings_page_saves_the_fee_and_interest_choice(client, admin, club):
    client.force_login(admin)
    assert client.get(_settings_url(club)).status_code == 200
    response = client.post(_settings_url(club), {"reminder_fee": "4,50", "charges_interest": "on"})
    assert response.status_code == 302
    saved = BillingSettings.objects.get(organization=club)
    assert (saved.reminder_fee, saved.charges_interest) == (D("4.50"), True)


@pytest.mark.parametrize(
    ("fee", "message"),
    [
        ("5,01", "The reminder fee can be at most 5.00 euros."),
        ("-1", "The reminder fee cannot be negative."),
        ("viisi", "Enter a number."),
    ],
)
def test_the_settings_page_keeps_the_input_and_explains(client, admin, club, fee, message):
    client.force_login(admin)
    response = client.post(_settings_url(club), {"reminder_fee": fee})
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    assert f'value="{fee}"' in content
    assert not BillingSettings.objects.exists()


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("member", 404), ("admin", 200), ("other_admin", 404), ("staff", 404)],
)
def test_the_settings_page_answers_each_role(client, club, alice, membership, role, expected):
    users = {
        "anonymous": None,
        "member": alice,
        "admin": club.memberships.get(role=Membership.Role.ADMIN).user,
        "other_admin": organization_with_admin(UserFactory(), name="Toinen ry")
        .memberships.get()
        .user,
        "staff": StaffFactory(),
    }
    if users[role] is not None:
        client.force_login(users[role])
    response = client.get(_settings_url(club))
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


def test_the_settings_page_has_a_query_budget(client, admin, club, django_assert_max_num_queries):
    _settings(club)
    client.force_login(admin)
    with django_assert_max_num_queries(12):
        assert client.get(_settings_url(club)).status_code == 200


def test_a_reminder_of_an_invoice_paid_before_the_mail_went_is_not_mailed(club, membership):
    invoice = _overdue(membership)
    reminder = _remind(invoice, datetime.date(2024, 1, 31))
    services.payment_record(
        organization=club, invoice=invoice, amount=D("125.50"), paid_on=DUE, actor=None
    )
    mail.outbox.clear()
    assert reminder_email_send(reminder_id=reminder.pk) is False
    assert not mail.outbox


def test_a_reminder_is_not_dated_in_the_future(membership):
    with pytest.raises(RuleError, match="tulevaisuuteen"):
        _remind(_overdue(membership), datetime.date(2099, 1, 1))


def test_a_reminder_is_not_dated_before_the_previous_one(membership):
    invoice = _overdue(membership)
    _remind(invoice, datetime.date(2024, 2, 1))
    with pytest.raises(RuleError, match="aiemmaksi kuin edellistä"):
        _remind(invoice, datetime.date(2024, 1, 31))
