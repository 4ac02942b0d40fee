"""The controller's desk through its services: each kind of request from receipt to answer,
every step logged with its actor and time, steps the state does not allow refused, and the
mail to the person in their language."""

from __future__ import annotations

import datetime
import zoneinfo

import psycopg
import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone, translation

from accounts.sources import DataSource
from communications.models import CommunicationRecord
from gdpr.exports import liveness
from gdpr.models import (
    DataExport,
    DataSubjectRequest,
    IdentityMethod,
    MarketingBan,
    ProcessingRestriction,
    RequestChannel,
    RequestEvent,
    RequestKind,
    RequestStatus,
)
from gdpr.requests import emails, services
from gdpr.requests.services import RequestError
from tests.factories import StaffFactory, UserFactory

from .factories import DataSubjectRequestFactory
from .test_exports import wait_until_released

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")
Action = RequestEvent.Action


@pytest.fixture(autouse=True)
def private_storage(monkeypatch, tmp_path) -> FileSystemStorage:
    """Letters go to a throwaway private folder instead of the project's."""
    storage = FileSystemStorage(location=tmp_path / "private", base_url=None)
    monkeypatch.setattr(DataSubjectRequest._meta.get_field("letter"), "storage", storage)
    return storage


@pytest.fixture
def controller(db):
    return StaffFactory(email="laura.controller@example.fi", preferred_language="en")


def actions(request: DataSubjectRequest) -> list[str]:
    return list(request.events.order_by("at", "pk").values_list("action", flat=True))


def file_request(subject, kind=RequestKind.ACCESS, **kwargs) -> DataSubjectRequest:
    return services.request_file(subject=subject, kind=kind, actor=subject, **kwargs)


def to_in_progress(request: DataSubjectRequest, actor) -> DataSubjectRequest:
    services.request_verify_identity(
        request, method=IdentityMethod.SIGNED_IN, note="Signed in.", actor=actor
    )
    services.request_start(request, actor=actor)
    return request


def mark_export_ready(request: DataSubjectRequest) -> DataExport:
    """Stand-in for the Celery build (gdpr.exports.services, tested on its own)."""
    now = timezone.now()
    DataExport.objects.filter(request=request).update(
        status=DataExport.Status.READY,
        progress=100,
        file="gdpr/exports/x/data.zip",
        ready_at=now,
        expires_at=now + datetime.timedelta(days=7),
    )
    return DataExport.objects.get(request=request)


# --- Access and portability ---------------------------------------------------------------


@pytest.mark.parametrize("kind", [RequestKind.ACCESS, RequestKind.PORTABILITY])
def test_it_walks_an_export_request_from_receipt_to_answer(
    member, controller, kind, django_capture_on_commit_callbacks, mailoutbox
):
    request = file_request(member, kind)
    assert request.status == RequestStatus.RECEIVED

    services.request_verify_identity(
        request, method=IdentityMethod.SIGNED_IN, note="Session.", actor=controller
    )
    assert request.status == RequestStatus.IDENTITY_VERIFIED
    assert request.identity_verified_by == controller
    assert request.identity_method == IdentityMethod.SIGNED_IN

    # The build itself is gdpr.exports.services' business: here only its start is checked.
    services.request_start(request, actor=controller)
    assert request.status == RequestStatus.IN_PROGRESS
    export = DataExport.objects.get(request=request)
    assert export.subject == member

    with pytest.raises(RequestError, match="export is not ready"):
        services.request_complete(request, response="Here it is.", actor=controller)

    mark_export_ready(request)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_complete(request, response="Here is your data.", actor=controller)

    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    assert request.response == "Here is your data."
    assert request.responded_at is not None
    assert request.closed_at is not None
    assert actions(request) == [
        Action.RECEIVED,
        Action.IDENTITY_VERIFIED,
        Action.STARTED,
        Action.EXPORT_REQUESTED,
        Action.RESPONDED,
        Action.COMPLETED,
    ]
    assert [m.to for m in mailoutbox] == [[member.email]]
    body = mailoutbox[0].body
    assert "Here is your data." in body
    assert f"/exports/{export.pk}/download/" in body


