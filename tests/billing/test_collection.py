"""Collection: the organization's partners, an overdue reminded invoice handed over to one,
the claim file holding exactly what the partner needs, and the disclosure the person sees."""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from billing import collection, services
from billing.camt054 import parse_camt054
from billing.models import CollectionClaim, CollectionPartner, Invoice, Payment
from gdpr.exports import archive as export_archive
from gdpr.exports import services as exports
from gdpr.models import DataExport, Disclosure, ProcessingRestriction, RequestKind
from gdpr.requests.services import request_file
from organizations.models import Membership, Organization
from organizations.services import RuleError
from tests.factories import UserFactory
from tests.gdpr.distinctive import use_private_storage
from tests.organizations.factories import add_member, organization_with_admin

from .camt054_builder import build_camt054
from .factories import bank_account, invoice_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DUE = TODAY - datetime.timedelta(days=40)
REMINDED = TODAY - datetime.timedelta(days=20)
EXPECTED_FIELDS = {
    "debtor_name",
    "debtor_address",
    "debtor_email",
    "invoice_number",
    "reference",
    "issue_date",
    "due_date",
    "original_amount",
    "paid_amount",
    "amount_outstanding",
    "reminders",
}


@pytest.fixture
def admin(db) -> User:
    return UserFactory(first_name="Aila", last_name="Admin", preferred_language="en")


@pytest.fixture
def organization(admin) -> Organization:
    organization = organization_with_admin(admin, name="Malmin Ilmailukerho ry")
    bank_account(organization)
    return organization


@pytest.fixture
def debtor(db) -> User:
    return UserFactory(
        email="veli.velallinen@example.fi",
        first_name="Veli",
        last_name="Velallinen",
        street_address="Lentäjäntie 3",
        postal_code="00560",
        city="Helsinki",
        phone="+358401234567",
        date_of_birth=datetime.date(1985, 5, 7),
    )


@pytest.fixture
def membership(organization, debtor) -> Membership:
    return add_member(organization, debtor, member_number="17")


@pytest.fixture
def partner(organization) -> CollectionPartner:
    return collection.collection_partner_save(
        organization=organization,
        partner=None,
        name="Perintä Oy",
        business_id="2468823-3",
        email="toimeksiannot@perinta.example",
        is_active=True,
        actor=None,
    )


def _overdue(membership: Membership, *, reminded: bool = True) -> Invoice:
    invoice = invoice_for(
        membership,
        send=True,
        issue_date=DUE - datetime.timedelta(days=14),
        due_date=DUE,
        notes="Sisäinen muistiinpano",
    )
    if reminded:
        services.reminder_record(invoice=invoice, sent_on=REMINDED, fee=Decimal("5"), actor=None)
    return invoice


def _hand_over(invoice: Invoice, partner: CollectionPartner, actor=None) -> CollectionClaim:
    return collection.invoice_hand_over(
        invoice=invoice, partner=partner, handed_over_on=TODAY, actor=actor
    )


def test_it_keeps_the_business_id_in_its_printed_form_and_refuses_a_wrong_one(organization):
    partner = collection.collection_partner_save(
        organization=organization,
        partner=None,
        name="Perintä Oy",
        business_id="24688233",
        email="a@perinta.example",
        is_active=True,
        actor=None,
    )
    assert partner.business_id == "2468823-3"
    with pytest.raises(RuleError):
        collection.collection_partner_save(
            organization=organization,
            partner=None,
            name="Väärä Oy",
            business_id="2468823-4",
            email="b@perinta.example",
            is_active=True,
            actor=None,
        )


def test_the_claim_file_holds_exactly_what_the_partner_needs(membership, partner, admin):
    invoice = _overdue(membership)
    services.payment_record(
        organization=invoice.organization,
        invoice=invoice,
        amount=Decimal("20.00"),
        paid_on=TODAY,
        actor=None,
    )
    claim = _hand_over(invoice, partner, admin)

    data = json.loads(collection.claim_json(claim))
    assert set(data) == EXPECTED_FIELDS
    invoice.refresh_from_db()
    assert data["debtor_name"] == "Veli Velallinen"
    assert data["debtor_address"] == "Lentäjäntie 3\n00560 Helsinki"
    assert data["debtor_email"] == "veli.velallinen@example.fi"
    assert data["invoice_number"] == invoice.number
    assert data["reference"] == invoice.reference
    assert data["due_date"] == DUE.isoformat()
    assert Decimal(data["original_amount"]) == invoice.total
    assert Decimal(data["paid_amount"]) == Decimal("20.00")
    # The reminder fee (5 €) is owed too; the payment paid it first.
    assert Decimal(data["amount_outstanding"]) == invoice.total + Decimal("5.00") - Decimal("20.00")
    assert data["reminders"] == [{"sent_on": REMINDED.isoformat(), "fee": "5.00"}]
    text = collection.claim_json(claim).decode()
    for absent in ("+358401234567", "1985-05-07", "Sisäinen muistiinpano"):
        assert absent not in text, absent

    rows = list(
        csv.reader(io.StringIO(collection.claim_csv(claim).decode("utf-8-sig")), delimiter=";")
    )
    assert len(rows) == 2
    assert set(rows[0]) == EXPECTED_FIELDS
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["debtor_name"] == "Veli Velallinen"
    assert row["reminders"] == f"{REMINDED.isoformat()} 5.00"


