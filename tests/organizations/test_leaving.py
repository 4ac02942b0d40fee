"""Leaving an organization: asked first, says what really stays visible (to whom, until when),
ends the member's contracts, and leaves the ones it cannot end to the admins, who are told."""

from __future__ import annotations

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import dateformat, timezone, translation

from accounts import my_data
from billing import services as billing
from billing.models import Contract, Invoice
from billing.money import format_eur
from communications import services as communications
from communications.models import CommunicationRecord
from organizations import services
from organizations.leaving import member_record_until, member_records_kept
from organizations.models import Membership
from tests.billing.factories import contract_for, invoice_for, product
from tests.factories import UserFactory

from .factories import add_member

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate

CONFIRM = {"confirm": "yes"}


def _day(day: datetime.date) -> str:
    return dateformat.format(day, "j.n.Y")


@pytest.fixture
def member(db):
    return UserFactory(
        email="lauri.lahtija@example.fi",
        first_name="Lauri",
        last_name="Lähtijä",
        preferred_language="en",
    )


@pytest.fixture
def membership(organization, member) -> Membership:
    return add_member(organization, member, member_number="102")


@pytest.fixture
def member_client(client, member, membership):
    client.force_login(member)
    client.cookies["django_language"] = "en"
    return client


def _leave_url(organization) -> str:
    return reverse("organizations:leave", args=[organization.pk])


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Asked first --------------------------------------------------------------------------


def test_the_organization_page_links_to_the_confirmation_not_a_form(member_client, organization):
    page = member_client.get(reverse("organizations:detail", args=[organization.pk]))
    content = page.content.decode()
    assert f'href="{_leave_url(organization)}"' in content
    assert f'action="{_leave_url(organization)}"' not in content


def test_the_confirmation_page_leaves_nothing(member_client, organization, membership):
    response = member_client.get(_leave_url(organization))
    assert response.status_code == 200
    content = response.content.decode()
    assert "What stays visible" in content
    assert f'<form method="post" action="{_leave_url(organization)}">' in content
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE


def test_the_confirmation_page_lists_what_stays_and_what_ends(
    member_client, organization, membership, admin
):
    fee = contract_for(membership, product(organization, name="Membership fee"))
    later = contract_for(
        membership,
        product(organization, name="Hangar place"),
        opened_on=TODAY() + datetime.timedelta(days=30),
    )
    invoice = invoice_for(membership, send=True)
    content = member_client.get(_leave_url(organization)).content.decode()
    ending = content.split('class="leaving-ending"')[1].split("</ul>")[0]
    to_admins = content.split('class="leaving-admins"')[1].split("</ul>")[0]
    assert fee.product.name in ending and later.product.name not in ending
    assert later.product.name in to_admins
    kept = content.split('class="leaving-kept')[1].split("</table>")[0]
    assert "member list" in kept
    assert "1 invoice" in kept
    assert _day(invoice.retain_until) in kept
    # The member record stays as long as the invoice that points at it.
    assert kept.count(_day(invoice.retain_until)) == 2


def test_the_only_admin_is_told_to_name_another_first(client, admin, organization):
    client.force_login(admin)
    client.cookies["django_language"] = "en"
    content = client.get(_leave_url(organization)).content.decode()
    assert "only admin" in content
    assert f'action="{_leave_url(organization)}"' not in content


# --- Leaving ------------------------------------------------------------------------------


