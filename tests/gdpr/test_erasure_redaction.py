"""Redacting an erased person from the free texts kept after the erasure: every value the
registry holds of them, in the forms people write it, and nothing of anyone else."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from communications.models import CommunicationRecord
from communications.services import communication_record
from gdpr.declarations import Identifier
from gdpr.erasure.redaction import Redaction
from gdpr.erasure.services import erasure_execute, redaction_for
from gdpr.models import (
    AuditEntry,
    DataSubjectRequest,
    RequestEvent,
    RequestKind,
    RequestStatus,
)
from gdpr.requests.services import request_complete, request_file, request_note
from organizations.models import Membership
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin

PHONE = "+358401234567"
IBAN = "FI2112345600000785"
OTHER_IBAN = "FI4950009420028730"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def redaction() -> Redaction:
    return Redaction.of(
        [
            (Identifier.NAME, "Aino"),
            (Identifier.NAME, "Aino Virtanen"),
            (Identifier.EMAIL, "aino.virtanen@example.fi"),
            (Identifier.PHONE, PHONE),
            (Identifier.STREET, "Kenttätie 1 A 5"),
            (Identifier.POSTAL_CODE, "33100"),
            (Identifier.CITY, "Tampere"),
            (Identifier.IBAN, IBAN),
            (Identifier.DATE, "1985-05-07"),
            (Identifier.NUMBER, "102"),
        ]
    )


@pytest.mark.parametrize(
    "written",
    [
        "+358401234567",
        "+358 40 123 4567",
        "0401234567",
        "040-123 4567",
        "040 1234567",
        "00358 40 123 4567",
        "+358 (0)40 123 4567",
    ],
)
def test_it_redacts_a_phone_number_in_every_format(redaction, written):
    assert redaction.apply(f"Call {written}, please.") == "Call [erased], please."


@pytest.mark.parametrize(
    "written", ["FI2112345600000785", "FI21 1234 5600 0007 85", "fi21 1234 5600 0007 85"]
)
def test_it_redacts_an_iban_with_or_without_spaces(redaction, written):
    assert redaction.apply(f"Refund to {written} today") == "Refund to [erased] today"


def test_it_redacts_the_postal_code_and_the_city(redaction):
    assert redaction.apply("Lives at 33100 Tampere.") == "Lives at [erased] [erased]."


def test_it_redacts_the_member_number_and_city_of_the_handlers_note(redaction):
    assert redaction.apply("member 102 in Tampere") == "member [erased] in [erased]"


@pytest.mark.parametrize("written", ["1985-05-07", "7.5.1985", "07.05.1985", "7. 5. 1985"])
def test_it_redacts_the_birth_date_in_iso_and_finnish_forms(redaction, written):
    assert redaction.apply(f"Born {written}.") == "Born [erased]."


def test_it_redacts_the_street_address_however_it_is_spaced(redaction):
    assert redaction.apply("Kenttätie 1A5, Kenttätie 1 a 5") == "[erased], [erased]"


def test_it_leaves_other_peoples_values_and_ordinary_words(redaction):
    text = (
        "Ainoa annual fee 1020 EUR, invoice 2102, member 1025; +358 40 765 4321;"
        f" {OTHER_IBAN}; born 17.5.1985 and 1985-05-17; 33101 Tampereentie"
    )
    assert redaction.apply(text) == text


def test_it_redacts_inside_an_audit_entrys_changes(redaction):
    changes = {"notes": ["", "Aino Virtanen, 040-123 4567"], "count": [1, 2]}
    assert redaction.apply_json(changes) == {"notes": ["", "[erased], [erased]"], "count": [1, 2]}


def test_values_shorter_than_three_characters_are_not_redacted():
    redaction = Redaction.of([(Identifier.NAME, "Li"), (Identifier.NUMBER, "12")])
    assert redaction.apply("Li paid 12 EUR") == "Li paid 12 EUR"


def test_only_what_names_the_person_alone_reaches_everyones_texts(redaction):
    distinctive = redaction.distinctive()
    text = "Aino Virtanen (Aino) of Tampere, member 102: 0401234567, aino.virtanen@example.fi"
    assert distinctive.apply(text) == "[erased] (Aino) of Tampere, member 102: [erased], [erased]"


def test_the_keys_alone_find_addresses_numbers_and_ibans_in_new_text(redaction):
    keyed = Redaction(keys=frozenset(redaction.stored_keys()))
    text = (
        "Aino called from 040-123 4567 (AINO.VIRTANEN@example.fi), refund to"
        f" fi21 1234 5600 0007 85; not {OTHER_IBAN} nor +358 40 765 4321 or x@example.fi."
    )
    assert keyed.apply(text) == (
        "Aino called from [erased] ([erased]), refund to"
        f" [erased]; not {OTHER_IBAN} nor +358 40 765 4321 or x@example.fi."
    )
    # Nothing readable is kept: keyed hashes only.
    assert not any("aino" in key or "4567" in key for key in keyed.keys)


# --- In the database ---------------------------------------------------------------------------


@pytest.fixture
def member(db) -> Membership:
    user = UserFactory(
        first_name="Aino",
        last_name="Virtanen",
        email="aino.virtanen@example.fi",
        phone=PHONE,
        street_address="Kenttätie 1 A 5",
        postal_code="33100",
        city="Tampere",
        date_of_birth=datetime.date(1985, 5, 7),
    )
    membership = add_member(organization_with_admin(UserFactory(phone="+358407654321")), user)
    Membership.objects.filter(pk=membership.pk).update(member_number="102")
    return membership


def _erase(user) -> DataSubjectRequest:
    request = request_file(subject=user, kind=RequestKind.ERASURE, actor=user)
    DataSubjectRequest.objects.filter(pk=request.pk).update(status=RequestStatus.IN_PROGRESS)
    request.refresh_from_db()
    erasure_execute(request, actor=StaffFactory())
    request.refresh_from_db()
    return request


@pytest.mark.django_db
def test_the_values_come_from_what_the_apps_declare(member):
    values = set(redaction_for(member.user).values)
    assert {
        (Identifier.PHONE, PHONE),
        (Identifier.POSTAL_CODE, "33100"),
        (Identifier.CITY, "Tampere"),
        (Identifier.DATE, "1985-05-07"),
        (Identifier.NUMBER, "102"),
        (Identifier.NAME, "Aino Virtanen"),
        (Identifier.EMAIL, "aino.virtanen@example.fi"),
    } <= values


@pytest.mark.django_db
def test_a_rows_names_together_are_the_full_name_that_reaches_everyones_texts():
    user = UserFactory(first_name="Eero", last_name="Esimerkki")
    redaction = redaction_for(user)
    assert (Identifier.NAME, "Eero Esimerkki") in redaction.values
    assert redaction.distinctive().apply("Eero Esimerkki, not Eero") == "[erased], not Eero"


@pytest.mark.django_db
def test_a_note_added_after_the_erasure_loses_the_persons_address_and_phone(member):
    request = _erase(member.user)
    event = request_note(
        request,
        note="Aino called again from 040-123 4567 about aino.virtanen@example.fi.",
        actor=StaffFactory(),
    )
    # Names are not found by a keyed hash: the handler's own words stay.
    assert event.note == "Aino called again from [erased] about [erased]."


@pytest.mark.django_db
def test_a_note_on_the_persons_other_request_loses_them_too(member):
    access = request_file(subject=member.user, kind=RequestKind.ACCESS, actor=member.user)
    _erase(member.user)
    access.refresh_from_db()
    event = request_note(access, note="Wrote to aino.virtanen@example.fi", actor=StaffFactory())
    assert event.note == "Wrote to [erased]"


@pytest.mark.django_db
def test_erasure_redacts_other_peoples_records_of_what_names_the_person_alone(member):
    organization = member.organization
    admin = Membership.objects.get(organization=organization, role=Membership.Role.ADMIN).user
    record = communication_record(
        organization=organization,
        subject=admin,
        counterpart=organization.name,
        channel=CommunicationRecord.Channel.PHONE,
        direction=CommunicationRecord.Direction.INCOMING,
        subject_line="Jäsenasia",
        summary="Aino Virtanen from Tampere asked us to call 040-123 4567.",
        actor=admin,
    )
    audit = AuditEntry.objects.create(
        action=AuditEntry.Action.CHANGED,
        model="organizations.organization",
        object_id=str(organization.pk),
        changes={"website": ["", "per aino.virtanen@example.fi, member 102"]},
    )
    log = LogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(organization),
        object_id=str(organization.pk),
        object_repr=f"{organization.name} (Aino Virtanen)",
        action_flag=CHANGE,
        change_message="Contact: +358 40 123 4567; admin's own +358 40 765 4321",
    )
    _erase(member.user)
    record.refresh_from_db()
    audit.refresh_from_db()
    log.refresh_from_db()
    # The city and the member number name no one in someone else's record: they stay.
    assert record.summary == "[erased] from Tampere asked us to call [erased]."
    assert audit.changes == {"website": ["", "per [erased], member 102"]}
    assert log.object_repr == f"{organization.name} ([erased])"
    assert log.change_message == "Contact: [erased]; admin's own +358 40 765 4321"


@pytest.mark.django_db
def test_the_answer_kept_after_the_erasure_loses_every_value(member):
    redaction = redaction_for(member.user)
    request = _erase(member.user)
    request_complete(
        request,
        response="Member 102 in Tampere (33100), born 7.5.1985, phone 040-123 4567: erased.",
        actor=StaffFactory(),
        notify_to="aino.virtanen@example.fi",
        redact=redaction,
    )
    request.refresh_from_db()
    expected = "Member [erased] in [erased] ([erased]), born [erased], phone [erased]: erased."
    assert request.response == expected
    assert request.events.get(action=RequestEvent.Action.RESPONDED).note == expected
    audited = AuditEntry.objects.filter(
        model="gdpr.datasubjectrequest", object_id=str(request.pk), changes__has_key="response"
    ).latest("pk")
    assert audited.changes["response"][1] == expected


def test_the_registry_refuses_identifying_or_free_text_fields_it_cannot_use():
    from dataclasses import replace

    from gdpr.declarations import classification_problems, entry_for
    from tests.flightlog.models import FlightLogEntry

    entry = entry_for(FlightLogEntry)
    assert classification_problems(entry) == []
    wrong = replace(
        entry,
        identifying={"aircraft": Identifier.NUMBER},
        free_text=frozenset({"flown_on", "aircraft"}),
    )
    assert classification_problems(wrong) == [
        "flightlog.FlightLogEntry.aircraft: identifying but not a personal field about the"
        " row's person",
        "flightlog.FlightLogEntry.aircraft: free text must be a personal text or JSON field",
        "flightlog.FlightLogEntry.flown_on: free text must be a personal text or JSON field",
    ]


@pytest.mark.django_db
def test_the_database_finds_values_however_they_are_punctuated(member):
    from gdpr.erasure.redaction import redact_kept_texts

    organization = member.organization
    admin = Membership.objects.get(organization=organization, role=Membership.Role.ADMIN).user
    record = communication_record(
        organization=organization,
        subject=admin,
        counterpart=organization.name,
        channel=CommunicationRecord.Channel.EMAIL,
        direction=CommunicationRecord.Direction.INCOMING,
        subject_line="Re: O'Brien-Smith (Jr.)",
        summary="From ann+club@example.fi; O'BRIEN-SMITH (JR.) #5 asks; ann@example.fi stays.",
        actor=admin,
    )
    redaction = Redaction.of(
        [
            (Identifier.EMAIL, "ann+club@example.fi"),
            (Identifier.NAME, "O'Brien-Smith (Jr.)"),
        ]
    )
    # The record, and the audit entry that recorded its creation.
    assert redact_kept_texts(redaction, {}) == 2
    record.refresh_from_db()
    assert record.subject_line == "Re: [erased]"
    assert record.summary == "From [erased]; [erased] #5 asks; ann@example.fi stays."
    created = AuditEntry.objects.get(model="communications.communicationrecord")
    assert "O'Brien" not in str(created.changes) and "ann+club" not in str(created.changes)


@pytest.mark.django_db
def test_an_unverified_address_leaves_other_peoples_records_alone(member):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=member.user, email="stranger@example.fi", verified=False)
    organization = member.organization
    admin = Membership.objects.get(organization=organization, role=Membership.Role.ADMIN).user
    record = communication_record(
        organization=organization,
        subject=admin,
        counterpart=organization.name,
        channel=CommunicationRecord.Channel.EMAIL,
        direction=CommunicationRecord.Direction.INCOMING,
        subject_line="Jäsenasia",
        summary="Forwarded to stranger@example.fi and aino.virtanen@example.fi.",
        actor=admin,
    )
    redaction = redaction_for(member.user)
    request = _erase(member.user)
    record.refresh_from_db()
    # It may be its real owner's address: only the verified one goes.
    assert record.summary == "Forwarded to stranger@example.fi and [erased]."
    # In what is kept of the person's own request, both go.
    request_complete(
        request,
        response="Erased; we wrote to stranger@example.fi.",
        actor=StaffFactory(),
        notify_to="aino.virtanen@example.fi",
        redact=redaction,
    )
    request.refresh_from_db()
    assert request.response == "Erased; we wrote to [erased]."


@pytest.mark.django_db
def test_a_steps_values_written_after_the_erasure_lose_the_persons_phone(member):
    from gdpr.requests.base import request_event_log

    request = _erase(member.user)
    event = request_event_log(
        request,
        RequestEvent.Action.NOTE,
        actor=None,
        params={"value": "0401234567", "count": 2},
    )
    assert event.params == {"value": "[erased]", "count": 2}
