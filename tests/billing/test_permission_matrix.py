"""Who gets what from every URL of the billing app.

The matrix is keyed by URL name and the tests walk ``billing.urls.urlpatterns``: a new URL
without an entry here fails until someone decides who may use it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from billing import collection, services
from billing.einvoice import einvoice_address_save
from billing.models import (
    CollectionClaim,
    CollectionPartner,
    Contract,
    EInvoiceAddress,
    Invoice,
    Payment,
    PaymentEvent,
    Product,
    Reminder,
)
from billing.reminders import reminder_record
from billing.urls import urlpatterns
from organizations.models import Membership, Organization
from tests.billing.camt054_builder import build_camt054
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .factories import bank_account, contract_for, invoice_for, product

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "admin", "other_admin", "outsider", "staff")
TODAY = timezone.localdate()
PAST_DUE = TODAY - datetime.timedelta(days=30)

# What each kind of page answers to each role, GET and POST. 302 from an allowed POST is the
# redirect after the action; "login" (any role left out) is the redirect to sign in.
PERSONAL = {"get": dict.fromkeys(ROLES[1:], 200)}
# Addressed to the member: not even the organization's admin sees it on these pages.
MEMBERS_OWN = {
    "get": {"member": 200, "admin": 404, "other_admin": 404, "outsider": 404, "staff": 404},
}
NOBODY_ELSE = {"member": 404, "other_admin": 404, "outsider": 404, "staff": 404}
ADMIN_PAGE = {"get": {"admin": 200, **NOBODY_ELSE}}
ADMIN_FORM = {"get": {"admin": 200, **NOBODY_ELSE}, "post": {"admin": 302, **NOBODY_ELSE}}
ADMIN_ACTION = {
    "get": dict.fromkeys(ROLES[1:], 405),
    "post": {"admin": 302, **NOBODY_ELSE},
}
# The import answers with its summary, not a redirect.
ADMIN_UPLOAD = {"get": {"admin": 200, **NOBODY_ELSE}, "post": {"admin": 200, **NOBODY_ELSE}}
ADMIN_DOWNLOAD = {
    "get": {"admin": 200, **NOBODY_ELSE},
    "post": dict.fromkeys(ROLES[1:], 405),
}

MATRIX = {
    "my_invoices": PERSONAL,
    "my_invoice": MEMBERS_OWN,
    "my_invoice_pdf": MEMBERS_OWN,
    "my_reminder_pdf": MEMBERS_OWN,
    "my_contracts": PERSONAL,
    "products": ADMIN_PAGE,
    "product_add": ADMIN_FORM,
    "product_edit": ADMIN_FORM,
    "contracts": ADMIN_PAGE,
    "contract_open": ADMIN_FORM,
    "contract": ADMIN_PAGE,
    "contract_terminate": ADMIN_FORM,
    "invoices": ADMIN_PAGE,
    "invoices_csv": ADMIN_DOWNLOAD,
    "invoice_create": ADMIN_FORM,
    "invoice": ADMIN_PAGE,
    "invoice_edit": ADMIN_FORM,
    "invoice_discard": ADMIN_FORM,
    "invoice_pdf": ADMIN_DOWNLOAD,
    "invoice_send": ADMIN_ACTION,
    "invoice_credit": ADMIN_FORM,
    "invoice_reminder": ADMIN_FORM,
    "invoice_collection": ADMIN_FORM,
    "invoice_payment": ADMIN_FORM,
    "invoice_finvoice": ADMIN_DOWNLOAD,
    "reminder_finvoice": ADMIN_DOWNLOAD,
    "einvoices": ADMIN_PAGE,
    "einvoice_address": ADMIN_FORM,
    "reminder": ADMIN_PAGE,
    "reminder_pdf": ADMIN_DOWNLOAD,
    "billing_settings": ADMIN_FORM,
    "payments": ADMIN_PAGE,
    "payment_import": ADMIN_UPLOAD,
    "payment_match": ADMIN_FORM,
    "payment_unmatch": ADMIN_FORM,
    "collection_partners": ADMIN_PAGE,
    "collection_partner_add": ADMIN_FORM,
    "collection_partner_edit": ADMIN_FORM,
    "collection_claim_csv": ADMIN_DOWNLOAD,
    "collection_claim_json": ADMIN_DOWNLOAD,
}

URL_NAMES = [pattern.name for pattern in urlpatterns]


def cases() -> list[tuple[str, str, str]]:
    found = []
    for name in URL_NAMES:
        methods = [m for m in ("get", "post") if m in MATRIX[name]] if name in MATRIX else ["get"]
        found += [(name, method, role) for method in methods for role in ROLES]
    return found


# What only a draft allows: the URL names the draft.
DRAFT_PAGES = {"invoice_send", "invoice_edit", "invoice_discard"}
# What only a matched payment allows: the URL names the matched one.
MATCHED_PAGES = {"payment_unmatch"}


@dataclass
class World:
    organization: Organization
    other_organization: Organization
    users: dict[str, User | None]
    membership: Membership
    product: Product
    contract: Contract
    invoice: Invoice  # sent to the member, past its due date
    draft: Invoice
    payment: Payment  # unmatched
    reminder: Reminder  # of the invoice
    matched_payment: Payment
    partner: CollectionPartner
    claim: CollectionClaim  # another invoice of the member, handed over to the partner
    # The same kinds of objects in the other organization, for the id-swapping tests.
    other_product: Product
    other_contract: Contract
    other_invoice: Invoice
    other_draft: Invoice
    other_payment: Payment
    other_membership: Membership
    other_reminder: Reminder
    other_matched_payment: Payment
    other_partner: CollectionPartner
    other_claim: CollectionClaim

    def kwargs(self, name: str, *, swap: bool = False) -> dict[str, object]:
        """The URL's arguments: this organization's objects, or (swap) the other one's."""
        pattern = next(p for p in urlpatterns if p.name == name)
        invoice, draft = (
            (self.other_invoice, self.other_draft) if swap else (self.invoice, self.draft)
        )
        values = {
            "pk": self.organization.pk,
            "product_pk": (self.other_product if swap else self.product).pk,
            "contract_pk": (self.other_contract if swap else self.contract).pk,
            "invoice_pk": (draft if name in DRAFT_PAGES else invoice).pk,
            "payment_pk": self._payment(name, swap).pk,
            "reminder_pk": (self.other_reminder if swap else self.reminder).pk,
            "membership_pk": (self.other_membership if swap else self.membership).pk,
            "partner_pk": (self.other_partner if swap else self.partner).pk,
            "collection_claim_pk": (self.other_claim if swap else self.claim).pk,
        }
        names = pattern.pattern.converters.keys()
        unknown = set(names) - set(values)
        assert not unknown, f"the matrix does not know how to fill {unknown} of {name}"
        return {key: values[key] for key in names}

    def _payment(self, name: str, swap: bool) -> Payment:
        if name in MATCHED_PAGES:
            return self.other_matched_payment if swap else self.matched_payment
        return self.other_payment if swap else self.payment

    def url(self, name: str, *, swap: bool = False) -> str:
        return reverse(f"billing:{name}", kwargs=self.kwargs(name, swap=swap))


