"""Notices to recipients (Art. 19): who received a person's data, and telling them."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from gdpr.disclosures.recipient_notices import (
    RecipientNoticeError,
    notify_recipients,
    recipient_notices_for,
    recipients_of,
)
from gdpr.disclosures.services import disclosure_record
from gdpr.models import (
    Disclosure,
    RecipientNotice,
    RequestEvent,
    RequestKind,
    RequestStatus,
)
from organizations.models import ContactPerson, Membership
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .factories import DataSubjectRequestFactory
from .test_rectification_world import World, build_world

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def world() -> World:
    return build_world()


def disclose(world: World, *, name: str, categories=("membership",), **overrides) -> Disclosure:
    today = timezone.localdate()
    data = {
        "kind": Disclosure.Kind.PARTNER,
        "recipient_name": name,
        "recipient_email": f"privacy@{name.split()[0].lower()}.example",
        "purpose": "Vakuutustarjous",
        "legal_basis": "Sopimus",
        "categories": list(categories),
        "starts_on": today - datetime.timedelta(days=30),
        "ends_on": today + datetime.timedelta(days=300),
        "subjects": [world.member],
        "actor": world.staff,
    }
    return disclosure_record(**(data | overrides))


@pytest.fixture
def wide_world(world) -> World:
    """The member also left a club, is the contact person of a third (by address only),
    and their data went to a partner, an authority, and (later) to another partner."""
    former = organization_with_admin(UserFactory(), name="Aavasaksan Ilmailijat ry")
    former.email = "hallitus@aavasaksa.example"
    former.save()
    add_member(former, world.member, status=Membership.Status.ENDED)
    world.third_admin = UserFactory(email="tiina.third@example.fi")
    third = organization_with_admin(world.third_admin, name="Turun Lentokoulu Oy")
    ContactPerson.objects.create(
        organization=third, name="Aino Virtanen", email=world.member.email.upper()
    )
    today = timezone.localdate()
    disclose(world, name="Lentovakuutus Oy")
    disclose(
        world,
        name="Liikenne- ja viestintävirasto",
        kind=Disclosure.Kind.AUTHORITY,
        legal_basis="Ilmailulaki 2:9",
        recipient_email="",
        starts_on=today - datetime.timedelta(days=400),
        ends_on=today - datetime.timedelta(days=300),
        categories=("membership", "invoicing"),
    )
    disclose(
        world,
        name="Tuleva Kumppani Oy",
        starts_on=today + datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=100),
    )
    disclose(world, name="Muiden Kumppani Oy", subjects=[world.users["outsider"]])
    return world


# --- Who received the data --------------------------------------------------------------


def test_it_lists_organizations_and_disclosures_that_began(wide_world):
    found = [(r.kind, r.name, r.reason) for r in recipients_of(wide_world.member)]

    assert found == [
        ("organization", "Aavasaksan Ilmailijat ry", "Former member"),
        ("organization", "Malmin Ilmailukerho ry", "Member, Contact person"),
        ("organization", "Turun Lentokoulu Oy", "Contact person"),
        ("partner", "Lentovakuutus Oy", "Vakuutustarjous"),
        ("authority", "Liikenne- ja viestintävirasto", "Vakuutustarjous"),
    ]


def test_it_writes_to_the_organization_or_else_its_admins(wide_world):
    by_name = {r.name: r for r in recipients_of(wide_world.member)}

    assert [a.email for a in by_name["Aavasaksan Ilmailijat ry"].addresses] == [
        "hallitus@aavasaksa.example"
    ]
    assert [a.email for a in by_name["Malmin Ilmailukerho ry"].addresses] == [
        wide_world.admin.email
    ]
    assert by_name["Malmin Ilmailukerho ry"].addresses[0].language == "en"
    assert by_name["Malmin Ilmailukerho ry"].email == "", "an admin's address is not kept"
    assert by_name["Liikenne- ja viestintävirasto"].addresses == ()


def test_the_person_is_never_written_to_as_an_admin(world):
    admin_membership = world.organization.memberships.get(user=world.admin)
    by_name = {r.name: r for r in recipients_of(world.admin)}

    assert admin_membership.role == Membership.Role.ADMIN
    assert by_name["Malmin Ilmailukerho ry"].addresses == ()


def test_finding_the_recipients_costs_the_same_however_many(
    wide_world, django_assert_max_num_queries
):
    for n in range(5):
        organization = organization_with_admin(UserFactory(), name=f"Kerho {n} ry")
        add_member(organization, wide_world.member)
        disclose(wide_world, name=f"Kumppani{n} Oy")

    with django_assert_max_num_queries(4):
        found = recipients_of(wide_world.member)

    assert len(found) == 15


# --- Telling them -------------------------------------------------------------------------


def erasure(world: World):
    return DataSubjectRequestFactory(
        kind=RequestKind.ERASURE, subject=world.member, status=RequestStatus.IN_PROGRESS
    )


def test_an_erasure_goes_to_every_recipient(wide_world, django_capture_on_commit_callbacks):
    request = erasure(wide_world)

    with django_capture_on_commit_callbacks(execute=True):
        notices = notify_recipients(request, actor=wide_world.staff)

    assert [n.recipient_name for n in notices] == [
        "Aavasaksan Ilmailijat ry",
        "Malmin Ilmailukerho ry",
        "Turun Lentokoulu Oy",
        "Lentovakuutus Oy",
        "Liikenne- ja viestintävirasto",
    ]
    assert sorted(address for m in mail.outbox for address in m.to) == sorted(
        [
            "hallitus@aavasaksa.example",
            wide_world.admin.email,
            wide_world.third_admin.email,
            "privacy@lentovakuutus.example",
        ]
    )
    body = next(m.body for m in mail.outbox if "privacy@lentovakuutus.example" in m.to)
    assert "Aino Virtanen" in body
    assert "Poistakaa myös meiltä saamanne tiedot"  # the default language in body
    stored = {n.recipient_name: n for n in RecipientNotice.objects.filter(request=request)}
    assert stored["Lentovakuutus Oy"].sent_at is not None
    assert stored["Lentovakuutus Oy"].recipient_email == "privacy@lentovakuutus.example"
    assert stored["Lentovakuutus Oy"].disclosure is not None
    assert stored["Malmin Ilmailukerho ry"].holder == wide_world.organization
    assert stored["Liikenne- ja viestintävirasto"].sent_at is None
    assert stored["Liikenne- ja viestintävirasto"].error == "No address to send the notice to."
    event = request.events.get(action=RequestEvent.Action.RECIPIENTS_NOTIFIED)
    assert event.actor == wide_world.staff
    assert "Lentovakuutus Oy" in event.note
    assert not event.internal


def test_it_tells_each_recipient_only_once(world, django_capture_on_commit_callbacks):
    request = erasure(world)
    with django_capture_on_commit_callbacks(execute=True):
        first = notify_recipients(request, actor=world.staff)

    with django_capture_on_commit_callbacks(execute=True):
        second = notify_recipients(request, actor=world.staff)

    assert [n.pk for n in second] == [n.pk for n in first]
    assert len(mail.outbox) == 1
    assert request.events.filter(action=RequestEvent.Action.RECIPIENTS_NOTIFIED).count() == 1


def test_nothing_is_sent_before_the_step_commits(world, django_capture_on_commit_callbacks):
    request = erasure(world)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify_recipients(request, actor=world.staff)

    assert mail.outbox == []
    assert len(callbacks) == 1


def test_a_failed_send_is_recorded(world, django_capture_on_commit_callbacks):
    request = erasure(world)

    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("SMTP down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notify_recipients(request, actor=world.staff)

    notice = RecipientNotice.objects.get(request=request)
    assert notice.sent_at is None
    assert notice.error == "SMTP down"


def test_a_restriction_says_so(world, django_capture_on_commit_callbacks):
    request = DataSubjectRequestFactory(
        kind=RequestKind.RESTRICTION, subject=world.member, status=RequestStatus.IN_PROGRESS
    )

    with django_capture_on_commit_callbacks(execute=True):
        notify_recipients(request, actor=world.staff)

    assert "restrict the processing" in mail.outbox[0].body


@pytest.mark.parametrize(
    "kind",
    [RequestKind.ACCESS, RequestKind.PORTABILITY, RequestKind.OBJECTION],
)
def test_other_requests_tell_nobody(world, kind):
    request = DataSubjectRequestFactory(kind=kind, subject=world.member)

    with pytest.raises(RecipientNoticeError):
        notify_recipients(request, actor=world.staff)

    assert not RecipientNotice.objects.exists()


def test_a_request_without_an_account_has_nobody_to_tell(world):
    request = DataSubjectRequestFactory(kind=RequestKind.ERASURE, subject=None)

    assert notify_recipients(request, actor=world.staff) == []
    step = request.events.get(action=RequestEvent.Action.RECIPIENTS_NOTIFIED)
    assert (step.phrase, step.note) == ("recipients_none", "")
    with translation.override("en"):
        assert step.text == "Nobody had received this data."


def test_a_correction_goes_only_to_those_who_got_that_datum(
    wide_world, django_capture_on_commit_callbacks
):
    from gdpr.rectification.services import rectification_decide

    disclose(wide_world, name="Laskutuskumppani Oy", categories=("invoicing",))
    request = wide_world.file(value="A-42")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        rectification_decide(request, accept=True, actor=wide_world.admin)

    names = [n.recipient_name for n in RecipientNotice.objects.filter(request=request)]
    assert names == ["Malmin Ilmailukerho ry", "Lentovakuutus Oy", "Liikenne- ja viestintävirasto"]
    partner_mail = next(m for m in mail.outbox if "privacy@lentovakuutus.example" in m.to)
    # A partner is written to in the service's default language.
    with translation.override("fi"):
        assert translation.gettext("Member number") in partner_mail.body
    assert "A-42" in partner_mail.body


def test_a_correction_held_by_the_controller_goes_to_no_organization(
    world, django_capture_on_commit_callbacks
):
    from communications import services as communications
    from communications.models import CommunicationRecord
    from gdpr.rectification.services import rectification_decide

    call = communications.communication_record(
        organization=None,
        subject=world.member,
        channel=CommunicationRecord.Channel.PHONE,
        direction=CommunicationRecord.Direction.INCOMING,
        summary="Soitti rekisteristä",
        actor=world.staff,
    )
    request = world.file(field="summary", value="Soitti laskusta", obj=call)
    assert request.holder is None

    with django_capture_on_commit_callbacks(execute=True):
        rectification_decide(request, accept=True, actor=world.staff)

    assert not RecipientNotice.objects.filter(request=request).exists()


def test_a_restriction_applied_on_the_desk_tells_the_recipients(world):
    from gdpr.models import IdentityMethod
    from gdpr.requests.services import request_verify_identity, restriction_apply

    request = DataSubjectRequestFactory(kind=RequestKind.RESTRICTION, subject=world.member)
    request_verify_identity(request, method=IdentityMethod.SIGNED_IN, actor=world.staff)

    restriction_apply(request, actor=world.staff)

    assert RecipientNotice.objects.filter(request=request).count() == 1


# --- Shown to the person ------------------------------------------------------------------


def test_the_person_sees_who_was_told(wide_world, django_capture_on_commit_callbacks):
    request = erasure(wide_world)
    with django_capture_on_commit_callbacks(execute=True):
        notify_recipients(request, actor=wide_world.staff)

    html = render_to_string(
        "gdpr/_recipients.html", {"recipient_notices": recipient_notices_for(request)}
    )

    assert "Lentovakuutus Oy" in html
    assert "Malmin Ilmailukerho ry" in html
    assert "Could not be reached" in html
    assert wide_world.admin.email not in html


def test_the_list_says_when_nobody_was_told():
    html = render_to_string("gdpr/_recipients.html", {"recipient_notices": []})

    assert "Nobody is to be told" in html


def test_an_erasure_notice_survives_the_person_going_in_the_same_step(
    django_capture_on_commit_callbacks,
):
    person = UserFactory(first_name="Eero", last_name="Erased", preferred_language="en")
    admin = UserFactory(preferred_language="en")
    add_member(organization_with_admin(admin, name="Kerho ry"), person)
    request = DataSubjectRequestFactory(
        kind=RequestKind.ERASURE, subject=person, status=RequestStatus.IN_PROGRESS
    )

    with django_capture_on_commit_callbacks(execute=True):
        notify_recipients(request, actor=None)
        person.delete()

    assert [m.to for m in mail.outbox] == [[admin.email]]
    assert "Eero Erased" in mail.outbox[0].body
    assert RecipientNotice.objects.get(request=request).sent_at is not None
