"""The controller's billing in the Django admin: everything visible, vouchers kept."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.db import connection
from django.test.client import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from billing import services, states
from billing.models import Contract, ContractEvent, Invoice, Payment, Product, Reminder
from organizations.models import Membership, Organization
from registry.admin_tools import EstimatedCountPaginator
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .factories import contract_for, invoice_for, product

pytestmark = pytest.mark.django_db

BILLING_MODELS = [Product, Contract, Invoice, Payment, Reminder]
BIG_TABLES = [Contract, Invoice, Payment, Reminder]
VOUCHERS = [Invoice, Payment]


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def delete_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def post_action(client, model, action: str, objects, *, confirm: bool = True) -> object:
    """Run an admin action; ``confirm`` answers the page an irreversible one asks first."""
    return client.post(
        changelist_url(model),
        {
            "action": action,
            "_selected_action": [o.pk for o in objects],
            **({"confirm": "yes"} if confirm else {}),
        },
        follow=True,
    )


@pytest.fixture
def controller(db) -> User:
    user = StaffFactory(email="laura.controller@example.fi", preferred_language="en")
    return user


@pytest.fixture
def controller_client(client, controller):
    client.force_login(controller)
    return client


@pytest.fixture
def club_admin(db) -> User:
    return UserFactory(email="aino.admin@example.fi", preferred_language="en")


@pytest.fixture
def club(club_admin) -> Organization:
    return organization_with_admin(club_admin, name="Malmin Ilmailukerho ry")


@pytest.fixture
def membership(club) -> Membership:
    return add_member(club, UserFactory(first_name="Mikko", last_name="Korhonen"))


@pytest.fixture
def draft(membership, club_admin) -> Invoice:
    return invoice_for(membership, actor=club_admin)


@pytest.fixture
def sent(membership, club_admin) -> Invoice:
    return invoice_for(membership, send=True, actor=club_admin)


def populate(count: int) -> None:
    """``count`` organizations with every kind of row the billing admin lists."""
    for _i in range(count):
        organization = organization_with_admin(name=f"Kerho {Organization.objects.count()}")
        admin_user = organization.memberships.get().user
        member = add_member(organization)
        contract_for(member, actor=admin_user)
        invoice = invoice_for(member, send=True, actor=admin_user)
        services.payment_record(
            organization=organization,
            amount=Decimal("10.00"),
            paid_on=datetime.date(2026, 3, 10),
            invoice=invoice,
            actor=admin_user,
        )
        services.payment_record(
            organization=organization,
            amount=Decimal("5.00"),
            paid_on=datetime.date(2026, 3, 11),
            reference="RF00",
            actor=admin_user,
        )
        services.reminder_record(
            invoice=invoice,
            sent_on=datetime.date(2026, 3, 20),
            fee=Decimal("5.00"),
            actor=admin_user,
        )
        credited = invoice_for(member, send=True, actor=admin_user)
        services.invoice_credit(invoice=credited, actor=admin_user)


# --- Changelists ----------------------------------------------------------------------------


@pytest.mark.parametrize("model", BILLING_MODELS, ids=lambda m: m._meta.label_lower)
def test_it_opens_every_changelist_searched_and_filtered(controller_client, model):
    populate(2)
    url = changelist_url(model)
    assert controller_client.get(url).status_code == 200
    assert controller_client.get(url, {"q": "1"}).status_code == 200
    assert controller_client.get(url, {"q": "not a number"}).status_code == 200


@pytest.mark.parametrize("model", BILLING_MODELS, ids=lambda m: m._meta.label_lower)
def test_it_lists_in_a_fixed_number_of_queries(
    controller_client, model, django_assert_max_num_queries
):
    url = changelist_url(model)
    populate(2)
    controller_client.get(url)  # warms the session and the content type cache
    with CaptureQueriesContext(connection) as few:
        assert controller_client.get(url).status_code == 200
    populate(8)
    with django_assert_max_num_queries(len(few)):
        response = controller_client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 10


@pytest.mark.parametrize("model", BIG_TABLES, ids=lambda m: m._meta.label_lower)
def test_it_counts_big_tables_from_the_estimate(model):
    model_admin = admin.site._registry[model]
    assert model_admin.paginator is EstimatedCountPaginator
    assert model_admin.show_full_result_count is False
    assert model_admin.list_select_related


@pytest.mark.parametrize("model", BILLING_MODELS, ids=lambda m: m._meta.label_lower)
def test_it_opens_every_change_page(controller_client, model):
    populate(1)
    assert controller_client.get(change_url(model.objects.first())).status_code == 200


def test_it_refuses_staff_with_a_password_alone(client, sent):
    client.force_login(StaffFactory(preferred_language="en", totp=False))
    response = client.get(changelist_url(Invoice))
    assert response.status_code == 403
    assert "accounts/admin_refused.html" in [t.name for t in response.templates]


def test_it_keeps_members_out_of_the_billing_admin(client, club_admin, sent):
    client.force_login(club_admin)
    response = client.get(change_url(sent))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- Vouchers -------------------------------------------------------------------------------


def test_it_never_deletes_an_invoice_a_credit_note_or_a_payment(controller_client, controller):
    populate(1)
    credit_note = Invoice.objects.get(credit_note_for__isnull=False)
    vouchers = [
        Invoice.objects.filter(credit_note_for__isnull=True).first(),
        credit_note,
        Payment.objects.first(),
    ]
    request = RequestFactory().get("/")
    request.user = controller
    for voucher in vouchers:
        model_admin = admin.site._registry[type(voucher)]
        assert not model_admin.has_delete_permission(request)
        assert not model_admin.has_delete_permission(request, voucher)
        assert "delete_selected" not in model_admin.get_actions(request)
        assert controller_client.get(delete_url(voucher)).status_code == 403
        assert controller_client.post(delete_url(voucher), {"post": "yes"}).status_code == 403
        response = controller_client.post(
            changelist_url(type(voucher)),
            {"action": "delete_selected", "_selected_action": [voucher.pk], "post": "yes"},
        )
        assert type(voucher).objects.filter(pk=voucher.pk).exists()
        assert "deletelink" not in controller_client.get(change_url(voucher)).content.decode()
        assert response.status_code in (200, 302)


@pytest.mark.parametrize("model", [Contract, Product, Reminder], ids=lambda m: m._meta.model_name)
def test_it_does_not_delete_what_vouchers_refer_to(controller_client, model):
    populate(1)
    obj = model.objects.first()
    assert controller_client.post(delete_url(obj), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_it_shows_an_invoice_read_only_with_its_retention_date(controller_client, sent):
    response = controller_client.get(change_url(sent))
    content = response.content.decode()
    assert response.status_code == 200
    for field in ("number", "reference", "total", "total_net", "total_vat", "paid_amount"):
        assert f'name="{field}"' not in content
    assert sent.reference in content
    assert "Kept until" in content
    assert sent.retain_until.strftime("%Y") in content
    assert "Jäsenmaksu 2026" in content  # the line, inline and read-only
    assert 'name="lines-0-description"' not in content


def test_it_refuses_to_change_an_invoice(controller_client, sent):
    response = controller_client.post(
        change_url(sent), {"total": "1.00", "number": "999", "reference": "123"}
    )
    assert response.status_code == 403
    fresh = Invoice.objects.get(pk=sent.pk)
    assert (fresh.total, fresh.number, fresh.reference) == (sent.total, sent.number, sent.reference)


def test_it_lists_the_retention_date(controller_client, sent):
    response = controller_client.get(changelist_url(Invoice))
    assert "column-retain_until" in response.content.decode()


def test_it_adds_no_invoices_or_payments_in_the_admin(controller_client):
    for model in (Invoice, Payment, Contract, Reminder):
        opts = model._meta
        add_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        assert controller_client.get(add_url).status_code == 403, model


# --- Invoice actions ------------------------------------------------------------------------


def test_it_sends_a_draft(controller_client, draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_action(controller_client, Invoice, "send_invoices", [draft])
    assert messages_of(response) == ["1 invoice sent."]
    draft.refresh_from_db()
    assert draft.status == Invoice.Status.SENT
    assert len(callbacks) == 1  # the mail goes out after commit, once


def test_it_reports_a_broken_rule_instead_of_sending(controller_client, sent, draft):
    response = post_action(controller_client, Invoice, "send_invoices", [sent, draft])
    shown = messages_of(response)
    assert f"Invoice {sent.number}: Only a draft can be sent." in shown
    assert "1 invoice sent." in shown


def test_it_credits_an_invoice(controller_client, controller, sent):
    response = post_action(controller_client, Invoice, "credit_invoices", [sent])
    assert messages_of(response) == ["1 invoice credited."]
    sent.refresh_from_db()
    assert sent.status == Invoice.Status.CREDITED
    credit_note = sent.credit_note
    assert credit_note.total == -sent.total
    assert credit_note.created_by == controller


def test_it_asks_before_crediting(controller_client, sent):
    response = post_action(controller_client, Invoice, "credit_invoices", [sent], confirm=False)
    assert response.templates[0].name == "admin/confirm_action.html"
    content = response.content.decode()
    assert str(sent) in content
    assert 'name="confirm" value="yes"' in content
    sent.refresh_from_db()
    assert sent.status == Invoice.Status.SENT
    assert not Invoice.objects.filter(credit_note_for=sent).exists()


def test_it_will_not_credit_a_credit_note(controller_client, sent, club_admin):
    credit_note = services.invoice_credit(invoice=sent, actor=club_admin)
    response = post_action(controller_client, Invoice, "credit_invoices", [credit_note])
    assert messages_of(response) == [
        f"Invoice {credit_note.number}: A credit note cannot be credited."
    ]
    assert not Invoice.objects.filter(credit_note_for=credit_note).exists()


def test_it_filters_invoices_and_credit_notes(controller_client, sent, club_admin):
    credit_note = services.invoice_credit(invoice=sent, actor=club_admin)
    url = changelist_url(Invoice)
    found = controller_client.get(url, {"kind": "credit_note"}).context["cl"].result_list
    assert list(found) == [credit_note]
    found = controller_client.get(url, {"kind": "invoice"}).context["cl"].result_list
    assert list(found) == [sent]


def test_it_finds_an_invoice_by_its_reference(controller_client, sent, draft):
    response = controller_client.get(changelist_url(Invoice), {"q": sent.reference})
    assert list(response.context["cl"].result_list) == [sent]


def test_it_lists_a_draft_without_a_number(controller_client, sent, draft):
    response = controller_client.get(changelist_url(Invoice))
    assert list(response.context["cl"].result_list) == [draft, sent]
    content = response.content.decode()
    assert re.search(r'class="field-number_or_draft"><a href="[^"]+">draft</a>', content)


# --- Payments -------------------------------------------------------------------------------


@pytest.fixture
def unmatched(club, club_admin) -> Payment:
    return services.payment_record(
        organization=club,
        amount=Decimal("125.50"),
        paid_on=datetime.date(2026, 3, 10),
        reference="99999",
        actor=club_admin,
    )


def test_it_filters_matched_and_unmatched_payments(controller_client, sent, unmatched, club):
    matched = services.payment_record(
        organization=club,
        amount=Decimal("1.00"),
        paid_on=datetime.date(2026, 3, 10),
        invoice=sent,
        actor=None,
    )
    url = changelist_url(Payment)
    found = controller_client.get(url, {"matched": "no"}).context["cl"].result_list
    assert list(found) == [unmatched]
    found = controller_client.get(url, {"matched": "yes"}).context["cl"].result_list
    assert list(found) == [matched]


def test_it_matches_a_payment_through_the_service(controller_client, controller, sent, unmatched):
    response = controller_client.post(
        change_url(unmatched), {"invoice": sent.pk, "amount": "1.00", "reference": "x"}
    )
    assert response.status_code == 302
    unmatched.refresh_from_db()
    assert unmatched.invoice == sent
    assert unmatched.matched_at is not None
    assert (unmatched.amount, unmatched.reference) == (Decimal("125.50"), "99999")
    sent.refresh_from_db()
    assert sent.paid_amount == Decimal("125.50")
    assert sent.status == Invoice.Status.PAID


def test_it_will_not_match_another_organizations_invoice(controller_client, unmatched):
    other = add_member(organization_with_admin(name="Toinen kerho"))
    foreign = invoice_for(other, send=True)
    response = controller_client.post(change_url(unmatched), {"invoice": foreign.pk})
    assert response.status_code == 200
    assert "invoice" in response.context["adminform"].form.errors
    unmatched.refresh_from_db()
    assert unmatched.invoice is None


def test_it_keeps_a_matched_payment_read_only(controller_client, sent, club):
    payment = services.payment_record(
        organization=club,
        amount=Decimal("1.00"),
        paid_on=datetime.date(2026, 3, 10),
        invoice=sent,
        actor=None,
    )
    content = controller_client.get(change_url(payment)).content.decode()
    assert 'name="invoice"' not in content
    assert 'name="amount"' not in content


# --- Contracts and products -----------------------------------------------------------------


def test_it_shows_a_contracts_history_read_only(controller_client, membership, club_admin):
    contract = contract_for(membership, actor=club_admin)
    content = controller_client.get(change_url(contract)).content.decode()
    assert "Opened" in content
    assert 'name="events-0-kind"' not in content
    assert 'name="quantity"' not in content


def test_it_asks_before_terminating_a_contract(controller_client, membership):
    contract = contract_for(membership)
    response = post_action(
        controller_client, Contract, "terminate_contracts", [contract], confirm=False
    )
    assert response.templates[0].name == "admin/confirm_action.html"
    assert str(contract) in response.content.decode()
    contract.refresh_from_db()
    assert contract.terminated_on is None


def test_it_terminates_a_contract_through_the_service(controller_client, controller, membership):
    contract = contract_for(membership)
    response = post_action(controller_client, Contract, "terminate_contracts", [contract])
    assert messages_of(response) == ["1 contract terminated."]
    contract.refresh_from_db()
    assert contract.terminated_by == controller
    assert contract.terminated_on is not None
    assert ContractEvent.objects.filter(
        contract=contract, kind=ContractEvent.Kind.TERMINATED, actor=controller
    ).exists()
    response = post_action(controller_client, Contract, "terminate_contracts", [contract])
    assert messages_of(response)[0].endswith("The contract has already been terminated.")


def test_it_adds_and_changes_a_product(controller_client, club):
    response = controller_client.post(
        reverse("admin:billing_product_add"),
        {
            "organization": club.pk,
            "name": "Lentotunti C172",
            "description": "",
            "unit": Product.Unit.FLIGHT_HOUR,
            "unit_price": "180.00",
            "vat_rate": "25.5",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    made = Product.objects.get(name="Lentotunti C172")
    assert made.organization == club
    other = organization_with_admin(name="Toinen kerho")
    controller_client.post(
        change_url(made),
        {
            "organization": other.pk,
            "name": "Lentotunti C172",
            "unit": Product.Unit.FLIGHT_HOUR,
            "unit_price": "190.00",
            "vat_rate": "25.5",
        },
    )
    made.refresh_from_db()
    assert (made.organization, made.unit_price, made.is_active) == (club, Decimal("190.00"), False)


def test_it_searches_contracts_by_member(controller_client, membership, club):
    contract_for(membership)
    contract_for(add_member(club, UserFactory(first_name="Elina", last_name="Nieminen")))
    response = controller_client.get(changelist_url(Contract), {"q": "KORHONEN"})
    assert [c.membership for c in response.context["cl"].result_list] == [membership]


def test_it_lists_products(controller_client, club):
    product(club, name="Jäsenmaksu")
    response = controller_client.get(changelist_url(Product), {"q": "jäsen"})
    assert [p.name for p in response.context["cl"].result_list] == ["Jäsenmaksu"]


def test_it_shows_what_the_invoices_state_allows_now(controller_client, sent):
    content = controller_client.get(change_url(sent)).content.decode()
    assert "Possible now" in content
    possible = [str(a.label) for a in states.PAGE_ACTIONS if states.allows(sent, a)]
    assert "Credit the invoice" in possible
    assert "Send" not in possible
    assert ", ".join(possible) in content