def _camt054(world: World) -> dict:
    data = build_camt054(
        account_iban=world.organization.bank_accounts.get().iban,
        payments=[
            {
                "amount": Decimal("125.50"),
                "reference": world.invoice.reference,
                "payer_name": "Aino Jäsen",
                "booking_date": TODAY,
            }
        ],
    )
    return {"file": SimpleUploadedFile("camt054.xml", data, content_type="application/xml")}


def _lines(world: World) -> dict:
    return {
        "membership": world.membership.pk,
        "issue_date": TODAY.isoformat(),
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": world.product.pk,
        "lines-0-quantity": "1",
    }


# Valid input for every URL that is posted to: an allowed POST must do its work.
FORM_DATA: dict[str, Callable[[World], dict]] = {
    "product_add": lambda w: {
        "name": "Uusi tuote",
        "unit": "piece",
        "unit_price": "10",
        "vat_rate": "25.5",
        "is_active": "on",
    },
    "product_edit": lambda w: {
        "name": "Muutettu",
        "unit": "piece",
        "unit_price": "1",
        "vat_rate": "0",
    },
    "contract_open": lambda w: {
        "membership": w.membership.pk,
        "product": w.product.pk,
        "quantity": "1",
        "opened_on": TODAY.isoformat(),
    },
    "contract_terminate": lambda w: {"terminated_on": TODAY.isoformat(), "reason": "Testi"},
    "invoice_create": _lines,
    "invoice_send": lambda w: {},
    "invoice_edit": _lines,
    "invoice_discard": lambda w: {},
    "invoice_credit": lambda w: {"reason": "", "confirm": "yes"},
    "invoice_reminder": lambda w: {"sent_on": TODAY.isoformat()},
    "billing_settings": lambda w: {"reminder_fee": "3,50", "charges_interest": "on"},
    "invoice_collection": lambda w: {"handed_over_on": TODAY.isoformat(), "partner": w.partner.pk},
    "invoice_payment": lambda w: {"amount": "10", "paid_on": TODAY.isoformat()},
    "payment_import": _camt054,
    "payment_match": lambda w: {"invoice_number": w.invoice.number},
    "einvoice_address": lambda w: {
        "kind": "operator",
        "address": "003724688233",
        "intermediator": "003723327487",
    },
    "payment_unmatch": lambda w: {"confirm": "yes"},
    "collection_partner_add": lambda w: {
        "name": "Uusi Perintä Oy",
        "business_id": "0737541-1",
        "email": "uusi@perinta.example",
        "is_active": "on",
    },
    "collection_partner_edit": lambda w: {
        "name": "Muutettu Perintä Oy",
        "business_id": w.partner.business_id,
        "email": "muutettu@perinta.example",
        "is_active": "on",
    },
}


