from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ProfileFieldSource, User
from accounts.sources import DataSource
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROFILE_URL = reverse("accounts:profile")


def valid_data(**overrides) -> dict[str, str]:
    data = {
        "first_name": "Aino",
        "last_name": "Virtanen",
        "street_address": "Hämeenkatu 5 A 3",
        "postal_code": "33100",
        "city": "Tampere",
        "country": "FI",
        "phone": "040 123 4567",
        "date_of_birth": "1987-03-14",
        "preferred_language": "fi",
    }
    data.update(overrides)
    return data


def test_it_requires_login(client):
    response = client.get(PROFILE_URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_it_saves_the_profile_and_stores_the_phone_in_e164(member_client, member):
    response = member_client.post(PROFILE_URL, valid_data())
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.street_address == "Hämeenkatu 5 A 3"
    assert member.city == "Tampere"
    assert member.phone.as_e164 == "+358401234567"
    assert member.date_of_birth == datetime.date(1987, 3, 14)
    assert member.profile_updated_at is not None


def test_it_accepts_a_finnish_date_format(member_client, member):
    member_client.post(PROFILE_URL, valid_data(date_of_birth="14.3.1987"))
    member.refresh_from_db()
    assert member.date_of_birth == datetime.date(1987, 3, 14)


def test_it_accepts_a_foreign_phone_number_and_postal_code(member_client, member):
    data = valid_data(country="SE", postal_code="114 55", phone="+46 70 123 45 67")
    response = member_client.post(PROFILE_URL, data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.phone.as_e164 == "+46701234567"
    assert member.postal_code == "114 55"


@pytest.mark.parametrize(
    ("field", "value", "message_fi"),
    [
        ("phone", "12345", "Anna kelvollinen puhelinnumero"),
        ("phone", "040 123 45678 999", "Anna kelvollinen puhelinnumero"),
        ("postal_code", "1234", "Suomalaisessa postinumerossa on viisi numeroa"),
        ("postal_code", "ABCDE", "Suomalaisessa postinumerossa on viisi numeroa"),
        ("date_of_birth", "2999-01-01", "Syntymäaika ei voi olla tulevaisuudessa"),
        ("date_of_birth", "31.2.1990", "Anna päivämäärä muodossa pp.kk.vvvv"),
    ],
)
def test_it_rejects_bad_input_keeps_what_was_typed_and_saves_nothing(
    member_client, member, field, value, message_fi
):
    before = User.objects.values().get(pk=member.pk)
    data = valid_data(**{field: value}, city="Kuopio-typed")
    response = member_client.post(PROFILE_URL, data)

    assert response.status_code == 200
    content = response.content.decode()
    assert message_fi in content
    # Everything typed is still in the form, the bad value included.
    assert 'value="Kuopio-typed"' in content
    assert f'value="{value}"' in content
    assert User.objects.values().get(pk=member.pk) == before


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fi", "Syntymäaika ei voi olla tulevaisuudessa"),
        ("sv", "Födelsedatumet kan inte vara i framtiden"),
        ("en", "The date of birth cannot be in the future"),
    ],
)
def test_it_gives_errors_in_the_users_language(client, language, message):
    user = UserFactory(preferred_language=language)
    client.force_login(user)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        PROFILE_URL, valid_data(date_of_birth=tomorrow.isoformat(), preferred_language=language)
    )
    assert response.status_code == 200
    assert message in response.content.decode()


def test_it_ignores_tampered_fields(member_client, member):
    data = valid_data(email="evil@example.fi", is_staff="on", is_superuser="on")
    member_client.post(PROFILE_URL, data)
    member.refresh_from_db()
    assert member.email == "aino.member@example.fi"
    assert not member.is_staff
    assert not member.is_superuser


def test_it_only_ever_edits_the_signed_in_user(member_client, member, other_member):
    # There is no id in the URL or the form to swap: a posted id changes nothing.
    data = valid_data(id=other_member.pk, pk=other_member.pk, user=other_member.pk, city="Oulu")
    member_client.post(PROFILE_URL, data)
    other_member.refresh_from_db()
    member.refresh_from_db()
    assert other_member.city == "Helsinki"
    assert member.city == "Oulu"


def test_it_stays_within_its_query_budget(member_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert member_client.get(PROFILE_URL).status_code == 200
    # Saving also records the source of each changed field: a fixed number of writes.
    with django_assert_max_num_queries(14):
        assert member_client.post(PROFILE_URL, valid_data()).status_code == 302


def test_it_switches_the_ui_to_the_language_saved_on_the_profile(member_client, member):
    response = member_client.post(PROFILE_URL, valid_data(preferred_language="sv"), follow=True)
    assert response.status_code == 200
    assert '<html lang="sv">' in response.content.decode()


def test_it_records_the_member_as_the_source_of_what_they_changed(member_client, member):
    member_client.post(PROFILE_URL, valid_data(city="Tampere-source"))
    sources = {row.field: row for row in ProfileFieldSource.objects.filter(user=member)}
    assert sources["city"].source == DataSource.SUBJECT
    assert sources["city"].recorded_by == member
    assert "first_name" not in sources  # unchanged fields keep their earlier source


def test_the_controllers_corrections_record_their_source_and_show_on_my_data(client, member, staff):
    client.force_login(staff)
    url = reverse("admin:accounts_user_change", args=[member.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: form.initial.get(name) or ""
        for name in form.fields
        if name not in ("password", "groups", "user_permissions", "last_login", "date_joined")
    }
    data.update(
        city="Rovaniemi",
        is_active="on",
        country="FI",
        phone="+358401234567",
        date_of_birth="1985-05-17",
        data_source=DataSource.PUBLIC_REGISTER,
        source_note="Väestötietojärjestelmä",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    row = ProfileFieldSource.objects.get(user=member, field="city")
    assert (row.source, row.recorded_by, row.note) == (
        DataSource.PUBLIC_REGISTER,
        staff,
        "Väestötietojärjestelmä",
    )
    client.force_login(member)
    page = client.get(reverse("accounts:my_data")).content.decode()
    assert "Väestötietojärjestelmä" in page