def test_posting_leaves_and_says_what_stays_visible_with_dates(
    member_client, organization, membership, admin
):
    invoice = invoice_for(membership, send=True)
    communications.communication_record(
        organization=organization,
        subject=membership.user,
        channel=CommunicationRecord.Channel.PHONE,
        direction=CommunicationRecord.Direction.INCOMING,
        summary="Soitti jäsenmaksusta.",
        actor=admin,
    )
    with translation.override("en"):
        response = member_client.post(_leave_url(organization), CONFIRM)
    assert response.status_code == 302
    assert response.url == reverse("organizations:mine")
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ENDED
    assert membership.ended_on == TODAY()
    messages = _messages(response)
    assert f"You left {organization.name}." in messages
    record = next(m for m in messages if "member list" in m)
    assert "the organization's admins" in record
    # Kept as long as the invoice that points at the member record.
    assert f"until {_day(invoice.retain_until)}" in record
    invoice_line = next(m for m in messages if "1 invoice" in m)
    assert f"until {_day(invoice.retain_until)}" in invoice_line
    assert "bookkeeping" in invoice_line
    calls = next(m for m in messages if "recorded with you" in m)
    assert "as long as your account exists" in calls
    assert not any("no longer see" in m for m in messages)


def test_without_invoices_the_member_record_stays_for_the_settling_period(
    member_client, organization, membership, settings
):
    settings.ENDED_MEMBERSHIP_RETENTION_DAYS = 100
    response = member_client.post(_leave_url(organization), CONFIRM)
    record = next(m for m in _messages(response) if "member list" in m)
    assert f"until {_day(TODAY() + datetime.timedelta(days=100))}" in record
    assert member_record_until(TODAY()) == TODAY() + datetime.timedelta(days=100)
    assert not any("invoice" in m for m in _messages(response))


def test_leaving_ends_the_open_contracts(member_client, organization, membership):
    fee = contract_for(membership, product(organization, name="Membership fee"))
    response = member_client.post(_leave_url(organization), CONFIRM)
    fee.refresh_from_db()
    assert fee.terminated_on == TODAY()
    assert fee.terminated_by == membership.user
    assert fee.end_request_sent_at is None
    assert any(
        "Ended with the membership" in m and "Membership fee" in m for m in _messages(response)
    )
    assert mail.outbox == []


def test_contracts_it_cannot_end_go_to_the_admins_by_email(
    member_client, organization, membership, admin, django_capture_on_commit_callbacks
):
    fee = contract_for(membership, product(organization, name="Membership fee"))
    hangar = contract_for(
        membership,
        product(organization, name="Hangar place"),
        opened_on=TODAY() + datetime.timedelta(days=30),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(_leave_url(organization), CONFIRM)
    fee.refresh_from_db()
    hangar.refresh_from_db()
    assert fee.terminated_on == TODAY()
    assert hangar.terminated_on is None
    assert hangar.end_request_sent_at is not None
    assert fee.end_request_sent_at is None
    assert any("admins were asked to end" in m and "Hangar place" in m for m in _messages(response))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [admin.email]
    assert "Hangar place" in message.body
    assert "Membership fee" not in message.body
    assert reverse(
        "billing:contract", kwargs={"pk": organization.pk, "contract_pk": hangar.pk}
    ) in (message.body)
    # The contract's page tells the admins why it is still open.
    client = Client()
    client.force_login(admin)
    client.cookies["django_language"] = "en"
    page = client.get(
        reverse("billing:contract", kwargs={"pk": organization.pk, "contract_pk": hangar.pk})
    )
    assert "the admins were asked to end it on" in page.content.decode()
    # Asked once: the task delivered again sends nothing.
    from billing.leaving import contract_end_requests_send

    assert contract_end_requests_send(membership_id=membership.pk) == 0
    assert len(mail.outbox) == 1


def test_a_contract_already_set_to_end_later_goes_to_the_admins(
    member_client, organization, membership, admin, django_capture_on_commit_callbacks
):
    lease = contract_for(membership, product(organization, name="Aircraft share"))
    later = TODAY() + datetime.timedelta(days=60)
    billing.contract_terminate(contract=lease, terminated_on=later, reason="Notice", actor=admin)
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(_leave_url(organization), CONFIRM)
    lease.refresh_from_db()
    assert lease.terminated_on == later
    assert lease.end_request_sent_at is not None
    assert "Aircraft share" in mail.outbox[0].body


def test_an_admin_ending_a_membership_ends_its_contracts_too(
    client, admin, organization, membership
):
    fee = contract_for(membership, product(organization, name="Membership fee"))
    client.force_login(admin)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("organizations:member_end", args=[organization.pk, membership.pk]), CONFIRM
    )
    fee.refresh_from_db()
    assert fee.terminated_on == TODAY()
    assert fee.terminated_by == admin
    assert any("Membership fee" in m for m in _messages(response))