def _reminded(membership: Membership) -> Invoice:
    """Sent, past its due date and reminded of: ready for collection."""
    invoice = invoice_for(membership, send=True, issue_date=PAST_DUE, due_date=PAST_DUE)
    reminder_record(invoice=invoice, sent_on=TODAY, actor=None, mail=False)
    return invoice


def _organization_with_billing(admin: User, member: User | None, name: str) -> dict:
    organization = organization_with_admin(admin, name=name)
    bank_account(organization)
    membership = add_member(organization, member, member_number="1")
    product_ = product(organization)
    einvoice_address_save(
        membership=membership,
        kind=EInvoiceAddress.Kind.CONSUMER,
        address="FI4950009420028730",
        intermediator="NDEAFIHH",
        actor=admin,
    )
    partner = CollectionPartner.objects.create(
        organization=organization,
        name=f"Perintä {name}",
        business_id="2222221-0",
        email="perinta@example.fi",
    )
    paid = invoice_for(membership, send=True)
    invoice = _reminded(membership)
    return {
        "organization": organization,
        "membership": membership,
        "product": product_,
        "contract": contract_for(membership, product_, opened_on=PAST_DUE),
        "invoice": invoice,
        "reminder": invoice.reminders.get(),
        "draft": invoice_for(membership),
        "partner": partner,
        "claim": collection.invoice_hand_over(
            invoice=_reminded(membership), partner=partner, handed_over_on=TODAY, actor=admin
        ),
        "matched_payment": services.payment_record(
            organization=organization,
            amount=Decimal("1.00"),
            paid_on=TODAY,
            invoice=paid,
            actor=None,
        ),
        "payment": services.payment_record(
            organization=organization,
            amount=Decimal("5.00"),
            paid_on=TODAY,
            reference="1234561",
            actor=None,
        ),
    }


@pytest.fixture
def world(db) -> World:
    admin = UserFactory(first_name="Anna", last_name="Admin", preferred_language="en")
    member = UserFactory(first_name="Aino", last_name="Jäsen", preferred_language="en")
    other_admin = UserFactory(first_name="Bertta", last_name="Bossi", preferred_language="en")
    ours = _organization_with_billing(admin, member, "Malmin Ilmailukerho ry")
    theirs = _organization_with_billing(other_admin, None, "Vaasan Lentokerho ry")
    return World(
        organization=ours["organization"],
        other_organization=theirs["organization"],
        users={
            "anonymous": None,
            "member": member,
            "admin": admin,
            "other_admin": other_admin,
            "outsider": UserFactory(first_name="Ulla", last_name="Ulkopuolinen"),
            "staff": StaffFactory(first_name="Laura", last_name="Staff"),
        },
        membership=ours["membership"],
        product=ours["product"],
        contract=ours["contract"],
        invoice=ours["invoice"],
        draft=ours["draft"],
        payment=ours["payment"],
        reminder=ours["reminder"],
        matched_payment=ours["matched_payment"],
        partner=ours["partner"],
        claim=ours["claim"],
        other_matched_payment=theirs["matched_payment"],
        other_partner=theirs["partner"],
        other_claim=theirs["claim"],
        other_product=theirs["product"],
        other_contract=theirs["contract"],
        other_invoice=theirs["invoice"],
        other_draft=theirs["draft"],
        other_payment=theirs["payment"],
        other_membership=theirs["membership"],
        other_reminder=theirs["reminder"],
    )


