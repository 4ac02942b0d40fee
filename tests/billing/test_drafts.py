"""Drafts: numbered only when issued, edited and discarded by the organization's admins."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from billing import pdf, services
from billing.models import Invoice, InvoiceLine
from gdpr.models import AuditEntry
from organizations.models import Membership, Organization
from organizations.services import RuleError
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .factories import bank_account, invoice_for, line, product

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def admin(db) -> User:
    return UserFactory(email="aila.admin@example.fi", preferred_language="en")


@pytest.fixture
def organization(admin) -> Organization:
    organization = organization_with_admin(admin, name="Luonnoskerho ry")
    bank_account(organization)
    return organization


@pytest.fixture
def membership(organization) -> Membership:
    user = UserFactory(email="aino.member@example.fi", first_name="Aino", last_name="Virtanen")
    return add_member(organization, user)


@pytest.fixture
def other_member(organization) -> Membership:
    user = UserFactory(email="eero.member@example.fi", first_name="Eero", last_name="Lahti")
    return add_member(organization, user)


@pytest.fixture
def admin_client(client, admin, organization):
    client.force_login(admin)
    return client


def url(name: str, organization: Organization, *args) -> str:
    return reverse(f"billing:{name}", args=[organization.pk, *args])


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- Numbers at issue ------------------------------------------------------------------------


def test_it_gives_a_draft_no_number_nor_reference(membership):
    draft = invoice_for(membership)
    assert (draft.number, draft.reference, draft.number_display) == (None, "", "luonnos")


def test_it_numbers_issued_invoices_without_gaps_across_discarded_drafts(membership, admin):
    first = invoice_for(membership, actor=admin)
    discarded = [invoice_for(membership, actor=admin) for _ in range(2)]
    second = invoice_for(membership, actor=admin)
    services.invoice_send(invoice=second, actor=admin)
    for draft in discarded:
        services.invoice_discard(invoice=draft, actor=admin)
    services.invoice_send(invoice=first, actor=admin)
    third = invoice_for(membership, send=True, actor=admin)

    numbers = list(
        Invoice.objects.filter(organization=membership.organization)
        .order_by("number")
        .values_list("number", "reference")
    )
    # In the order they were issued, not created: 1, 2, 3 and no hole for the discarded.
    assert numbers == [(1, "10016"), (2, "10029"), (3, "10032")]
    assert [Invoice.objects.get(pk=i.pk).number for i in (second, first, third)] == [1, 2, 3]


def test_two_issues_after_a_discard_get_consecutive_numbers(membership, admin):
    issued = invoice_for(membership, send=True, actor=admin)
    a, b, c = (invoice_for(membership, actor=admin) for _ in range(3))
    services.invoice_discard(invoice=b, actor=admin)
    # Each issue locks the organization's row and takes the next number from the issued.
    sent_a = services.invoice_send(invoice=a, actor=admin)
    sent_c = services.invoice_send(invoice=c, actor=admin)
    assert (issued.number, sent_a.number, sent_c.number) == (1, 2, 3)


def test_a_credit_note_is_numbered_at_once_and_drafts_do_not_take_numbers(membership, admin):
    sent = invoice_for(membership, send=True, actor=admin)
    invoice_for(membership, actor=admin)
    credit_note = services.invoice_credit(invoice=sent, actor=admin)
    assert credit_note.number == 2
    assert credit_note.reference == "10029"


def test_a_draft_made_before_numbers_waited_for_the_issue_keeps_its_number(membership, admin):
    draft = invoice_for(membership, actor=admin)
    Invoice.objects.filter(pk=draft.pk).update(number=7, reference="10074")
    sent = services.invoice_send(invoice=draft, actor=admin)
    assert (sent.number, sent.reference) == (7, "10074")
    assert invoice_for(membership, send=True, actor=admin).number == 8


def test_a_draft_is_not_matched_by_a_bank_reference_nor_credited(membership, admin):
    draft = invoice_for(membership, actor=admin)
    with pytest.raises(RuleError, match="Luonnosta ei voi hyvittää"):
        services.invoice_credit(invoice=draft, actor=admin)
    assert not Invoice.objects.filter(reference="10016").exists()


# --- Editing ---------------------------------------------------------------------------------


def test_it_edits_a_draft_on_the_invoice_form(admin_client, organization, membership, other_member):
    fee = product(organization, name="Jäsenmaksu", unit_price=Decimal("80.00"))
    draft = invoice_for(membership, [line("Vanha rivi", 1, "10.00", product=fee)])
    page = admin_client.get(url("invoice_edit", organization, draft.pk))
    content = page.content.decode()
    assert page.status_code == 200
    assert "Edit the draft invoice" in content
    assert 'value="Vanha rivi"' in content
    assert f'<option value="{membership.pk}" selected>' in content

    response = admin_client.post(
        url("invoice_edit", organization, draft.pk),
        {
            "membership": other_member.pk,
            "issue_date": "2026-03-02",
            "due_date": "2026-03-30",
            "notes": "Muutettu",
            "lines-TOTAL_FORMS": "2",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": fee.pk,
            "lines-0-quantity": "2",
            "lines-1-description": "Lentotunti",
            "lines-1-quantity": "1",
            "lines-1-unit_price": "150",
            "lines-1-vat_rate": "0",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url("invoice", organization, draft.pk)
    draft.refresh_from_db()
    assert (draft.membership, draft.recipient_name, draft.recipient_email) == (
        other_member,
        "Eero Lahti",
        "eero.member@example.fi",
    )
    assert (draft.issue_date, draft.due_date, draft.notes) == (
        datetime.date(2026, 3, 2),
        datetime.date(2026, 3, 30),
        "Muutettu",
    )
    assert list(draft.lines.values_list("position", "description", "quantity")) == [
        (1, "Jäsenmaksu", Decimal(2)),
        (2, "Lentotunti", Decimal(1)),
    ]
    assert draft.total == Decimal("200.80") + Decimal("150.00")
    assert (draft.number, draft.status) == (None, Invoice.Status.DRAFT)
    assert _messages(admin_client.get(response["Location"])) == ["The draft was saved."]


def test_it_keeps_an_off_sale_product_of_a_draft_offered(admin_client, organization, membership):
    old = product(organization, name="Vanha tuote", is_active=False)
    draft = invoice_for(membership, [line("Vanha tuote", product=old)])
    content = admin_client.get(url("invoice_edit", organization, draft.pk)).content.decode()
    assert f'<option value="{old.pk}" selected>Vanha tuote</option>' in content


@pytest.mark.parametrize("name", ["invoice_edit", "invoice_discard"])
def test_an_issued_invoice_is_neither_edited_nor_discarded(
    admin_client, organization, membership, name
):
    sent = invoice_for(membership, send=True)
    before = (sent.total, sent.lines.count(), sent.number)
    for method in ("get", "post"):
        response = getattr(admin_client, method)(url(name, organization, sent.pk), follow=True)
        assert response.redirect_chain == [(url("invoice", organization, sent.pk), 302)]
        assert "To cancel an issued invoice, credit it." in _messages(response)[0]
    sent.refresh_from_db()
    assert (sent.total, sent.lines.count(), sent.number) == before


def test_the_services_refuse_to_change_an_issued_invoice(membership, admin):
    sent = invoice_for(membership, send=True, actor=admin)
    with pytest.raises(RuleError):
        services.invoice_update(
            invoice=sent,
            membership=membership,
            lines=[line()],
            issue_date=TODAY,
            due_date=TODAY,
            actor=admin,
        )
    with pytest.raises(RuleError):
        services.invoice_discard(invoice=sent, actor=admin)
    assert Invoice.objects.filter(pk=sent.pk).exists()


# --- Discarding ------------------------------------------------------------------------------


def test_it_discards_a_draft_after_a_confirmation_naming_it(
    admin_client, organization, membership, admin
):
    draft = invoice_for(membership, [line("Kurssimaksu", 1, "100.00")])
    line_ids = list(draft.lines.values_list("pk", flat=True))
    page = admin_client.get(url("invoice_discard", organization, draft.pk))
    content = page.content.decode()
    assert "Aino Virtanen" in content
    assert "Kurssimaksu" in content
    assert "125,50" in content

    response = admin_client.post(url("invoice_discard", organization, draft.pk))
    assert response.status_code == 302
    assert response["Location"] == url("invoices", organization)
    assert not Invoice.objects.filter(pk=draft.pk).exists()
    assert not InvoiceLine.objects.filter(pk__in=line_ids).exists()
    assert _messages(admin_client.get(response["Location"])) == [
        "The draft invoice to Aino Virtanen (125,50\N{NO-BREAK SPACE}€) was discarded."
    ]
    # The trail says who deleted the draft and its lines.
    deleted = AuditEntry.objects.filter(action=AuditEntry.Action.DELETED, actor=admin)
    assert set(deleted.values_list("model", "object_id")) >= {
        ("billing.invoice", str(draft.pk)),
        *(("billing.invoiceline", str(pk)) for pk in line_ids),
    }


def test_a_draft_with_a_payment_counted_towards_it_is_not_discarded(membership, admin):
    draft = invoice_for(membership, actor=admin)
    services.payment_record(
        organization=membership.organization,
        invoice=draft,
        amount=Decimal("10.00"),
        paid_on=TODAY,
        actor=admin,
    )
    with pytest.raises(RuleError):
        services.invoice_discard(invoice=Invoice.objects.get(pk=draft.pk), actor=admin)
    assert Invoice.objects.filter(pk=draft.pk).exists()


@pytest.mark.parametrize("role", ["anonymous", "member", "other_admin", "staff"])
def test_only_the_organizations_admin_discards_its_draft(client, organization, membership, role):
    draft = invoice_for(membership)
    users = {
        "member": membership.user,
        "other_admin": UserFactory(email="toinen@example.fi"),
        "staff": UserFactory(email="henkilokunta@example.fi", is_staff=True, is_superuser=True),
    }
    if role == "other_admin":
        organization_with_admin(users["other_admin"], name="Toinen kerho ry")
    if role != "anonymous":
        client.force_login(users[role])
    for name in ("invoice_discard", "invoice_edit"):
        target = url(name, organization, draft.pk)
        for method in ("get", "post"):
            response = getattr(client, method)(target)
            if role == "anonymous":
                assert response.status_code == 302
                assert response["Location"].startswith(reverse("account_login"))
            else:
                assert response.status_code == 404, (name, method)
    assert Invoice.objects.filter(pk=draft.pk).exists()


def test_an_admin_of_another_organization_cannot_discard_through_their_own(
    client, organization, membership
):
    other_admin = UserFactory(email="toinen@example.fi")
    other = organization_with_admin(other_admin, name="Toinen kerho ry")
    draft = invoice_for(membership)
    client.force_login(other_admin)
    assert client.post(url("invoice_discard", other, draft.pk)).status_code == 404
    assert Invoice.objects.filter(pk=draft.pk).exists()


# --- What a draft shows ----------------------------------------------------------------------


def test_a_draft_lists_as_draft_and_prints_with_no_payment_slip(
    admin_client, organization, membership
):
    draft = invoice_for(membership)
    listed = admin_client.get(url("invoices", organization)).content.decode()
    assert f'<a href="{url("invoice", organization, draft.pk)}">draft</a>' in listed

    with translation.override("en"):
        document = pdf.invoice_document_context(invoice=draft)
        assert pdf.invoice_pdf(invoice=draft).startswith(b"%PDF-")
        filename = pdf.invoice_pdf_filename(draft)
    assert (document["barcode"], document["payable"], document["reference_formatted"]) == (
        "",
        False,
        "",
    )
    assert filename == "luonnoskerho-ry-invoice-draft.pdf"
    page = admin_client.get(url("invoice", organization, draft.pk)).content.decode()
    assert "DRAFT — not an invoice yet" in page
    assert "Virtual barcode" not in page
    assert "Payment details" not in page


def test_the_invoice_page_of_a_draft_stays_within_its_query_budget(
    admin_client, organization, membership, django_assert_max_num_queries
):
    draft = invoice_for(membership, [line(f"Rivi {n}") for n in range(10)])
    with django_assert_max_num_queries(20):
        assert admin_client.get(url("invoice_edit", organization, draft.pk)).status_code == 200
    with django_assert_max_num_queries(16):
        assert admin_client.get(url("invoice_discard", organization, draft.pk)).status_code == 200