def test_a_failed_export_is_queued_again_by_the_controller(member, controller):
    request = file_request(member)
    to_in_progress(request, controller)
    with pytest.raises(RequestError, match="Only a failed or stalled export"):
        services.request_export_retry(request, actor=controller)
    DataExport.objects.filter(request=request).update(status=DataExport.Status.FAILED)
    services.request_export_retry(request, actor=controller)
    retried = request.events.filter(action=Action.EXPORT_REQUESTED).order_by("pk")
    assert [e.actor for e in retried] == [controller, controller]


def test_an_export_that_never_started_is_queued_again_by_the_controller(member, controller):
    """The broker lost the build (or it waits in the outbox): after a while the desk may
    queue it once more."""
    request = file_request(member)
    to_in_progress(request, controller)
    export = DataExport.objects.get(request=request)
    assert export.status == DataExport.Status.PENDING
    DataExport.objects.filter(pk=export.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    services.request_export_retry(request, actor=controller)
    assert request.events.filter(action=Action.EXPORT_REQUESTED).count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks")
def test_an_export_left_running_by_a_dead_worker_is_queued_again(member, controller):
    request = file_request(member)
    to_in_progress(request, controller)
    export = DataExport.objects.get(request=request)
    DataExport.objects.filter(pk=export.pk).update(
        status=DataExport.Status.RUNNING, started_at=timezone.now(), progress=88
    )
    other = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    try:
        # A live build holds the export's lock: nothing to retry.
        other.execute("SELECT pg_advisory_lock(%s)", [liveness._key(export.pk)])
        with pytest.raises(RequestError, match="Only a failed or stalled export"):
            services.request_export_retry(request, actor=controller)
    finally:
        other.close()  # the worker died
    wait_until_released(export.pk)
    services.request_export_retry(request, actor=controller)
    assert request.events.filter(action=Action.EXPORT_REQUESTED).count() == 2


def test_every_step_is_logged_with_its_actor_and_time(member, controller):
    handler = StaffFactory(email="henna.handler@example.fi")
    request = file_request(member)
    with time_machine.travel(datetime.datetime(2026, 11, 3, 9, 0, tzinfo=HELSINKI), tick=False):
        services.request_assign(request, handler=handler, actor=controller)
        services.request_note(request, note="Called the person.", actor=handler)
        services.request_verify_identity(
            request, method=IdentityMethod.PHONE_CALLBACK, note="Called back.", actor=handler
        )
        services.request_extend(
            request, months=1, reason="Many requests.", actor=handler, told_by="phone"
        )
        services.request_start(request, actor=handler)
    steps = list(request.events.exclude(action=Action.RECEIVED).order_by("pk"))
    assert [s.action for s in steps] == [
        Action.ASSIGNED,
        Action.NOTE,
        Action.IDENTITY_VERIFIED,
        Action.EXTENDED,
        Action.EXTENSION_NOTIFIED,
        Action.STARTED,
        Action.EXPORT_REQUESTED,
    ]
    assert [s.actor for s in steps] == [controller] + [handler] * 6
    moment = datetime.datetime(2026, 11, 3, 9, 0, tzinfo=HELSINKI)
    assert all(s.at == moment for s in steps)
    # What the person may see and what stays with the controller's staff.
    internal = {s.action: s.internal for s in steps}
    assert internal[Action.NOTE] is True
    assert internal[Action.ASSIGNED] is True
    assert internal[Action.IDENTITY_VERIFIED] is False
    received = request.events.get(action=Action.RECEIVED)
    assert received.actor == member
    assert received.at == request.received_at


# --- Objection to direct marketing --------------------------------------------------------


def test_an_objection_entered_by_letter_bans_the_channels_named_when_started(
    member, controller, private_storage
):
    request = services.request_enter(
        kind=RequestKind.OBJECTION,
        channel=RequestChannel.LETTER,
        received_at=timezone.now() - datetime.timedelta(days=3),
        subject=member,
        details="No more marketing mail or text messages.",
        marketing_channels=["email", "sms"],
        actor=controller,
    )
    assert not MarketingBan.objects.filter(user=member).exists()
    services.request_verify_identity(
        request, method=IdentityMethod.SIGNED_LETTER, note="Signature matches.", actor=controller
    )
    services.request_start(request, actor=controller)

    bans = MarketingBan.objects.filter(user=member, lifted_at__isnull=True)
    assert sorted(b.channel for b in bans) == ["email", "sms"]
    assert {b.source for b in bans} == {DataSource.CONTROLLER}
    banned = request.events.get(action=Action.MARKETING_BANNED)
    assert banned.actor == controller

    services.request_complete(request, response="Done.", actor=controller)
    assert request.status == RequestStatus.COMPLETED


def test_an_objection_naming_no_channel_bans_them_all(member, controller):
    request = file_request(member, RequestKind.OBJECTION)
    to_in_progress(request, controller)
    assert MarketingBan.objects.filter(user=member, lifted_at__isnull=True).count() == 4


def test_an_objection_from_someone_without_an_account_suppresses_the_address(controller):
    from gdpr.keys import email_key
    from gdpr.models import Suppression

    request = services.request_enter(
        kind=RequestKind.OBJECTION,
        channel=RequestChannel.EMAIL,
        received_at=timezone.now(),
        subject=None,
        subject_email="Ei.Markkinointia@example.fi",
        actor=controller,
        acknowledge=False,
    )
    to_in_progress(request, controller)
    entry = Suppression.objects.get()
    assert entry.channel == "email"
    assert entry.key == email_key("ei.markkinointia@example.fi")
    assert request.events.filter(action=Action.MARKETING_BANNED).count() == 1
    services.request_complete(request, response="Done.", actor=controller)
    assert request.status == RequestStatus.COMPLETED


def test_a_members_own_objection_is_not_banned_twice(member, controller):
    from gdpr.requests.member import member_request_file

    request = member_request_file(member, kind=RequestKind.OBJECTION, marketing_channels=["post"])
    to_in_progress(request, controller)
    assert MarketingBan.objects.filter(user=member).count() == 1
    assert request.events.filter(action=Action.MARKETING_BANNED).count() == 1


# --- Restriction --------------------------------------------------------------------------


def test_a_restriction_is_applied_on_start_and_lifted_with_notice(
    member, controller, django_capture_on_commit_callbacks, mailoutbox
):
    request = file_request(member, RequestKind.RESTRICTION, details="My data is wrong.")
    with pytest.raises(RequestError, match="Only a restriction"):
        services.restriction_apply(DataSubjectRequestFactory(subject=member), actor=controller)
    with pytest.raises(RequestError, match="not possible"):
        services.restriction_apply(request, actor=controller)  # identity not yet verified
    to_in_progress(request, controller)

    restriction = ProcessingRestriction.objects.get(user=member, lifted_at__isnull=True)
    assert restriction.request == request
    assert restriction.reason == "My data is wrong."
    assert request.events.get(action=Action.RESTRICTED).actor == controller
    # Applying again returns the same restriction.
    assert services.restriction_apply(request, actor=controller) == restriction

    services.request_complete(request, response="Restricted.", actor=controller)

    with django_capture_on_commit_callbacks(execute=True):
        services.restriction_lift(restriction, actor=controller)
    restriction.refresh_from_db()
    assert restriction.lifted_at is not None
    assert request.events.filter(action=Action.RESTRICTION_LIFTED, actor=controller).exists()
    assert [m.to for m in mailoutbox] == [[member.email]]
    assert "18 art. 3 kohta" in mailoutbox[0].body  # in the person's language, Finnish

    with pytest.raises(RequestError, match="already been lifted"):
        services.restriction_lift(restriction, actor=controller)


# --- Erasure and rectification need their own step first ---------------------------------


def test_an_erasure_is_completed_only_after_it_was_executed(
    member, controller, django_capture_on_commit_callbacks, mailoutbox
):
    request = file_request(member, RequestKind.ERASURE)
    to_in_progress(request, controller)
    with pytest.raises(RequestError, match="Execute the erasure"):
        services.request_complete(request, response="Erased.", actor=controller)

    # Stand-in for gdpr.erasure.services.erasure_execute, which logs this step (and blanks the
    # address on the request): the answer goes where it was before.
    services.request_event_log(request, Action.ERASURE_EXECUTED, actor=controller)
    DataSubjectRequest.objects.filter(pk=request.pk).update(subject_email="", subject_name="")
    member_email = member.email
    member.email = "erased-1@invalid"
    member.save(update_fields=["email"])

    with django_capture_on_commit_callbacks(execute=True):
        services.request_complete(
            request,
            response="Your data has been erased.",
            actor=controller,
            notify_to=member_email,
            notify_language="fi",
        )
    assert request.status == RequestStatus.COMPLETED
    assert [m.to for m in mailoutbox] == [[member_email]]
    # No communication record brings the erased address back.
    assert not CommunicationRecord.objects.filter(counterpart=member_email).exists()


def test_a_rectification_is_completed_by_its_decision_not_directly(member, controller):
    request = file_request(member, RequestKind.RECTIFICATION)
    to_in_progress(request, controller)
    with pytest.raises(RequestError, match="Decide the rectification"):
        services.request_complete(request, response="Corrected.", actor=controller)


# --- Refusal ------------------------------------------------------------------------------


@pytest.mark.parametrize("steps", [0, 1, 2])
def test_a_request_can_be_refused_from_any_open_status(
    member, controller, steps, django_capture_on_commit_callbacks, mailoutbox
):
    request = file_request(member, RequestKind.ERASURE)
    if steps >= 1:
        services.request_verify_identity(
            request, method=IdentityMethod.SIGNED_IN, note="", actor=controller
        )
    if steps >= 2:
        services.request_start(request, actor=controller)

    with django_capture_on_commit_callbacks(execute=True):
        services.request_refuse(
            request, reason="An unpaid invoice is in collection.", actor=controller
        )

    request.refresh_from_db()
    assert request.status == RequestStatus.REFUSED
    assert request.refusal_reason == "An unpaid invoice is in collection."
    assert request.closed_at is not None
    assert actions(request)[-2:] == [Action.RESPONDED, Action.REFUSED]
    assert request.events.get(action=Action.REFUSED).note == "An unpaid invoice is in collection."
    body = mailoutbox[0].body
    assert "An unpaid invoice is in collection." in body
    assert "tietosuojavaltuutetulle" in body
    assert "tuomioistuimen" in body


def test_refusing_needs_the_grounds(member, controller):
    request = file_request(member)
    with pytest.raises(RequestError, match="grounds"):
        services.request_refuse(request, reason="  ", actor=controller)
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED


# --- Steps the state does not allow -------------------------------------------------------


def test_it_refuses_steps_out_of_order(member, controller):
    request = file_request(member)
    with pytest.raises(RequestError, match="not possible"):
        services.request_start(request, actor=controller)
    with pytest.raises(RequestError, match="not possible"):
        services.request_complete(request, response="Done.", actor=controller)
    services.request_verify_identity(
        request, method=IdentityMethod.SIGNED_IN, note="", actor=controller
    )
    with pytest.raises(RequestError, match="not possible"):
        services.request_verify_identity(
            request, method=IdentityMethod.SIGNED_IN, note="", actor=controller
        )
    with pytest.raises(RequestError, match="not possible"):
        services.request_complete(request, response="Done.", actor=controller)
    request.refresh_from_db()
    assert request.status == RequestStatus.IDENTITY_VERIFIED
    assert actions(request) == [Action.RECEIVED, Action.IDENTITY_VERIFIED]


@pytest.mark.parametrize("closing", ["refuse", "complete"])
def test_a_closed_request_takes_no_further_step(member, controller, closing):
    request = file_request(member, RequestKind.OBJECTION)
    to_in_progress(request, controller)
    if closing == "refuse":
        services.request_refuse(request, reason="Not the person.", actor=controller)
    else:
        services.request_complete(request, response="Done.", actor=controller)
    status = request.status
    before = actions(request)

    attempts = [
        lambda: services.request_verify_identity(
            request, method=IdentityMethod.SIGNED_IN, note="", actor=controller
        ),
        lambda: services.request_start(request, actor=controller),
        lambda: services.request_complete(request, response="Again.", actor=controller),
        lambda: services.request_refuse(request, reason="Again.", actor=controller),
        lambda: services.request_extend(request, months=1, reason="More.", actor=controller),
        lambda: services.request_assign(request, handler=controller, actor=controller),
    ]
    for attempt in attempts:
        with pytest.raises(RequestError, match="closed"):
            attempt()
    request.refresh_from_db()
    assert request.status == status
    assert actions(request) == before

    # An internal note is still possible (a later call from the person).
    services.request_note(request, note="The person called to thank us.", actor=controller)
    assert actions(request) == [*before, Action.NOTE]


def test_it_refuses_a_step_given_a_stale_copy(member, controller):
    """The row is locked and re-read: an out-of-date instance cannot move it twice."""
    request = file_request(member)
    stale = DataSubjectRequest.objects.get(pk=request.pk)
    services.request_verify_identity(
        request, method=IdentityMethod.SIGNED_IN, note="", actor=controller
    )
    with pytest.raises(RequestError, match="not possible"):
        services.request_verify_identity(
            stale, method=IdentityMethod.KNOWN_EMAIL, note="", actor=controller
        )
    request.refresh_from_db()
    assert request.identity_method == IdentityMethod.SIGNED_IN


def test_it_checks_what_each_step_needs(member, controller):
    request = file_request(member)
    with pytest.raises(RequestError, match="how the person's identity"):
        services.request_verify_identity(request, method="passport_copy", actor=controller)
    with pytest.raises(RequestError, match="staff"):
        services.request_assign(request, handler=member, actor=controller)
    with pytest.raises(RequestError, match="Write the note"):
        services.request_note(request, note=" ", actor=controller)
    with pytest.raises(RequestError, match="reasons"):
        services.request_extend(request, months=1, reason="", actor=controller)
    to_in_progress(request, controller)
    mark_export_ready(request)
    with pytest.raises(RequestError, match="Write the answer"):
        services.request_complete(request, response="", actor=controller)
    assert request.status == RequestStatus.IN_PROGRESS


def test_assigning_to_the_same_handler_logs_nothing_new(member, controller):
    request = file_request(member)
    services.request_assign(request, handler=controller, actor=controller)
    services.request_assign(request, handler=controller, actor=controller)
    assert request.handler == controller
    assert actions(request).count(Action.ASSIGNED) == 1
    # The handler is a key, not a name copied into the note (erasure could not reach it).
    step = request.events.get(action=Action.ASSIGNED)
    assert (step.assignee, step.note) == (controller, "")
    services.request_assign(request, handler=None, actor=controller)
    request.refresh_from_db()
    assert request.handler is None


# --- Entering a request that came by letter, email or phone ------------------------------


def test_the_controller_enters_a_letter_with_its_receipt_date(
    controller, private_storage, django_capture_on_commit_callbacks, mailoutbox
):
    received = datetime.datetime(2026, 10, 30, 14, 0, tzinfo=HELSINKI)
    letter = SimpleUploadedFile("kirje.pdf", b"%PDF-1.4 signed letter", "application/pdf")
    with (
        time_machine.travel(datetime.datetime(2026, 11, 5, 10, 0, tzinfo=HELSINKI)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        request = services.request_enter(
            kind=RequestKind.ACCESS,
            channel=RequestChannel.LETTER,
            received_at=received,
            subject=None,
            subject_name="Kalle Kirjoittaja",
            subject_email="kalle@example.fi",
            details="Mitä tietoja minusta on?",
            letter=letter,
            actor=controller,
        )
    request.refresh_from_db()
    assert request.channel == RequestChannel.LETTER
    assert request.received_at == received
    # 30.11.2026 is a Monday: one month from the receipt, not from the entry.
    assert request.due_on == datetime.date(2026, 11, 30)
    assert request.created_by == controller
    assert private_storage.exists(request.letter.name)
    assert request.letter.name.startswith("gdpr/letters/2026/11/")
    received_step = request.events.get(action=Action.RECEIVED)
    assert (received_step.actor, received_step.at) == (controller, received)
    # The acknowledgement names the deadline.
    assert [m.to for m in mailoutbox] == [["kalle@example.fi"]]
    assert "30.11.2026" in mailoutbox[0].body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"channel": RequestChannel.WEB}, "channel"),
        ({"received_at": timezone.now() + datetime.timedelta(days=2)}, "received_at"),
        ({"subject": None, "subject_email": ""}, "subject_email"),
        ({"marketing_channels": ["fax"]}, "marketing_channels"),
    ],
)
def test_entering_refuses_what_cannot_be_right(member, controller, overrides, field):
    values = {
        "kind": RequestKind.OBJECTION,
        "channel": RequestChannel.PHONE,
        "received_at": timezone.now(),
        "subject": member,
        "actor": controller,
    } | overrides
    with pytest.raises(RequestError) as error:
        services.request_enter(**values)
    assert field in error.value.message_dict
    assert not DataSubjectRequest.objects.exists()