def client_for(client, world: World, role: str):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return client


def test_it_has_a_matrix_entry_for_every_url():
    assert sorted(set(URL_NAMES) - set(MATRIX)) == [], "add the new URLs to MATRIX"
    assert sorted(set(MATRIX) - set(URL_NAMES)) == [], "remove URLs that no longer exist"
    assert len(URL_NAMES) == len(set(URL_NAMES)), "every URL needs its own name"


def test_it_covers_every_role_for_every_method():
    for name, entry in MATRIX.items():
        for method, expected in entry.items():
            missing = set(ROLES) - set(expected) - {"anonymous"}
            assert not missing, f"{name} {method}: no expectation for {missing}"
            if method == "post" and expected.get("admin") in (200, 302):
                assert name in FORM_DATA, f"{name}: add valid input to FORM_DATA"


@pytest.mark.parametrize(("name", "method", "role"), cases())
def test_it_answers_each_role_as_the_matrix_says(client, world, name, method, role):
    assert name in MATRIX, f"{name} has no entry in the permission matrix"
    url = world.url(name)
    data = FORM_DATA[name](world) if method == "post" and name in FORM_DATA else {}
    response = getattr(client_for(client, world, role), method)(url, data)
    expected = MATRIX[name][method].get(role, "login")
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next={quote(url)}"
    else:
        assert response.status_code == expected, f"{role} {method.upper()} {url}"
    if role == "admin" and method == "post" and expected in (200, 302):
        # The allowed POST did its work: no form came back with errors.
        context = response.context or {}
        form = context.get("form")
        assert form is None or not form.errors, form.errors


def test_it_never_lets_staff_in_through_the_organization_pages(client, world):
    # Staff are superusers; object permissions are not granted implicitly to them.
    client.force_login(world.users["staff"])
    for name, entry in MATRIX.items():
        if entry in (ADMIN_PAGE, ADMIN_FORM, ADMIN_UPLOAD, ADMIN_DOWNLOAD, MEMBERS_OWN):
            assert client.get(world.url(name)).status_code == 404, name


# --- Swapping ids --------------------------------------------------------------------------

OBJECT_IDS = {
    "product_pk",
    "contract_pk",
    "invoice_pk",
    "payment_pk",
    "reminder_pk",
    "membership_pk",
    "partner_pk",
    "collection_claim_pk",
}
SWAPPABLE = [
    name
    for name in URL_NAMES
    if not name.startswith("my_")
    and OBJECT_IDS & set(next(p for p in urlpatterns if p.name == name).pattern.converters)
]


def snapshot(world: World) -> dict[str, object]:
    """Everything in the other organization that a request could change."""
    other = world.other_organization
    return {
        "products": list(
            Product.objects.filter(organization=other)
            .order_by("pk")
            .values("name", "unit_price", "vat_rate", "is_active")
        ),
        "contracts": list(
            Contract.objects.filter(organization=other)
            .order_by("pk")
            .values("terminated_on", "termination_reason", "quantity")
        ),
        "invoices": list(
            Invoice.objects.filter(organization=other)
            .order_by("pk")
            .values("number", "status", "paid_amount", "collection_on", "total", "notes")
        ),
        "payments": list(
            Payment.objects.filter(organization=other).order_by("pk").values("invoice", "amount")
        ),
        "reminders": other.invoices.filter(reminders__isnull=False).count(),
        "einvoice_addresses": list(
            EInvoiceAddress.objects.filter(membership__organization=other)
            .order_by("pk")
            .values("kind", "address", "intermediator")
        ),
        "partners": list(
            CollectionPartner.objects.filter(organization=other)
            .order_by("pk")
            .values("name", "business_id", "email", "is_active")
        ),
        "events": PaymentEvent.objects.filter(payment__organization=other).count(),
    }