def test_it_hands_over_only_a_reminded_overdue_invoice_to_its_own_active_partner(
    organization, membership, partner
):
    with pytest.raises(RuleError):
        _hand_over(_overdue(membership, reminded=False), partner)
    not_due = invoice_for(membership, send=True, issue_date=TODAY, due_date=TODAY)
    services.reminder_record(invoice=not_due, sent_on=TODAY, fee=Decimal("0"), actor=None)
    with pytest.raises(RuleError):
        _hand_over(not_due, partner)
    theirs = organization_with_admin(UserFactory(), name="Vaasan Lentokerho ry")
    foreign = CollectionPartner.objects.create(
        organization=theirs, name="Muu Oy", business_id="2468823-3", email="m@x.fi"
    )
    with pytest.raises(RuleError):
        _hand_over(_overdue(membership), foreign)
    partner.is_active = False
    partner.save()
    with pytest.raises(RuleError):
        _hand_over(_overdue(membership), partner)
    assert not CollectionClaim.objects.exists()
    assert not Disclosure.objects.exists()


def test_it_refuses_while_the_processing_of_the_debtors_data_is_restricted(
    membership, partner, debtor
):
    ProcessingRestriction.objects.create(user=debtor, reason="Oikaisupyyntö")
    invoice = _overdue(membership)
    with pytest.raises(RuleError):
        _hand_over(invoice, partner)
    invoice.refresh_from_db()
    assert invoice.status != Invoice.Status.IN_COLLECTION


def test_the_hand_over_is_a_disclosure_of_the_debtors_data(membership, partner, debtor, admin):
    invoice = _overdue(membership)
    claim = _hand_over(invoice, partner, admin)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.IN_COLLECTION
    assert (invoice.collection_on, invoice.collection_agency) == (TODAY, "Perintä Oy")

    disclosure = Disclosure.objects.get(pk=claim.disclosure_id)
    assert disclosure.kind == Disclosure.Kind.PARTNER
    assert disclosure.recipient_name == "Perintä Oy (2468823-3)"
    assert disclosure.recipient_email == "toimeksiannot@perinta.example"
    assert disclosure.categories == list(collection.DISCLOSED_CATEGORIES)
    assert disclosure.starts_on == TODAY
    assert disclosure.ends_on > TODAY
    assert disclosure.recorded_by == admin
    assert list(disclosure.subjects.all()) == [debtor]


def test_the_person_sees_the_disclosure_in_my_data(client, membership, partner, debtor):
    invoice = _overdue(membership)
    _hand_over(invoice, partner)
    client.force_login(debtor)
    content = client.get(reverse("accounts:my_data")).content.decode()
    assert "Perintä Oy (2468823-3)" in content
    assert f"{invoice.number}" in content  # the purpose names the invoice
    assert TODAY.strftime("%-d.%-m.%Y") in content


def test_the_person_finds_the_disclosure_in_their_access_export(
    monkeypatch, tmp_path, membership, partner, debtor
):
    use_private_storage(monkeypatch, tmp_path / "private")
    monkeypatch.setattr(export_archive, "html_to_pdf", lambda html: b"%PDF-1.7 test")
    invoice = _overdue(membership)
    _hand_over(invoice, partner)

    request = request_file(subject=debtor, kind=RequestKind.ACCESS, actor=debtor)
    export = DataExport.objects.create(request=request, subject=debtor, language="fi")
    exports.export_build(export.pk)
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY, export.error
    with export.file.open("rb") as handle:
        data = json.loads(zipfile.ZipFile(io.BytesIO(handle.read())).read("data.json"))
    (disclosure,) = data["information"]["disclosures"]
    assert disclosure["recipient"] == "Perintä Oy (2468823-3)"
    assert disclosure["kind"] == "partner"
    assert [c["key"] for c in disclosure["categories"]] == list(collection.DISCLOSED_CATEGORIES)
    assert disclosure["starts_on"] == TODAY.isoformat()
    assert "billing.CollectionClaim" in data["records"]