def test_the_letter_is_deleted_from_storage_after_the_commit(
    member, controller, private_storage, django_capture_on_commit_callbacks
):
    request = services.request_enter(
        kind=RequestKind.ERASURE,
        channel=RequestChannel.LETTER,
        received_at=timezone.now(),
        subject=member,
        letter=ContentFile(b"%PDF signed", name="letter.pdf"),
        actor=controller,
        acknowledge=False,
    )
    name = request.letter.name
    assert private_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_delete_letter(request, actor=controller)
    assert not private_storage.exists(name)
    request.refresh_from_db()
    assert not request.letter
    assert request.events.get(action=Action.LETTER_DELETED).actor == controller
    with pytest.raises(RequestError, match="no letter"):
        services.request_delete_letter(request, actor=controller)


# --- Mail to the person -------------------------------------------------------------------


def test_the_extension_mail_gives_the_reasons_and_the_new_deadline(
    member, controller, django_capture_on_commit_callbacks, mailoutbox
):
    received = datetime.datetime(2026, 1, 31, 12, 0, tzinfo=HELSINKI)
    request = DataSubjectRequestFactory(
        subject=member, received_at=received, due_on=services.request_due_on(received)
    )
    with (
        time_machine.travel(datetime.datetime(2026, 2, 10, 12, 0, tzinfo=HELSINKI)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.request_extend(
            request, months=2, reason="Records from three clubs.", actor=controller
        )
    assert request.extended_due_on == datetime.date(2026, 4, 30)
    message = mailoutbox[0]
    assert message.to == [member.email]
    assert "Records from three clubs." in message.body
    assert "30.4.2026" in message.body
    # Recorded once the mail has left, not when it was queued.
    notified = request.events.get(action=Action.EXTENSION_NOTIFIED)
    assert notified.note == member.email
    request.refresh_from_db()
    assert request.extension_notified_at is not None


def test_an_extension_is_not_recorded_as_told_until_the_mail_leaves(
    member, controller, django_capture_on_commit_callbacks, monkeypatch
):
    from django.core.mail import EmailMessage

    def refuse(self, *args, **kwargs):
        raise OSError("SMTP down")

    from gdpr.requests.emails import send_subject_email

    monkeypatch.setattr(EmailMessage, "send", refuse)
    monkeypatch.setattr(send_subject_email, "max_retries", 0)  # the last retry, at once
    request = file_request(member)
    with pytest.raises(OSError), django_capture_on_commit_callbacks(execute=True):
        services.request_extend(request, months=1, reason="Many requests.", actor=controller)
    request.refresh_from_db()
    assert request.extended_due_on is not None
    assert request.extension_notified_at is None
    assert not request.events.filter(action=Action.EXTENSION_NOTIFIED).exists()
    failed = request.events.get(action=Action.MAIL_FAILED)
    assert failed.internal and "SMTP down" in failed.note


def test_someone_without_an_address_is_told_of_an_extension_by_letter(
    controller, django_capture_on_commit_callbacks, mailoutbox
):
    request = services.request_file(
        subject=None,
        kind=RequestKind.ACCESS,
        actor=controller,
        channel=RequestChannel.LETTER,
        subject_name="Kirje Kirjoittaja",
    )
    with pytest.raises(RequestError, match="by letter or phone"):
        services.request_extend(request, months=1, reason="Laaja.", actor=controller)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_extend(
            request,
            months=1,
            reason="Laaja.",
            actor=controller,
            told_by="letter",
            told_note="Kirje postitettu 3.12.",
        )
    assert mailoutbox == []
    assert request.extension_notified_at is not None
    told = request.events.get(action=Action.EXTENSION_NOTIFIED)
    assert told.actor == controller
    assert told.note.endswith("Kirje postitettu 3.12.")


def test_no_mail_leaves_before_the_step_commits(member, controller, mailoutbox):
    request = file_request(member)
    services.request_refuse(request, reason="No grounds.", actor=controller)
    # Outside django_capture_on_commit_callbacks the test's transaction never commits.
    assert mailoutbox == []


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_mail_is_written_in_the_persons_language(
    controller, language, monkeypatch, django_capture_on_commit_callbacks, mailoutbox
):
    person = UserFactory(preferred_language=language)
    rendered_in: list[str] = []
    real_render = emails.render_to_string

    def recording_render(*args, **kwargs):
        rendered_in.append(translation.get_language())
        return real_render(*args, **kwargs)

    monkeypatch.setattr(emails, "render_to_string", recording_render)
    request = file_request(person)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.request_refuse(request, reason="No.", actor=controller)
    assert rendered_in == [language, language]
    assert len(mailoutbox) == 1


def test_the_person_without_an_account_is_mailed_in_the_default_language(
    controller, monkeypatch, settings
):
    request = DataSubjectRequestFactory(subject=None, subject_email="x@example.fi")
    assert emails.subject_language(request) == settings.LANGUAGE_CODE
    assert emails.subject_address(request) == "x@example.fi"


def test_each_mail_is_logged_as_a_communication_record(
    member, controller, django_capture_on_commit_callbacks
):
    request = file_request(member)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_refuse(request, reason="Not the person.", actor=controller)
    record = CommunicationRecord.objects.get(subject=member)
    assert record.channel == CommunicationRecord.Channel.EMAIL
    assert record.direction == CommunicationRecord.Direction.OUTGOING
    assert record.counterpart == member.email
    assert record.related_object == f"gdpr.datasubjectrequest:{request.pk}"
    assert record.subject_line


def test_the_account_address_wins_over_the_one_given(controller, mailoutbox):
    person = UserFactory(email="new@example.fi")
    request = DataSubjectRequestFactory(subject=person, subject_email="old@example.fi")
    assert emails.subject_address(request) == "new@example.fi"


def test_an_objection_to_processing_is_answered_or_refused_on_its_grounds(member, controller):
    """Art. 21(1): the controller weighs the grounds; either answer closes the request."""
    stopped = file_request(member, RequestKind.PROCESSING_OBJECTION, details="Calls logged.")
    to_in_progress(stopped, controller)
    services.request_complete(stopped, response="Calls are no longer logged.", actor=controller)
    assert stopped.status == RequestStatus.COMPLETED
    kept = file_request(member, RequestKind.PROCESSING_OBJECTION, details="Invoices.")
    to_in_progress(kept, controller)
    services.request_refuse(
        kept, reason="The invoices are needed to collect an open claim.", actor=controller
    )
    assert kept.status == RequestStatus.REFUSED


def test_a_failed_extension_notice_is_sent_again_or_told_by_letter(
    member, controller, django_capture_on_commit_callbacks, monkeypatch, mailoutbox
):
    from django.core.mail import EmailMessage

    from gdpr.requests.emails import send_subject_email

    send = EmailMessage.send

    def refuse(self, *args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    monkeypatch.setattr(send_subject_email, "max_retries", 0)
    request = file_request(member)
    with pytest.raises(OSError), django_capture_on_commit_callbacks(execute=True):
        services.request_extend(request, months=2, reason="Many requests.", actor=controller)
    monkeypatch.setattr(EmailMessage, "send", send)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_extension_tell(request, told_by="email", actor=controller)
    request.refresh_from_db()
    assert request.extension_notified_at is not None
    assert "Many requests." in mailoutbox[-1].body
    with pytest.raises(RequestError, match="no extension"):
        services.request_extension_tell(request, told_by="letter", actor=controller)


def test_an_executed_erasures_outcome_reads_as_sentences(member, controller):
    from gdpr.erasure import services as erasure

    request = file_request(member, RequestKind.ERASURE)
    to_in_progress(request, controller)
    erasure.erasure_execute(request, actor=controller)
    request.refresh_from_db()
    with translation.override("en"):
        lines = erasure.outcome_lines(request.outcome)
    assert lines[0].startswith("Erased on ")
    assert any(line.startswith("Deleted: ") for line in lines)
    assert lines[-1] == "Recipients told of the erasure (Art. 19): 0."
    # The keyed hashes kept for redaction are not for reading.
    for key in request.outcome["redaction_keys"]:
        assert not any(key in line for line in lines)
    assert erasure.outcome_lines({}) == []
