"""Business IDs and bank accounts: what is accepted, how it is stored, and what a person
is told when the input is wrong."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from organizations.models import BankAccount, Organization

from .factories import BankAccountFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("organizations:create")

GOOD_IBAN = "FI21 1234 5600 0007 85"
BAD_CHECKSUM_IBAN = "FI21 1234 5600 0007 86"
GERMAN_IBAN = "DE89 3704 0044 0532 0130 00"
# 31 characters, 38 when typed in groups of four: longer than the stored column.
MALTESE_IBAN = "MT84 MALT 0110 0001 2345 MTLC AST0 01S"


def organization_data(**overrides) -> dict[str, str]:
    return {"name": "Vaasan Lentokerho ry", "kind": Organization.Kind.FLYING_CLUB, **overrides}


def bank_account_url(organization: Organization) -> str:
    return reverse("organizations:bank_account_add", args=[organization.pk])


def errors(response, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


# --- Business ID (Y-tunnus) ----------------------------------------------------------------


def test_it_accepts_a_valid_business_id(admin_client):
    response = admin_client.post(CREATE_URL, organization_data(business_id="2468823-3"))
    assert response.status_code == 302
    assert Organization.objects.get(name="Vaasan Lentokerho ry").business_id == "2468823-3"


def test_it_normalises_a_business_id_typed_without_the_dash(admin_client):
    response = admin_client.post(CREATE_URL, organization_data(business_id=" 24688233 "))
    assert response.status_code == 302
    assert Organization.objects.get(name="Vaasan Lentokerho ry").business_id == "2468823-3"


def test_it_refuses_a_business_id_with_a_wrong_check_digit(admin_client):
    before = Organization.objects.count()
    response = admin_client.post(
        CREATE_URL, organization_data(business_id="2468823-4", city="Vaasa")
    )
    assert response.status_code == 200
    assert errors(response, "business_id") == [
        "2468823-4 is not a valid business ID (Y-tunnus), e.g. 2468823-3."
    ]
    content = response.content.decode()
    assert "2468823-4 is not a valid business ID (Y-tunnus), e.g. 2468823-3." in content
    # What the person typed is still in the form.
    assert 'value="2468823-4"' in content
    assert 'value="Vaasan Lentokerho ry"' in content
    assert 'value="Vaasa"' in content
    assert Organization.objects.count() == before


def test_it_turns_a_second_registration_of_a_business_id_into_a_claim(admin_client):
    OrganizationFactory(name="Kerho jolla tunnus on", business_id="2468823-3")
    before = Organization.objects.count()
    # Typed differently from the stored form: it is compared after normalising.
    response = admin_client.post(CREATE_URL, organization_data(business_id="24688233"))
    assert response.status_code == 302
    assert response.url == reverse("organizations:claim_new", args=["2468823-3"])
    assert Organization.objects.count() == before


def test_it_refuses_to_change_a_business_id_to_one_already_registered(admin_client, organization):
    OrganizationFactory(name="Kerho jolla tunnus on", business_id="2468823-3")
    response = admin_client.post(
        reverse("organizations:edit", args=[organization.pk]),
        organization_data(name=organization.name, business_id="24688233"),
    )
    assert response.status_code == 200
    assert errors(response, "business_id") == [
        "An organization with this business ID already exists."
    ]
    assert 'value="24688233"' in response.content.decode()
    organization.refresh_from_db()
    assert organization.business_id == ""


def test_it_lets_an_organization_keep_its_own_business_id(admin_client, organization):
    organization.business_id = "2468823-3"
    organization.save()
    response = admin_client.post(
        reverse("organizations:edit", args=[organization.pk]),
        organization_data(name=organization.name, business_id="2468823-3", city="Helsinki"),
    )
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.business_id == "2468823-3"
    assert organization.city == "Helsinki"


def test_it_keeps_the_saved_data_when_an_edit_is_refused(admin_client, organization):
    response = admin_client.post(
        reverse("organizations:edit", args=[organization.pk]),
        organization_data(name="Uusi nimi ry", business_id="2468823-4", phone="12"),
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'value="Uusi nimi ry"' in content
    assert 'value="2468823-4"' in content
    assert errors(response, "phone") == [
        "Enter a valid phone number, e.g. 040 123 4567 or +46 70 123 4567."
    ]
    organization.refresh_from_db()
    assert organization.name == "Malmin Ilmailukerho ry"
    assert organization.business_id == ""


# --- IBAN and BIC ----------------------------------------------------------------------------


def test_it_accepts_a_finnish_iban_and_derives_the_bic_and_bank(admin_client, organization):
    response = admin_client.post(
        bank_account_url(organization), {"iban": GOOD_IBAN, "bic": "", "description": "Käyttötili"}
    )
    assert response.status_code == 302
    account = BankAccount.objects.get(organization=organization)
    assert account.iban == "FI2112345600000785"
    assert account.bic == "NDEAFIHH"
    assert account.bank_name == "NORDEA BANK FINLAND PLC"
    assert account.is_primary  # the only account is the primary one
    page = admin_client.get(reverse("organizations:edit", args=[organization.pk]))
    content = page.content.decode()
    assert "FI21 1234 5600 0007 85" in content
    assert "NDEAFIHH" in content
    assert "NORDEA BANK FINLAND PLC" in content


def test_it_accepts_a_foreign_iban(admin_client, organization):
    response = admin_client.post(
        bank_account_url(organization), {"iban": GERMAN_IBAN, "bic": "COBADEFFXXX"}
    )
    assert response.status_code == 302
    account = BankAccount.objects.get(organization=organization)
    assert account.iban == "DE89370400440532013000"
    assert account.bic == "COBADEFFXXX"
    assert account.bank_name == "Commerzbank"


def test_it_accepts_a_long_iban_typed_in_groups_of_four(admin_client, organization):
    response = admin_client.post(bank_account_url(organization), {"iban": MALTESE_IBAN})
    assert response.status_code == 302
    account = BankAccount.objects.get(organization=organization)
    assert account.iban == "MT84MALT011000012345MTLCAST001S"
    # schwifty knows no BIC for this bank: the field stays empty rather than guessed.
    assert account.bic == ""


def test_it_accepts_a_typed_bic_that_matches_the_iban(admin_client, organization):
    response = admin_client.post(
        bank_account_url(organization), {"iban": GOOD_IBAN, "bic": "ndea fihh"}
    )
    assert response.status_code == 302
    assert BankAccount.objects.get(organization=organization).bic == "NDEAFIHH"


def test_it_refuses_an_iban_with_a_wrong_checksum(admin_client, organization):
    response = admin_client.post(
        bank_account_url(organization), {"iban": BAD_CHECKSUM_IBAN, "description": "Säästötili"}
    )
    assert response.status_code == 200
    message = "FI21 1234 5600 0007 86 is not a valid IBAN. Check the country code and the digits."
    assert errors(response, "iban") == [message]
    content = response.content.decode()
    assert message in content
    assert f'value="{BAD_CHECKSUM_IBAN}"' in content
    assert 'value="Säästötili"' in content
    assert not BankAccount.objects.exists()


def test_it_refuses_a_bic_that_does_not_match_the_iban(admin_client, organization):
    response = admin_client.post(
        bank_account_url(organization), {"iban": GOOD_IBAN, "bic": "OKOYFIHH"}
    )
    assert response.status_code == 200
    message = "The BIC OKOYFIHH does not match the IBAN, whose bank's BIC is NDEAFIHH."
    assert errors(response, "bic") == [message]
    content = response.content.decode()
    assert escape(message) in content
    assert 'value="OKOYFIHH"' in content
    assert f'value="{GOOD_IBAN}"' in content
    assert not BankAccount.objects.exists()


def test_it_refuses_a_malformed_bic(admin_client, organization):
    response = admin_client.post(bank_account_url(organization), {"iban": GOOD_IBAN, "bic": "NDEA"})
    assert response.status_code == 200
    assert errors(response, "bic") == ["NDEA is not a valid BIC."]
    assert not BankAccount.objects.exists()


def test_it_refuses_the_same_account_twice(admin_client, organization):
    BankAccountFactory(organization=organization, iban="FI2112345600000785")
    response = admin_client.post(bank_account_url(organization), {"iban": GOOD_IBAN})
    assert response.status_code == 200
    assert errors(response, "iban") == ["This account is already registered."]
    assert BankAccount.objects.filter(organization=organization).count() == 1


def test_it_refuses_an_account_another_organization_has_registered(
    admin_client, organization, settings
):
    # Payments to an account are matched to its organization's invoices: one owner only.
    settings.CONTROLLER_NAME = "Ilmailurekisteri"
    settings.CONTROLLER_EMAIL = "rekisteri@example.fi"
    BankAccountFactory(organization=OrganizationFactory(), iban="FI2112345600000785")
    response = admin_client.post(
        bank_account_url(organization), {"iban": "fi21 1234 5600 0007 85", "description": "Oma"}
    )
    assert response.status_code == 200
    assert errors(response, "iban") == [
        "This account is already registered to another organization. If it belongs to your "
        "organization, contact the controller of the register, Ilmailurekisteri "
        "(rekisteri@example.fi)."
    ]
    # The rest of the form is kept; nothing is stored.
    assert 'value="Oma"' in response.content.decode()
    assert BankAccount.objects.filter(iban="FI2112345600000785").count() == 1
    assert not organization.bank_accounts.exists()


def test_it_lets_an_organization_save_its_own_account_again(admin_client, organization):
    account = BankAccountFactory(organization=organization, iban="FI2112345600000785")
    response = admin_client.post(
        reverse("organizations:bank_account_edit", args=[organization.pk, account.pk]),
        {"iban": GOOD_IBAN, "description": "Käyttötili"},
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.description == "Käyttötili"
    assert account.iban == "FI2112345600000785"


def test_it_keeps_an_account_unchanged_when_an_edit_is_refused(admin_client, organization):
    account = BankAccountFactory(organization=organization, description="Käyttötili")
    response = admin_client.post(
        reverse("organizations:bank_account_edit", args=[organization.pk, account.pk]),
        {"iban": BAD_CHECKSUM_IBAN, "description": "Muutettu"},
    )
    assert response.status_code == 200
    account.refresh_from_db()
    assert account.iban == "FI2112345600000785"
    assert account.description == "Käyttötili"


@pytest.mark.parametrize(
    "data",
    [
        {"iban": ""},
        {"iban": "x" * 200, "bic": "y" * 200},
        {"iban": "FI", "bic": "€€€"},
        {"iban": "ZZ00 0000", "bic": "NDEAFIHH"},
        {"iban": GOOD_IBAN, "bic": "NDEAFIHH", "is_primary": "not-a-bool"},
    ],
)
def test_it_never_fails_on_odd_bank_input(admin_client, organization, data):
    response = admin_client.post(bank_account_url(organization), data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert response.context["form"].errors
        assert not BankAccount.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "kind": "flying_club"},
        {"name": "Kerho", "kind": "no-such-kind"},
        {"name": "Kerho", "kind": "flying_club", "business_id": "x" * 50},
        {"name": "Kerho", "kind": "flying_club", "business_id": "€"},
        {"name": "Kerho", "kind": "flying_club", "postal_code": "ABCDE"},
        {"name": "Kerho", "kind": "flying_club", "website": "not a url"},
    ],
)
def test_it_never_fails_on_odd_organization_input(admin_client, data):
    before = Organization.objects.count()
    response = admin_client.post(CREATE_URL, data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Organization.objects.count() == before


# --- The same messages in Finnish and Swedish ------------------------------------------------

# Proposed translations: the .po files get these (or this table changes with them).
TRANSLATED = {
    "fi": {
        "business_id": "2468823-4 ei ole kelvollinen Y-tunnus, esim. 2468823-3.",
        "business_id_taken": "Tällä Y-tunnuksella on jo rekisteröity organisaatio.",
        "iban": "FI21 1234 5600 0007 86 ei ole kelvollinen IBAN-tilinumero. "
        "Tarkista maatunnus ja numerot.",
        "bic": "BIC-tunnus OKOYFIHH ei vastaa IBAN-tilinumeroa, jonka pankin BIC-tunnus on "
        "NDEAFIHH.",
    },
    "sv": {
        "business_id": "2468823-4 är inte ett giltigt FO-nummer (Y-tunnus), t.ex. 2468823-3.",
        "business_id_taken": "Det finns redan en organisation med detta FO-nummer.",
        "iban": "FI21 1234 5600 0007 86 är inte ett giltigt IBAN-kontonummer. "
        "Kontrollera landskoden och siffrorna.",
        "bic": "BIC-koden OKOYFIHH stämmer inte med IBAN-kontonumret, vars banks BIC-kod är "
        "NDEAFIHH.",
    },
}


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_it_explains_refused_business_ids_and_accounts_in_the_users_language(
    client, admin, organization, language
):
    admin.preferred_language = language
    admin.save()
    client.force_login(admin)
    expected = TRANSLATED[language]
    OrganizationFactory(name="Kerho jolla tunnus on", business_id="2468823-3")

    response = client.post(CREATE_URL, organization_data(business_id="2468823-4"))
    assert errors(response, "business_id") == [expected["business_id"]]
    assert escape(expected["business_id"]) in response.content.decode()

    response = client.post(
        reverse("organizations:edit", args=[organization.pk]),
        organization_data(name=organization.name, business_id="2468823-3"),
    )
    assert errors(response, "business_id") == [expected["business_id_taken"]]

    response = client.post(bank_account_url(organization), {"iban": BAD_CHECKSUM_IBAN})
    assert errors(response, "iban") == [expected["iban"]]
    assert escape(expected["iban"]) in response.content.decode()

    response = client.post(bank_account_url(organization), {"iban": GOOD_IBAN, "bic": "OKOYFIHH"})
    assert errors(response, "bic") == [expected["bic"]]
    assert escape(expected["bic"]) in response.content.decode()