def test_the_service_ends_contracts_whoever_calls_it(organization, membership, admin):
    fee = contract_for(membership, product(organization, name="Membership fee"))
    ending = services.membership_leave(membership=membership, actor=admin)
    assert len(ending.ended) == 1
    assert "Membership fee" in str(ending.ended[0].what)
    assert Contract.objects.get(pk=fee.pk).terminated_on == TODAY()
    # Ending it again changes nothing and ends nothing more.
    again = services.membership_leave(membership=membership, actor=admin)
    assert again.settled == []


def test_another_member_is_not_affected(member_client, organization, membership):
    other = add_member(organization, member_number="103")
    their_fee = contract_for(other, product(organization, name="Membership fee"))
    member_client.post(_leave_url(organization), CONFIRM)
    other.refresh_from_db()
    their_fee.refresh_from_db()
    assert other.status == Membership.Status.ACTIVE
    assert their_fee.terminated_on is None


def test_the_page_is_404_to_someone_not_a_member(client, organization):
    outsider = UserFactory()
    client.force_login(outsider)
    assert client.get(_leave_url(organization)).status_code == 404
    assert client.post(_leave_url(organization), CONFIRM).status_code == 404


def test_the_page_is_404_after_leaving(member_client, organization, membership):
    member_client.post(_leave_url(organization), CONFIRM)
    assert member_client.get(_leave_url(organization)).status_code == 404
    assert member_client.post(_leave_url(organization), CONFIRM).status_code == 404


def test_the_confirmation_page_runs_a_fixed_number_of_queries(
    member_client, organization, membership, django_assert_max_num_queries
):
    for number in range(3):
        contract_for(membership, product(organization, name=f"Product {number}"))
        invoice_for(membership, send=True)
    with django_assert_max_num_queries(25):
        member_client.get(_leave_url(organization))


# --- Why the member-list entry stays longer --------------------------------------------------


def _kept_table(content: str) -> str:
    return content.split('class="leaving-kept')[1].split("</table>")[0]


def test_the_page_says_why_the_entry_outlives_the_usual_period(
    member_client, organization, membership, settings
):
    settings.ENDED_MEMBERSHIP_RETENTION_DAYS = 365
    invoice = invoice_for(membership, send=True)
    assert invoice.retain_until > member_record_until(TODAY())
    kept = _kept_table(member_client.get(_leave_url(organization)).content.decode())
    record = kept.split("</tr>")[1]  # the header row first, then the member-list entry
    assert "member list" in record
    assert _day(invoice.retain_until) in record
    assert "Kept longer than the usual 365 days after the membership ends" in record
    assert "bookkeeping vouchers that name the membership" in record


def test_without_vouchers_the_page_gives_the_usual_period_and_no_reason(
    member_client, organization, membership, settings
):
    settings.ENDED_MEMBERSHIP_RETENTION_DAYS = 100
    contract_for(membership, product(organization, name="Membership fee"))
    kept = _kept_table(member_client.get(_leave_url(organization)).content.decode())
    assert _day(TODAY() + datetime.timedelta(days=100)) in kept
    assert "Kept longer" not in kept
    assert "leaving-why" not in kept