def test_it_has_swappable_urls_to_check():
    assert set(SWAPPABLE) == {
        "product_edit",
        "contract",
        "contract_terminate",
        "invoice",
        "invoice_pdf",
        "invoice_send",
        "invoice_edit",
        "invoice_discard",
        "invoice_credit",
        "invoice_reminder",
        "invoice_collection",
        "invoice_payment",
        "payment_match",
        "invoice_finvoice",
        "reminder_finvoice",
        "einvoice_address",
        "reminder",
        "reminder_pdf",
        "payment_unmatch",
        "collection_partner_edit",
        "collection_claim_csv",
        "collection_claim_json",
    }


@pytest.mark.parametrize("name", SWAPPABLE)
def test_it_hides_another_organizations_objects_behind_this_ones_url(client, world, name):
    client.force_login(world.users["admin"])
    before = snapshot(world)
    url = world.url(name, swap=True)
    if "get" in MATRIX[name] and MATRIX[name]["get"]["admin"] == 200:
        assert client.get(url).status_code == 404
    if name in FORM_DATA:
        data = FORM_DATA[name](world)
        if name == "payment_match":
            data = {"invoice_number": world.other_invoice.number}
        assert client.post(url, data).status_code == 404
    assert snapshot(world) == before


def test_it_matches_no_payment_to_another_organizations_invoice(client, world):
    """The invoice number is looked up in the organization of the URL, never elsewhere."""
    client.force_login(world.users["admin"])
    theirs = invoice_for(add_member(world.other_organization), send=True)
    assert not Invoice.objects.filter(organization=world.organization, number=theirs.number)
    before = snapshot(world)
    response = client.post(world.url("payment_match"), {"invoice_number": theirs.number})
    assert response.status_code == 200
    assert f"There is no invoice number {theirs.number}." in response.content.decode()
    assert snapshot(world) == before


def test_it_ignores_a_smuggled_organization_or_object_in_posted_forms(client, world):
    client.force_login(world.users["admin"])
    other = world.other_organization
    before = snapshot(world)

    client.post(
        world.url("product_add"),
        {**FORM_DATA["product_add"](world), "organization": other.pk},
    )
    response = client.post(
        world.url("contract_open"),
        {**FORM_DATA["contract_open"](world), "product": world.other_product.pk},
    )
    assert response.status_code == 200  # not one of this organization's products
    other_member = Membership.objects.get(organization=other, user__isnull=False, role="member")
    response = client.post(
        world.url("invoice_create"), {**_lines(world), "membership": other_member.pk}
    )
    assert response.status_code == 200  # not one of this organization's members
    response = client.post(
        world.url("invoice_create"), {**_lines(world), "lines-0-product": world.other_product.pk}
    )
    assert response.status_code == 200

    assert Product.objects.get(name="Uusi tuote").organization == world.organization
    assert snapshot(world) == before


# --- The member's own pages ----------------------------------------------------------------


def test_it_shows_members_only_their_own_invoices_and_contracts(client, world):
    # Another member of the same organization, with an invoice and a contract of their own.
    neighbour = add_member(world.organization, UserFactory(first_name="Niilo", last_name="Naapuri"))
    theirs = invoice_for(neighbour, send=True)
    their_contract = contract_for(neighbour, world.product)
    client.force_login(world.users["member"])

    invoices = client.get(reverse("billing:my_invoices"))
    shown = {invoice.pk for invoice in invoices.context["page"]}
    # Not the draft, not the neighbour's, not the other organization's.
    assert shown == {world.invoice.pk, world.claim.invoice_id, world.matched_payment.invoice_id}
    contracts = client.get(reverse("billing:my_contracts"))
    assert {contract.pk for contract in contracts.context["page"]} == {world.contract.pk}

    for hidden in (theirs, world.draft, world.other_invoice):
        for name in ("my_invoice", "my_invoice_pdf"):
            response = client.get(reverse(f"billing:{name}", args=[hidden.pk]))
            assert response.status_code == 404, (name, hidden)
    assert their_contract.pk not in {c.pk for c in contracts.context["page"]}


def test_it_shows_nothing_to_someone_in_no_organization(client, world):
    client.force_login(world.users["outsider"])
    assert list(client.get(reverse("billing:my_invoices")).context["page"]) == []
    assert list(client.get(reverse("billing:my_contracts")).context["page"]) == []
