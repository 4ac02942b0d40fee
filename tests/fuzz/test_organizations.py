"""Fuzzing an organization's forms: registering one, its details, bank accounts, contact
persons, invitations (one, a pasted list, a CSV file) and the member list's parameters."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from organizations.models import BankAccount, ContactPerson, Invitation, Membership, Organization

from . import strategies as fz
from .support import (
    assert_refused_cleanly,
    changed_tables,
    example,
    fuzz_settings,
    has_errors,
    row_counts,
)

pytestmark = pytest.mark.django_db

ORGANIZATION_TEXT = [
    "name",
    "association_register_number",
    "street_address",
    "city",
    "e_invoice_address",
    "e_invoice_operator",
]

organization_posts = fz.post_data(
    name=fz.optional(fz.field(st.sampled_from(["Malmin Ilmailukerho ry", " Siipi Oy "]))),
    kind=fz.optional(fz.choice([k.value for k in Organization.Kind])),
    business_id=fz.optional(fz.field(st.sampled_from(["2468823-3", "24688233", "2468823-4", ""]))),
    association_register_number=fz.optional(fz.field(st.sampled_from(["123.456", ""]))),
    email=fz.optional(fz.field(st.emails() | st.just(""), max_size=300)),
    phone=fz.optional(fz.field(st.sampled_from(["09 123 4567", "+46 8 123 456", ""]))),
    street_address=fz.optional(fz.field(st.just("Tietotie 1"))),
    postal_code=fz.optional(fz.field(st.sampled_from(["00100", "01530", ""]))),
    city=fz.optional(fz.field(st.just("Vantaa"))),
    website=fz.optional(fz.field(st.sampled_from(["https://example.fi", "example.fi", ""]))),
    e_invoice_address=fz.optional(fz.field(st.sampled_from(["003724688233", ""]))),
    e_invoice_operator=fz.optional(fz.field(st.sampled_from(["E204503", ""]))),
    financial_period_end_month=fz.optional(fz.choice([str(m) for m in range(1, 13)] + [""])),
)


def _organization_values(pk: int) -> dict:
    return Organization.objects.filter(pk=pk).values().get()


@fuzz_settings(400)
@given(data=organization_posts)
def test_it_registers_an_organization_or_refuses_any_input(admin_client, data):
    url = reverse("organizations:create")
    with example("organizations: register"):
        before = row_counts()
        response = admin_client.post(url, data)
        if response.status_code == 302:
            created = Organization.objects.latest("pk")
            for name in ORGANIZATION_TEXT:
                assert getattr(created, name) == data.get(name, "").strip(), name
            assert created.kind == data["kind"]
        else:
            assert_refused_cleanly(response, before, data)


@fuzz_settings(300)
@given(data=organization_posts)
def test_it_saves_the_organization_or_refuses_any_input(admin_client, organization, data):
    url = reverse("organizations:edit", args=[organization.pk])
    with example("organizations: edit"):
        before_rows, before = row_counts(), _organization_values(organization.pk)
        response = admin_client.post(url, data)
        if response.status_code == 302:
            saved = Organization.objects.get(pk=organization.pk)
            for name in ORGANIZATION_TEXT:
                assert getattr(saved, name) == data.get(name, "").strip(), name
        else:
            assert_refused_cleanly(response, before_rows, data)
            assert _organization_values(organization.pk) == before


IBANS = [
    "FI21 1234 5600 0007 85",
    "FI4950009420028730",
    "fi49 5000 9420 0287 30",
    "DE89370400440532013000",
    "FI2112345600000786",
    "GB82WEST12345698765432",
]

bank_account_posts = fz.post_data(
    iban=fz.optional(fz.field(st.sampled_from(IBANS))),
    bic=fz.optional(fz.field(st.sampled_from(["", "NDEAFIHH", "okoyfihh", "OKOYFIHHXXX", "X"]))),
    description=fz.optional(fz.field(st.sampled_from(["Käyttötili", ""]))),
    is_primary=fz.optional(st.sampled_from(["on", "", "true", "\x00"])),
)


@fuzz_settings(400)
@given(data=bank_account_posts)
def test_it_adds_a_bank_account_or_refuses_any_input(admin_client, organization, data):
    url = reverse("organizations:bank_account_add", args=[organization.pk])
    with example("organizations: bank account"):
        before = row_counts()
        response = admin_client.post(url, data)
        if response.status_code == 302:
            account = BankAccount.objects.latest("pk")
            assert account.iban == "".join(data["iban"].split()).upper()
            assert account.description == data.get("description", "").strip()
        else:
            assert_refused_cleanly(response, before, data)


contact_posts = fz.post_data(
    name=fz.optional(fz.field(st.just("Pekka Puheenjohtaja"))),
    role=fz.optional(fz.field(st.just("Puheenjohtaja"))),
    phone=fz.optional(fz.field(st.sampled_from(["040 123 4567", "", "+1 202 555 0100"]))),
    email=fz.optional(fz.field(st.emails() | st.just(""), max_size=300)),
)


@fuzz_settings(400)
@given(data=contact_posts)
def test_it_adds_a_contact_person_or_refuses_any_input(admin_client, organization, data):
    url = reverse("organizations:contact_add", args=[organization.pk])
    with example("organizations: contact person"):
        before = row_counts()
        response = admin_client.post(url, data)
        if response.status_code == 302:
            contact = ContactPerson.objects.latest("pk")
            assert contact.name == data["name"].strip()
            assert contact.role == data.get("role", "").strip()
        else:
            assert_refused_cleanly(response, before, data)


invitation_posts = fz.post_data(
    name=fz.optional(fz.field(st.just("Uusi Jäsen"))),
    email=fz.optional(fz.field(st.emails() | st.just("aila.admin@example.fi"), max_size=300)),
    member_number=fz.optional(fz.field(st.sampled_from(["17", "18", "", "A-1"]))),
)


@fuzz_settings(500)
@given(data=invitation_posts)
def test_it_invites_one_person_or_refuses_any_input(admin_client, organization, members, data):
    url = reverse("organizations:invitations", args=[organization.pk])
    with example("organizations: invitation"):
        before = row_counts()
        response = admin_client.post(url, data)
        if response.status_code == 302:
            membership = Invitation.objects.latest("pk").membership
            assert membership.email == data["email"].strip().lower()
            assert membership.name == data.get("name", "").strip()
            assert membership.member_number == data.get("member_number", "").strip()
        else:
            assert_refused_cleanly(response, before, data)


# One cell of an invitation list: a plausible one, or anything.
cell = st.one_of(
    st.emails(),
    st.sampled_from(["Aino Virtanen", "17", "", "Sähköposti", "email", '"quoted, name"']),
    fz.text(40),
)
row = st.lists(cell, min_size=0, max_size=5)
DELIMITERS = [",", ";", "\t", "|"]
LINE_ENDINGS = ["\n", "\r\n", "\r"]


@st.composite
def invitation_lists(draw) -> str:
    delimiter = draw(st.sampled_from(DELIMITERS))
    ending = draw(st.sampled_from(LINE_ENDINGS))
    rows = draw(st.lists(row, max_size=12))
    text = ending.join(delimiter.join(cells) for cells in rows)
    if draw(st.booleans()):
        text = draw(fz.nasty_text()) + ending + text
    return text


def _check_import(response, before: dict[str, int]) -> None:
    if response.status_code == 302:
        return
    assert response.status_code == 200
    invited = Invitation.objects.count() - before["organizations_invitation"]
    if invited == 0:
        # Nothing invited (the form refused, or every row was bad): nothing written.
        assert has_errors(response)
        assert not changed_tables(before, row_counts())


@fuzz_settings(450)
@given(text=invitation_lists())
def test_it_imports_a_pasted_list_or_refuses_it(admin_client, organization, members, text):
    url = reverse("organizations:invitations_import", args=[organization.pk])
    with example("organizations: invitations pasted"):
        before = row_counts()
        response = admin_client.post(url, {"rows": text})
        _check_import(response, before)


# No UTF-16: its NUL bytes are excluded above.
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "latin-1"]


@fuzz_settings(450)
@given(
    text=invitation_lists(),
    encoding=st.sampled_from(ENCODINGS),
    name=st.sampled_from(["members.csv", "jäsenet.CSV", "x.exe", "", "a" * 300, "\u202etxt.csv"]),
    garbage=st.one_of(st.just(b""), st.binary(max_size=64)),
)
def test_it_imports_a_csv_file_or_refuses_it(
    admin_client, organization, members, text, encoding, name, garbage
):
    content = text.encode(encoding, errors="replace") + garbage
    upload = SimpleUploadedFile(name or "x", content, content_type="text/csv")
    url = reverse("organizations:invitations_import", args=[organization.pk])
    with example("organizations: invitations CSV file"):
        before = row_counts()
        response = admin_client.post(url, {"file": upload})
        _check_import(response, before)


member_list_params = fz.post_data(
    q=fz.optional(fz.field(st.sampled_from(["aino", "17", "ÅSA", "@example.fi", "%", "_"]))),
    status=fz.optional(fz.choice(["active", "invited", "ended", ""])),
    role=fz.optional(fz.choice(["member", "admin", ""])),
    sort=fz.optional(fz.choice(["name", "-name", "number", "-joined", "joined", "status"])),
    page=fz.optional(fz.field(st.sampled_from(["1", "2", "last", "0", "-1", "999999999999"]))),
    per_page=fz.optional(fz.field(st.sampled_from(["25", "50", "100", "200", "2_5", "1e2"]))),
)


@fuzz_settings(650)
@given(params=member_list_params)
def test_it_lists_members_for_any_parameters(admin_client, organization, members, params):
    url = reverse("organizations:members", args=[organization.pk])
    with example("organizations: member list parameters"):
        before = row_counts()
        response = admin_client.get(url, params)
        assert response.status_code == 200
        assert not changed_tables(before, row_counts())


@fuzz_settings(300)
@given(params=member_list_params)
def test_it_exports_members_for_any_parameters(admin_client, organization, members, params):
    url = reverse("organizations:members_export", args=[organization.pk])
    with example("organizations: member export parameters"):
        response = admin_client.get(url, params)
        assert response.status_code == 200
        rows = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
        # Never wider than the register: a bad filter narrows or is dropped, never widens.
        assert len(rows) - 1 <= Membership.objects.filter(organization=organization).count()


statistics_params = fz.post_data(
    format=fz.optional(fz.choice(["svg", "csv", "SVG", "pdf", "", "csv "])),
    months=fz.optional(fz.field(st.sampled_from(["12", "24", "abc", "-1", "1e9"]))),
    page=fz.optional(fz.field(st.sampled_from(["1", "x"]))),
)
FIGURES = ["members-joined-left", "members-by-age", "billing-by-month", "billing-overdue"]


@fuzz_settings(150)
@given(params=statistics_params, figure=st.sampled_from([None, *FIGURES]))
def test_it_answers_the_statistics_for_any_parameters(
    admin_client, organization, members, params, figure
):
    if figure is None:
        url = reverse("organizations:statistics", args=[organization.pk])
    else:
        url = reverse("organizations:statistics_figure", args=[organization.pk, figure])
    with example("organizations: statistics parameters"):
        before = row_counts()
        response = admin_client.get(url, params)
        if response.streaming:
            b"".join(response.streaming_content)
        fmt = params.get("format", "svg")
        if figure is None or fmt in ("svg", "csv"):
            assert response.status_code == 200
        else:
            assert response.status_code == 400
        assert not changed_tables(before, row_counts())