def test_the_entry_is_kept_until_the_last_payment_of_its_invoices(organization, membership, admin):
    invoice = invoice_for(membership, send=True)
    payment = billing.payment_record(
        organization=organization,
        amount=invoice.total,
        paid_on=TODAY(),
        invoice=invoice,
        actor=admin,
    )
    later = invoice.retain_until + datetime.timedelta(days=400)
    type(payment).objects.filter(pk=payment.pk).update(retain_until=later)
    record = member_records_kept(memberships=[membership], left_on=TODAY())[membership.pk]
    assert record.until == later
    assert record.why


def test_the_message_after_leaving_says_why(member_client, organization, membership):
    invoice = invoice_for(membership, send=True)
    with translation.override("en"):
        response = member_client.post(_leave_url(organization), CONFIRM)
    record = next(m for m in _messages(response) if "member list" in m)
    assert f"until {_day(invoice.retain_until)}" in record
    assert "bookkeeping vouchers that name the membership" in record


# --- Open invoices stay payable ------------------------------------------------------------


def test_the_page_lists_the_open_invoices_that_stay_payable(
    member_client, organization, membership, admin
):
    due_later = TODAY() + datetime.timedelta(days=14)
    open_one = invoice_for(membership, send=True, due_date=due_later)
    partly = invoice_for(membership, send=True)
    billing.payment_record(
        organization=organization,
        amount=Decimal("25.50"),
        paid_on=TODAY(),
        invoice=partly,
        actor=admin,
    )
    paid = invoice_for(membership, send=True)
    billing.payment_record(
        organization=organization, amount=paid.total, paid_on=TODAY(), invoice=paid, actor=admin
    )
    draft = invoice_for(membership)
    partly.refresh_from_db()
    content = member_client.get(_leave_url(organization)).content.decode()
    due = content.split('class="leaving-due"')[1].split("</ul>")[0]
    items = due.split("</li>")[:-1]
    assert len(items) == 2
    # Soonest due first, each with its number, what is left to pay and its due date.
    assert f"Invoice {partly.number}" in items[0]
    assert format_eur(Decimal("100.00")) in items[0]
    assert _day(partly.due_date) in items[0]
    assert f"Invoice {open_one.number}" in items[1]
    assert format_eur(open_one.total) in items[1]
    assert _day(due_later) in items[1]
    assert f"Invoice {paid.number}," not in due
    assert f"Invoice {draft.number}," not in due


def test_without_open_invoices_the_page_lists_nothing_to_pay(
    member_client, organization, membership, admin
):
    paid = invoice_for(membership, send=True)
    billing.payment_record(
        organization=organization, amount=paid.total, paid_on=TODAY(), invoice=paid, actor=admin
    )
    content = member_client.get(_leave_url(organization)).content.decode()
    assert "leaving-due" not in content
    assert "Still to be paid" not in content


def test_the_message_after_leaving_lists_the_open_invoices(member_client, organization, membership):
    invoice = invoice_for(membership, send=True)
    with translation.override("en"):
        response = member_client.post(_leave_url(organization), CONFIRM)
    line = next(m for m in _messages(response) if "Still to be paid after leaving" in m)
    assert (
        f"Invoice {invoice.number}, {format_eur(invoice.total)}, due {_day(invoice.due_date)}"
        in (line)
    )
    invoice.refresh_from_db()
    assert invoice.status != Invoice.Status.CANCELLED


# --- After leaving: what the member's pages say --------------------------------------------


def _ended_row(content: str, organization) -> str:
    """The organization's row in the member's table of memberships, as read."""
    table = content.split("<tbody>")[1].split("</tbody>")[0]
    return html.unescape(table.split(organization.name)[1].split("</tr>")[0])


