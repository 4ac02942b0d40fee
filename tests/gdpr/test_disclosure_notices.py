"""Art. 19 notices tell a recipient only what it received: the person is named by the
identifiers that went to that recipient (declared by the apps: name and email by
accounts, member numbers and the register's name and email by organizations), as that
recipient holds them."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from gdpr.disclosures.recipient_notices import notify_recipients
from gdpr.disclosures.services import DisclosureError, disclosure_record
from gdpr.models import Disclosure, RecipientNotice, RequestKind, RequestStatus
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .factories import DataSubjectRequestFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def written_in_english(settings):
    # Partners and organizations' own addresses are written to in the default language.
    settings.LANGUAGE_CODE = "en"


NAME = "Sirkka Salainen"
EMAIL = "sirkka.salainen@example.fi"


@pytest.fixture
def person(db):
    return UserFactory(
        email=EMAIL, first_name="Sirkka", last_name="Salainen", preferred_language="en"
    )


@pytest.fixture
def clubs(person):
    """The person is member 102 of one club and member 7-555 of another."""
    malmi = organization_with_admin(UserFactory(preferred_language="en"), name="Malmin Kerho ry")
    malmi.email = "hallitus@malmi.example"
    malmi.save()
    turku = organization_with_admin(UserFactory(preferred_language="en"), name="Turun Kerho ry")
    turku.email = "hallitus@turku.example"
    turku.save()
    add_member(malmi, person, member_number="102")
    add_member(turku, person, member_number="7-555")
    return malmi, turku


def disclose(person, *, name: str, categories, identifiers=None) -> Disclosure:
    today = timezone.localdate()
    return disclosure_record(
        kind=Disclosure.Kind.PARTNER,
        recipient_name=name,
        recipient_email=f"privacy@{name.split()[0].lower()}.example",
        purpose="Vakuutustarjous",
        legal_basis="Sopimus",
        categories=categories,
        identifiers=identifiers,
        starts_on=today - datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=100),
        subjects=[person],
        actor=None,
    )


def notify(person, django_capture_on_commit_callbacks, kind=RequestKind.ERASURE):
    request = DataSubjectRequestFactory(kind=kind, subject=person, status=RequestStatus.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        notify_recipients(request, actor=None)
    return request


def mail_to(address: str):
    return next(m for m in mail.outbox if address in m.to)


def test_a_partner_that_received_only_member_numbers_is_not_told_the_name_or_email(
    person, clubs, django_capture_on_commit_callbacks
):
    disclose(
        person, name="Numerokumppani Oy", categories=["membership"], identifiers=["member_number"]
    )
    notify(person, django_capture_on_commit_callbacks)

    message = mail_to("privacy@numerokumppani.example")
    text = f"{message.subject}\n{message.body}"
    assert "Member number: 102 (Malmin Kerho ry)" in message.body
    assert "7-555 (Turun Kerho ry)" in message.body
    for withheld in ("Sirkka", "Salainen", EMAIL):
        assert withheld not in text
    assert "erased" in message.body


def test_a_partner_that_received_name_and_email_is_told_them(
    person, clubs, django_capture_on_commit_callbacks
):
    disclose(
        person,
        name="Osoitekumppani Oy",
        categories=["identity", "contact_details"],
        identifiers=["name", "email"],
    )
    notify(person, django_capture_on_commit_callbacks, kind=RequestKind.RESTRICTION)

    message = mail_to("privacy@osoitekumppani.example")
    assert f"Name: {NAME}" in message.body
    assert f"Email address: {EMAIL}" in message.body
    assert NAME in message.subject
    assert "102" not in message.body
    assert "restrict" in message.body


def test_an_organization_is_told_its_own_member_number_and_no_other(
    person, clubs, django_capture_on_commit_callbacks
):
    notify(person, django_capture_on_commit_callbacks)

    malmi = mail_to("hallitus@malmi.example").body
    turku = mail_to("hallitus@turku.example").body
    assert "Member number: 102\n" in malmi
    assert "7-555" not in malmi
    assert "Member number: 7-555\n" in turku
    assert "102" not in turku
    # The register shows the member's name and email to its admins.
    assert NAME in malmi and EMAIL in malmi


def test_without_identifiers_given_a_disclosure_takes_those_its_categories_carry(person):
    only_names = disclose(person, name="Nimikumppani Oy", categories=["identity"])
    register = disclose(person, name="Rekisterikumppani Oy", categories=["membership"])

    assert only_names.identifiers == ["name"]
    assert register.identifiers == ["member_number", "name", "email"]


def test_a_disclosure_recorded_before_identifiers_names_by_its_categories(
    person, clubs, django_capture_on_commit_callbacks
):
    old = disclose(person, name="Vanha Kumppani Oy", categories=["identity"])
    Disclosure.objects.filter(pk=old.pk).update(identifiers=[])
    notify(person, django_capture_on_commit_callbacks)

    body = mail_to("privacy@vanha.example").body
    assert f"Name: {NAME}" in body
    assert EMAIL not in body
    assert "102" not in body


def test_a_recipient_that_received_nothing_identifying_is_not_written_to(
    person, django_capture_on_commit_callbacks
):
    disclose(person, name="Lokikumppani Oy", categories=["security_log"])
    request = notify(person, django_capture_on_commit_callbacks)

    notice = RecipientNotice.objects.get(request=request, recipient_name="Lokikumppani Oy")
    assert notice.sent_at is None
    assert notice.error == "The recipient received nothing that identifies the person."
    assert not [m for m in mail.outbox if "privacy@lokikumppani.example" in m.to]


def test_an_unknown_identifier_is_refused(person):
    with pytest.raises(DisclosureError) as error:
        disclose(person, name="Outo Oy", categories=["identity"], identifiers=["shoe_size"])
    assert "identifiers" in error.value.error_dict
    assert not Disclosure.objects.exists()


def test_the_labels_are_in_the_recipients_language(
    settings, person, clubs, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "fi"
    disclose(
        person, name="Numerokumppani Oy", categories=["membership"], identifiers=["member_number"]
    )
    notify(person, django_capture_on_commit_callbacks)

    with translation.override("fi"):
        label = translation.gettext("Member number")
    assert label != "Member number"
    assert f"{label}: 102 (Malmin Kerho ry)" in mail_to("privacy@numerokumppani.example").body


def test_the_admin_records_the_identifiers_handed_over(client, person):
    client.force_login(StaffFactory(preferred_language="en"))
    response = client.post(
        reverse("admin:gdpr_disclosure_add"),
        {
            "kind": Disclosure.Kind.PARTNER,
            "recipient_name": "Numerokumppani Oy",
            "recipient_email": "privacy@numerokumppani.example",
            "purpose": "Jäsenetu",
            "legal_basis": "",
            "categories": ["membership"],
            "identifiers": ["member_number"],
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "people": [str(person.pk)],
        },
    )
    assert response.status_code == 302
    disclosure = Disclosure.objects.get()
    assert disclosure.identifiers == ["member_number"]
    page = client.get(reverse("admin:gdpr_disclosure_change", args=[disclosure.pk]))
    assert "Member number" in page.content.decode()