def test_payments_still_import_and_count_towards_an_invoice_in_collection(
    organization, membership, partner
):
    invoice = _overdue(membership)
    _hand_over(invoice, partner)
    data = build_camt054(
        account_iban=organization.bank_accounts.get().iban,
        payments=[
            {
                "amount": Decimal("10.00"),
                "reference": invoice.reference,
                "payer_name": "Veli Velallinen",
                "booking_date": TODAY,
            }
        ],
    )
    assert parse_camt054(data)
    summary = services.payments_import(organization=organization, data=data, actor=None)
    assert [p.invoice_id for p in summary.matched] == [invoice.pk]
    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("10.00")
    assert invoice.status == Invoice.Status.IN_COLLECTION
    services.payment_record(
        organization=organization,
        invoice=invoice,
        amount=invoice.amount_due,
        paid_on=TODAY,
        actor=None,
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert Payment.objects.filter(invoice=invoice).count() == 2


# --- Pages ------------------------------------------------------------------------------------


def test_the_admin_manages_partners_on_a_billing_page(client, admin, organization):
    client.force_login(admin)
    add = reverse("billing:collection_partner_add", args=[organization.pk])
    response = client.post(
        add, {"name": "Perintä Oy", "business_id": "2468823-4", "email": "a@b.fi"}
    )
    assert response.status_code == 200
    assert "Enter a valid Finnish business ID" in response.content.decode()
    response = client.post(
        add,
        {"name": "Perintä Oy", "business_id": "24688233", "email": "a@b.fi", "is_active": "on"},
    )
    assert response.status_code == 302
    partner = CollectionPartner.objects.get()
    assert (partner.business_id, partner.is_active) == ("2468823-3", True)
    again = client.post(
        add, {"name": "Toinen", "business_id": "2468823-3", "email": "c@d.fi", "is_active": "on"}
    )
    assert again.status_code == 200
    assert "already has a collection partner with this business ID" in again.content.decode()
    listing = client.get(reverse("billing:collection_partners", args=[organization.pk]))
    assert "Perintä Oy" in listing.content.decode()


def test_the_invoice_pages_show_the_collection_and_the_file_downloads(
    client, admin, organization, membership, partner, debtor
):
    invoice = _overdue(membership)
    client.force_login(admin)
    response = client.post(
        reverse("billing:invoice_collection", args=[organization.pk, invoice.pk]),
        {"partner": partner.pk, "handed_over_on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    claim = CollectionClaim.objects.get(invoice=invoice)
    page = client.get(reverse("billing:invoice", args=[organization.pk, invoice.pk]))
    content = page.content.decode()
    csv_url = reverse("billing:collection_claim_csv", args=[organization.pk, claim.pk])
    json_url = reverse("billing:collection_claim_json", args=[organization.pk, claim.pk])
    assert csv_url in content and json_url in content
    assert "Perintä Oy" in content
    download = client.get(json_url)
    assert download["Content-Disposition"].startswith("attachment;")
    assert set(json.loads(download.content)) == EXPECTED_FIELDS
    assert client.get(csv_url).content.decode("utf-8-sig").startswith("debtor_name;")

    client.force_login(debtor)
    mine = client.get(reverse("billing:my_invoice", args=[invoice.pk])).content.decode()
    assert "Perintä Oy" in mine
    assert TODAY.strftime("%-d.%-m.%Y") in mine


def test_the_hand_over_page_keeps_the_input_and_explains_a_refusal(
    client, admin, organization, membership, partner
):
    invoice = _overdue(membership, reminded=False)
    client.force_login(admin)
    response = client.post(
        reverse("billing:invoice_collection", args=[organization.pk, invoice.pk]),
        {"partner": partner.pk, "handed_over_on": TODAY.isoformat()},
    )
    assert response.status_code == 200
    assert "Remind the member of the invoice" in response.content.decode()
    assert not CollectionClaim.objects.exists()


def test_the_partner_pages_run_a_fixed_number_of_queries(
    client, admin, organization, django_assert_max_num_queries
):
    client.force_login(admin)
    url = reverse("billing:collection_partners", args=[organization.pk])
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for number in range(30):
        CollectionPartner.objects.create(
            organization=organization,
            name=f"Perintä {number}",
            business_id=f"{number}",
            email="p@x.fi",
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_the_claim_and_the_payment_log_go_with_the_vouchers_after_their_date(
    organization, membership, partner
):
    from billing import matching
    from billing.models import PaymentEvent
    from billing.retention import purge_vouchers_past_retention

    invoice = _overdue(membership)
    claim = _hand_over(invoice, partner)
    # All of it: the capital and the reminder's fee.
    invoice.refresh_from_db()
    payment = services.payment_record(
        organization=organization, amount=invoice.amount_due, paid_on=TODAY, actor=None
    )
    matching.payment_match(payment=payment, invoice=invoice, actor=None)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    after = datetime.datetime.combine(
        invoice.retain_until + datetime.timedelta(days=1), datetime.time(3), tzinfo=datetime.UTC
    )
    counts = purge_vouchers_past_retention(after)
    assert counts["billing.CollectionClaim"] == 1
    assert counts["billing.PaymentEvent"] == 1
    assert not CollectionClaim.objects.filter(pk=claim.pk).exists()
    assert not PaymentEvent.objects.exists()
    assert CollectionPartner.objects.filter(pk=partner.pk).exists()