def test_the_members_list_says_what_admins_still_see_and_until_when(
    member_client, organization, membership, admin
):
    invoice = invoice_for(membership, send=True)
    with translation.override("en"):
        response = member_client.post(_leave_url(organization), CONFIRM)
    promised = next(m for m in _messages(response) if "member list" in m)
    for url in (reverse("organizations:mine"), reverse("accounts:my_data")):
        with translation.override("en"):
            content = member_client.get(url).content.decode()
        row = _ended_row(content, organization)
        assert "Nobody" not in row
        assert "the organization's admins" in row
        assert "member list" in row
        assert f"until {_day(invoice.retain_until)}" in row
        assert "bookkeeping vouchers that name the membership" in row
        # The same date as the message after leaving gave.
        assert f"until {_day(invoice.retain_until)}" in promised
    # And it is true: the admins' member list still shows the name.
    admin_client = Client()
    admin_client.force_login(admin)
    members = admin_client.get(reverse("organizations:members", args=[organization.pk]))
    assert "Lähtijä" in members.content.decode()


def test_the_members_list_gives_the_settling_period_without_vouchers(
    member_client, organization, membership, settings
):
    settings.ENDED_MEMBERSHIP_RETENTION_DAYS = 100
    member_client.post(_leave_url(organization), CONFIRM)
    with translation.override("en"):
        content = member_client.get(reverse("organizations:mine")).content.decode()
    row = _ended_row(content, organization)
    assert f"until {_day(TODAY() + datetime.timedelta(days=100))}" in row
    assert "Kept longer" not in row


def test_the_members_list_runs_a_fixed_number_of_queries_for_ended_memberships(
    member, django_assert_max_num_queries
):
    from .factories import organization_with_admin

    for number in range(3):
        other = organization_with_admin(UserFactory(), name=f"Kerho {number} ry")
        ended = add_member(other, member, member_number=str(number))
        invoice_for(ended, send=True)
        services.membership_end(membership=ended, actor=member)
    section = next(s for s in my_data.registered_sections() if s.key == "memberships")
    with django_assert_max_num_queries(section.queries):
        built = section.build(member)
    assert all(m.kept_record.why for m in built["memberships"])


# --- Fits a phone ------------------------------------------------------------------------------


def test_the_kept_table_stacks_on_a_phone_and_scrolls_inside_its_card(
    member_client, organization, membership
):
    """At 390 px the three columns of long texts were wider than the page: on a phone the
    table's rows stack, each value labelled, and anything wider scrolls inside its card."""
    invoice_for(membership, send=True)
    content = member_client.get(_leave_url(organization)).content.decode()
    before, table = content.split('<table class="leaving-kept table-stack"')
    assert re.search(r'<div class="table-scroll"[^>]*>$', before.rstrip())
    rows = table.split("</tbody>")[0].split("<tbody>")[1].split("</tr>")[:-1]
    assert len(rows) == 2
    for row in rows:
        assert 'data-label="Seen by"' in row and 'data-label="Until"' in row
    css = (django_settings.BASE_DIR / "static" / "css" / "site.css").read_text()
    phone = css.split("@media (max-width: 520px) {\n  .table-stack")[1].split("\n}")[0]
    assert ".table-stack tr, .table-stack td { display: block; }" in phone
    assert "content: attr(data-label)" in phone
    # Hidden labels (position: absolute) in a scrolled table stay inside its box.
    assert re.search(r"\.table-scroll \{[^}]*position: relative", css)


def test_an_unpaid_invoice_keeps_the_entry_until_it_is_settled(organization, membership, admin):
    """The retention of vouchers keeps an invoice that is not settled past its date, so
    the date given is then a lower bound, and the member is told so."""
    invoice = invoice_for(membership, send=True)
    with translation.override("en"):
        record = member_records_kept(memberships=[membership], left_on=TODAY())[membership.pk]
        assert "not yet settled is kept until it is" in str(record.why)
        billing.payment_record(
            organization=organization,
            amount=invoice.total,
            paid_on=TODAY(),
            invoice=invoice,
            actor=admin,
        )
        record = member_records_kept(memberships=[membership], left_on=TODAY())[membership.pk]
        assert "bookkeeping vouchers" in str(record.why)
        assert "not yet settled" not in str(record.why)
