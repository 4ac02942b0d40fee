"""Rectification (Art. 16): what a person may ask to correct, filing, and the decision."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import translation

from accounts.sources import DataSource
from billing.services import invoice_send
from gdpr.models import (
    AuditEntry,
    RecipientNotice,
    RequestEvent,
    RequestKind,
    RequestStatus,
)
from gdpr.rectification.services import (
    RectificationError,
    may_decide,
    rectifiable_data,
    rectification_decide,
    rectification_file,
    target_label,
)
from gdpr.requests.services import request_enter, request_verify_identity
from organizations.models import Membership
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .test_rectification_world import World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    # Messages are compared in English, whatever the state of the catalogs.
    with translation.override("en"):
        yield


@pytest.fixture
def world() -> World:
    return build_world()


def keys_of(data) -> set[str]:
    return {datum.key for datum in data}


# --- What can be corrected --------------------------------------------------------------


def test_it_lists_what_the_organization_recorded_about_the_member(world):
    data = {datum.key: datum for datum in rectifiable_data(world.member)}

    number = data[world.key("member_number")]
    assert number.value == "17"
    assert number.held_by == world.organization
    assert number.holder == "Malmin Ilmailukerho ry"
    assert number.category == "membership"
    assert world.key("joined_on") in data
    assert world.key("role") in data
    assert world.key("name", world.contact) in data
    assert world.key("summary", world.call) in data
    assert data[world.key("recipient_name", world.invoice)].value == world.invoice.recipient_name


def test_it_leaves_out_what_the_member_edits_on_the_profile(world):
    keys = keys_of(rectifiable_data(world.member))

    # An active membership copies the name and email from the profile.
    assert world.key("name") not in keys
    assert world.key("email") not in keys
    assert world.key("ended_on") not in keys
    assert not any(key.startswith("accounts.user") for key in keys)


def test_an_ended_membership_offers_the_name_and_dates_it_kept(world):
    world.membership.status = Membership.Status.ENDED
    world.membership.ended_on = datetime.date(2026, 1, 31)
    world.membership.save()

    keys = keys_of(rectifiable_data(world.member))

    assert {world.key("name"), world.key("email"), world.key("ended_on")} <= keys
    assert world.key("role") not in keys


def test_it_leaves_out_mail_the_service_sent(world):
    from communications.services import communication_log_email

    sent = communication_log_email(
        organization=world.organization,
        subject=world.member,
        counterpart=world.member.email,
        subject_line="Lasku 1",
    )

    assert world.key("summary", sent) not in keys_of(rectifiable_data(world.member))


def test_it_offers_only_the_latest_issued_invoice_of_a_membership(world):
    from tests.billing.factories import invoice_for

    later = invoice_for(
        world.membership,
        issue_date=datetime.date(2026, 4, 1),
        due_date=datetime.date(2026, 4, 15),
    )
    later = invoice_send(invoice=later, actor=None, mail=False)
    draft = invoice_for(
        world.membership,
        issue_date=datetime.date(2026, 5, 1),
        due_date=datetime.date(2026, 5, 15),
    )

    keys = keys_of(rectifiable_data(world.member))

    assert world.key("recipient_name", later) in keys
    assert world.key("recipient_name", world.invoice) not in keys
    assert world.key("recipient_name", draft) not in keys


def test_it_shows_nothing_of_another_person(world):
    other = world.users["outsider"]
    add_member(world.other_organization, other, member_number="99")

    keys = keys_of(rectifiable_data(world.member))

    theirs = {f"organizations.membership:{m.pk}:" for m in other.memberships.all()}
    assert not any(key.startswith(prefix) for key in keys for prefix in theirs)
    assert world.key("member_number") in keys


def test_listing_costs_the_same_queries_however_much_there_is(world, django_assert_max_num_queries):
    for n in range(5):
        organization = organization_with_admin(UserFactory(), name=f"Kerho {n} ry")
        add_member(organization, world.member, member_number=f"{n}")

    # One query per source: memberships, contact persons, invoices, communication records,
    # e-invoice addresses.
    with django_assert_max_num_queries(5):
        data = rectifiable_data(world.member)

    assert len(data) > 15


# --- Filing -------------------------------------------------------------------------------


def test_it_files_a_request_naming_the_datum_and_the_holder(world):
    request = world.file(value="A-42")

    assert request.kind == RequestKind.RECTIFICATION
    assert request.subject == world.member
    assert request.holder == world.organization
    assert request.rectification_target == world.key("member_number")
    assert request.rectification_value == "A-42"
    assert request.details == "Numero on väärin kortissani."
    world.membership.refresh_from_db()
    assert world.membership.member_number == "17", "nothing changes before the decision"


def test_it_tells_the_organizations_admins_there_is_something_to_decide(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = world.file()

    assert [message.to for message in mail.outbox] == [[world.admin.email]]
    assert str(request.public_id) in mail.outbox[0].body
    assert "Member number" in mail.outbox[0].body


def test_it_stores_a_date_in_one_form_whatever_was_typed(world):
    request = world.file(field="joined_on", value="3.2.2023")

    assert request.rectification_value == "2023-02-03"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("member_number", "   ", "Enter the correct value."),
        ("member_number", "17", "This is already the recorded value."),
        ("member_number", "x" * 21, "too long"),
        ("joined_on", "31.2.2023", "dd.mm.yyyy"),
        ("joined_on", "1.1.2999", "future"),
        ("role", "owner", "Choose one of the values offered."),
    ],
)
def test_it_refuses_a_value_that_cannot_be_right(world, field, value, message):
    with pytest.raises(RectificationError) as caught:
        world.file(field=field, value=value)

    assert message in " ".join(caught.value.messages)


def test_it_checks_email_addresses_and_phone_numbers(world):
    with pytest.raises(RectificationError):
        world.file(field="email", value="not-an-address", obj=world.contact)
    with pytest.raises(RectificationError):
        world.file(field="phone", value="12", obj=world.contact)

    request = world.file(field="phone", value="040 765 4321", obj=world.contact)
    assert request.rectification_value == "+358407654321"


def test_a_member_cannot_name_someone_elses_datum(world):
    other = add_member(world.other_organization, world.users["outsider"], member_number="5")

    with pytest.raises(RectificationError):
        rectification_file(
            world.member,
            target=f"organizations.membership:{other.pk}:member_number",
            value="6",
            details="",
            actor=world.member,
        )


@pytest.mark.parametrize(
    "target",
    [
        "",
        "organizations.membership",
        "organizations.membership:abc:member_number",
        "organizations.membership:1:status",
        "accounts.user:1:email",
        "organizations.membership:1:member_number:extra",
    ],
)
def test_a_malformed_key_is_a_clear_error(world, target):
    with pytest.raises(RectificationError):
        rectification_file(world.member, target=target, value="1", details="", actor=world.member)


def test_one_open_request_per_datum(world):
    world.file(value="A-42")

    with pytest.raises(RectificationError, match="already asked"):
        world.file(value="A-43")


# --- Deciding -------------------------------------------------------------------------------


def test_accepting_applies_the_value_with_history(world, django_capture_on_commit_callbacks):
    request = world.file(value="A-42")

    with django_capture_on_commit_callbacks(execute=True):
        decided = rectification_decide(request, accept=True, actor=world.admin)

    world.membership.refresh_from_db()
    assert world.membership.member_number == "A-42"
    assert decided.status == RequestStatus.COMPLETED
    rectified = decided.events.get(action=RequestEvent.Action.RECTIFIED)
    assert rectified.actor == world.admin
    # Stored as the datum's key and the values; read in the reader's language.
    assert (rectified.phrase, rectified.params["old"], rectified.params["new"]) == (
        "rectified",
        "17",
        "A-42",
    )
    with translation.override("en"):
        assert "17 → A-42" in rectified.text
        assert rectified.text.startswith(target_label(rectified.params["target"]))
    assert not rectified.internal, "the subject sees the correction on their request"
    entry = AuditEntry.objects.get(
        model="organizations.membership",
        object_id=str(world.membership.pk),
        action=AuditEntry.Action.CHANGED,
        changes__has_key="member_number",
    )
    assert entry.changes["member_number"] == ["17", "A-42"]
    assert entry.actor == world.admin


def test_accepting_tells_the_subject_and_the_recipients(world, django_capture_on_commit_callbacks):
    request = world.file(value="A-42")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        rectification_decide(request, accept=True, actor=world.admin)

    notice = RecipientNotice.objects.get(request=request)
    assert notice.holder == world.organization
    assert notice.sent_at is not None
    to_subject = [m for m in mail.outbox if world.member.email in m.to]
    to_admins = [m for m in mail.outbox if world.admin.email in m.to]
    assert len(to_subject) == 1
    assert "A-42" in to_subject[0].body
    assert len(to_admins) == 1
    assert "A-42" in to_admins[0].body


def test_the_decider_may_adjust_the_value(world):
    request = world.file(value="a42")

    decided = rectification_decide(request, accept=True, value="A-42", actor=world.admin)

    world.membership.refresh_from_db()
    assert world.membership.member_number == "A-42"
    assert "adjusted" in decided.response


def test_refusing_records_the_reason_and_tells_the_subject(
    world, django_capture_on_commit_callbacks
):
    request = world.file(value="A-42")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        decided = rectification_decide(
            request,
            accept=False,
            reason="Numero 17 on oikein jäsenkortin mukaan.",
            actor=world.admin,
        )

    assert decided.status == RequestStatus.REFUSED
    assert decided.refusal_reason == "Numero 17 on oikein jäsenkortin mukaan."
    world.membership.refresh_from_db()
    assert world.membership.member_number == "17"
    assert not RecipientNotice.objects.filter(request=request).exists()
    assert [m.to for m in mail.outbox] == [[world.member.email]]
    assert "Numero 17 on oikein" in mail.outbox[0].body


def test_refusing_needs_a_reason(world):
    request = world.file(value="A-42")

    with pytest.raises(RectificationError, match="reason"):
        rectification_decide(request, accept=False, reason="  ", actor=world.admin)

    request.refresh_from_db()
    assert request.is_open


def test_a_conflicting_value_changes_nothing(world):
    add_member(world.organization, world.users["outsider"], member_number="A-42")
    request = world.file(value="A-42")

    with pytest.raises(RectificationError, match="already in use"):
        rectification_decide(request, accept=True, actor=world.admin)

    world.membership.refresh_from_db()
    assert world.membership.member_number == "17"


def test_only_the_controller_or_this_organizations_admins_decide(world):
    request = world.file(value="A-42")

    for role in ("member", "other_admin", "outsider"):
        with pytest.raises(RectificationError, match="may not"):
            rectification_decide(request, accept=True, actor=world.users[role])

    decided = rectification_decide(request, accept=True, actor=world.staff)
    assert decided.status == RequestStatus.COMPLETED


def test_an_admin_does_not_decide_about_their_own_data(world):
    admin_membership = world.organization.memberships.get(user=world.admin)
    request = rectification_file(
        world.admin,
        target=f"organizations.membership:{admin_membership.pk}:member_number",
        value="1",
        details="",
        actor=world.admin,
    )

    with pytest.raises(RectificationError, match="may not"):
        rectification_decide(request, accept=True, actor=world.admin)


def test_a_decided_request_is_not_decided_again(world):
    request = world.file(value="A-42")
    rectification_decide(request, accept=True, actor=world.admin)

    with pytest.raises(RectificationError, match="already been decided"):
        rectification_decide(request, accept=False, reason="Väärin", actor=world.admin)


def test_a_correction_of_a_dated_value(world):
    request = world.file(field="joined_on", value="3.2.2023")

    rectification_decide(request, accept=True, actor=world.admin)

    world.membership.refresh_from_db()
    assert world.membership.joined_on == datetime.date(2023, 2, 3)


def test_the_role_goes_through_the_admin_rights(world):
    from organizations.permissions import is_organization_admin

    request = world.file(field="role", value="admin")

    rectification_decide(request, accept=True, actor=world.admin)

    world.membership.refresh_from_db()
    assert world.membership.role == Membership.Role.ADMIN
    assert is_organization_admin(world.member, world.organization)


def test_a_corrected_contact_person_records_the_person_as_the_source(world):
    request = world.file(field="role", value="Rahastonhoitaja", obj=world.contact)

    rectification_decide(request, accept=True, actor=world.admin)

    world.contact.refresh_from_db()
    assert world.contact.role == "Rahastonhoitaja"
    assert world.contact.source == DataSource.SUBJECT


def test_an_issued_invoice_is_never_rewritten(world):
    original = world.invoice.recipient_name
    request = world.file(field="recipient_name", value="Aino Virtanen-Korhonen", obj=world.invoice)

    decided = rectification_decide(request, accept=True, actor=world.admin)

    world.invoice.refresh_from_db()
    assert world.invoice.recipient_name == original
    world.membership.refresh_from_db()
    assert world.membership.name == "Aino Virtanen-Korhonen", "future invoices copy this"
    assert world.membership.source == DataSource.SUBJECT
    assert "not changed" in decided.response


def test_a_call_summary_is_corrected_and_the_old_text_stays_in_the_audit_trail(world):
    request = world.file(field="summary", value="Kysyi jäsenmaksusta", obj=world.call)

    rectification_decide(request, accept=True, actor=world.admin)

    world.call.refresh_from_db()
    assert world.call.summary == "Kysyi jäsenmaksusta"
    entry = AuditEntry.objects.get(
        model="communications.communicationrecord", changes__has_key="summary", action="changed"
    )
    assert entry.changes["summary"] == ["Kysyi laskusta", "Kysyi jäsenmaksusta"]


def test_a_request_by_letter_waits_for_the_identity_check(world):
    from gdpr.models import IdentityMethod, RequestChannel
    from gdpr.requests.services import request_rectification_target_set

    request = request_enter(
        kind=RequestKind.RECTIFICATION,
        channel=RequestChannel.LETTER,
        received_at=world.membership.created_at,
        subject=world.member,
        actor=world.staff,
        acknowledge=False,
    )
    request_rectification_target_set(
        request, target=world.key("member_number"), value="A-42", actor=world.staff
    )

    with pytest.raises(RectificationError, match="identity"):
        rectification_decide(request, accept=True, actor=world.staff)

    request_verify_identity(
        request, method=IdentityMethod.SIGNED_LETTER, note="Allekirjoitus", actor=world.staff
    )
    decided = rectification_decide(request, accept=True, actor=world.staff)
    assert decided.status == RequestStatus.COMPLETED
    world.membership.refresh_from_db()
    assert world.membership.member_number == "A-42"


def test_a_membership_cannot_be_corrected_to_end_before_it_began(world):
    world.membership.status = Membership.Status.ENDED
    world.membership.ended_on = datetime.date(2026, 1, 31)
    world.membership.save()
    request = world.file(field="ended_on", value="1.1.2020")

    with pytest.raises(RectificationError, match="cannot end before it began"):
        rectification_decide(request, accept=True, actor=world.admin)

    world.membership.refresh_from_db()
    assert world.membership.ended_on == datetime.date(2026, 1, 31)


def test_staff_with_a_password_alone_cannot_decide(world):
    """Deciding outside the admin asks the same of staff as the admin does."""
    request = rectification_file(
        world.member,
        target=world.key("member_number"),
        value="A-42",
        details="",
        actor=world.member,
    )
    password_only = StaffFactory(totp=False)
    assert may_decide(world.staff, request)
    assert not may_decide(password_only, request)
