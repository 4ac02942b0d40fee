"""The state machine of a data-subject request (gdpr.requests.states): the table, step by
step and status by status, what each step needs of the request beyond its status, and that
the desk's buttons and the services' refusals say the same."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from gdpr.models import (
    AuditEntry,
    DataExport,
    DataSubjectRequest,
    IdentityMethod,
    RequestChannel,
    RequestKind,
    RequestStatus,
)
from gdpr.requests import services, states
from gdpr.requests.services import RequestError
from gdpr.requests.states import Step
from tests.factories import StaffFactory, UserFactory

from .factories import DataSubjectRequestFactory

pytestmark = pytest.mark.usefixtures("english")

# Written out again here on purpose: the table is checked against what the law and the
# desk's handbook say, not against itself.
ALL_STATUSES = set(RequestStatus.values)
ALL_KINDS = set(RequestKind.values)
OPEN = {RequestStatus.RECEIVED, RequestStatus.IDENTITY_VERIFIED, RequestStatus.IN_PROGRESS}
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "verify": ({RequestStatus.RECEIVED}, ALL_KINDS),
    "start": ({RequestStatus.IDENTITY_VERIFIED}, ALL_KINDS),
    "assign": (OPEN, ALL_KINDS),
    "note": (ALL_STATUSES, ALL_KINDS),
    "extend": (OPEN, ALL_KINDS),
    "tell_extension": (OPEN, ALL_KINDS),
    "retry_export": (
        {RequestStatus.IN_PROGRESS},
        {RequestKind.ACCESS, RequestKind.PORTABILITY},
    ),
    "restrict": (
        {RequestStatus.IDENTITY_VERIFIED, RequestStatus.IN_PROGRESS},
        {RequestKind.RESTRICTION},
    ),
    "erasure": (OPEN, {RequestKind.ERASURE}),
    "erase": (
        {RequestStatus.IDENTITY_VERIFIED, RequestStatus.IN_PROGRESS},
        {RequestKind.ERASURE},
    ),
    "rectification": (OPEN, {RequestKind.RECTIFICATION}),
    "rectification_target": (OPEN, {RequestKind.RECTIFICATION}),
    "complete": ({RequestStatus.IN_PROGRESS}, ALL_KINDS),
    "refuse": (OPEN, ALL_KINDS),
    "delete_letter": (ALL_STATUSES, ALL_KINDS),
}
# Refusals because of where the request stands (not because of what was typed, or of work
# still to do such as an export being built).
STATE_CODES = {
    "closed",
    "status",
    "kind",
    "no_export",
    "not_failed",
    "extended",
    "late",
    "told",
    "no_letter",
    "no_subject",
    "identity",
}
# A kind or status the step is not for (a retry's "kind" is having an export at all).
WRONG_STATE = {"closed", "status", "kind", "no_export"}


def in_memory(kind: str, status: str) -> DataSubjectRequest:
    """A request that meets every need of every step but the status and the kind."""
    request = DataSubjectRequest(
        kind=kind,
        status=status,
        channel=RequestChannel.WEB,
        subject_id=1,
        due_on=timezone.localdate() + datetime.timedelta(days=10),
        letter="gdpr/letters/x.pdf",
    )
    request.export = DataExport(status=DataExport.Status.FAILED)
    return request


def test_every_step_has_a_rule_and_the_test_knows_every_step():
    assert set(states.RULES) == set(Step)
    assert set(EXPECTED) == {str(step) for step in Step}


@pytest.mark.parametrize("step", list(Step))
def test_the_table_allows_each_step_in_exactly_its_statuses_and_kinds(step):
    statuses, kinds = EXPECTED[step]
    for status, kind in itertools.product(RequestStatus.values, RequestKind.values):
        error = states.problem(in_memory(kind, status), step)
        state_refused = error is not None and error.code in WRONG_STATE
        allowed = status in statuses and kind in kinds
        assert state_refused is not allowed, (step, status, kind, error)


def test_a_closed_request_is_refused_as_closed_an_open_one_as_out_of_order():
    closed = in_memory(RequestKind.ACCESS, RequestStatus.COMPLETED)
    assert states.problem(closed, Step.START).code == "closed"
    received = in_memory(RequestKind.ACCESS, RequestStatus.RECEIVED)
    assert states.problem(received, Step.START).code == "status"
    assert "not possible" in states.problem(received, Step.START).messages[0]


def test_the_steps_that_move_the_request_lead_to_the_next_status():
    assert states.next_status(Step.VERIFY) == RequestStatus.IDENTITY_VERIFIED
    assert states.next_status(Step.START) == RequestStatus.IN_PROGRESS
    assert states.next_status(Step.COMPLETE) == RequestStatus.COMPLETED
    assert states.next_status(Step.REFUSE) == RequestStatus.REFUSED
    with pytest.raises(ValueError):
        states.next_status(Step.NOTE)


def test_what_a_step_needs_beyond_the_status():
    request = in_memory(RequestKind.ACCESS, RequestStatus.RECEIVED)
    assert states.allows(request, Step.EXTEND)
    assert not states.allows(request, Step.TELL_EXTENSION)

    request.due_on = timezone.localdate() - datetime.timedelta(days=1)
    assert states.problem(request, Step.EXTEND).code == "late"

    request.extended_due_on = timezone.localdate() + datetime.timedelta(days=40)
    assert states.problem(request, Step.EXTEND).code == "extended"
    assert states.allows(request, Step.TELL_EXTENSION)
    request.extension_notified_at = timezone.now()
    assert states.problem(request, Step.TELL_EXTENSION).code == "told"

    request.letter = ""
    assert states.problem(request, Step.DELETE_LETTER).code == "no_letter"

    restriction = in_memory(RequestKind.RESTRICTION, RequestStatus.IN_PROGRESS)
    restriction.subject_id = None
    assert states.problem(restriction, Step.RESTRICT).code == "no_subject"


def test_a_rectification_from_the_service_is_decided_at_once_one_by_letter_after_identity():
    web = in_memory(RequestKind.RECTIFICATION, RequestStatus.RECEIVED)
    assert states.allows(web, Step.RECTIFICATION)
    letter = in_memory(RequestKind.RECTIFICATION, RequestStatus.RECEIVED)
    letter.channel = RequestChannel.LETTER
    assert states.problem(letter, Step.RECTIFICATION).code == "identity"
    letter.status = RequestStatus.IDENTITY_VERIFIED
    assert states.allows(letter, Step.RECTIFICATION)


@pytest.mark.parametrize("kind", [RequestKind.ERASURE, RequestKind.RECTIFICATION])
def test_a_kind_answered_by_its_own_step_is_not_offered_a_separate_completion(kind):
    request = in_memory(kind, RequestStatus.IN_PROGRESS)
    assert states.allows(request, Step.COMPLETE)
    assert Step.COMPLETE not in states.desk_steps(request)
    assert Step.COMPLETE in states.desk_steps(in_memory(RequestKind.ACCESS, request.status))


# --- The desk and the services agree ------------------------------------------------------


class _RolledBack(Exception):
    pass


def service_refusal(call) -> str | None:
    """The state code a service refuses the step with (None: the state let it through);
    whatever it did is rolled back."""
    try:
        with transaction.atomic():
            call()
            raise _RolledBack
    except _RolledBack:
        return None
    except RequestError as error:
        code = getattr(error, "code", None)
        return code if code in STATE_CODES else None


def service_calls(request: DataSubjectRequest, actor) -> dict[str, object]:
    def fresh() -> DataSubjectRequest:
        return DataSubjectRequest.objects.get(pk=request.pk)

    return {
        "verify": lambda: services.request_verify_identity(
            fresh(), method=IdentityMethod.SIGNED_IN, actor=actor
        ),
        "start": lambda: services.request_start(fresh(), actor=actor),
        "assign": lambda: services.request_assign(fresh(), handler=actor, actor=actor),
        "note": lambda: services.request_note(fresh(), note="Soitto.", actor=actor),
        "extend": lambda: services.request_extend(
            fresh(), months=1, reason="Laaja.", actor=actor, told_by="letter"
        ),
        "tell_extension": lambda: services.request_extension_tell(
            fresh(), told_by="letter", actor=actor
        ),
        "retry_export": lambda: services.request_export_retry(fresh(), actor=actor),
        "complete": lambda: services.request_complete(fresh(), response="Vastaus.", actor=actor),
        "refuse": lambda: services.request_refuse(fresh(), reason="Ei.", actor=actor),
        "delete_letter": lambda: services.request_delete_letter(fresh(), actor=actor),
    }


@pytest.fixture
def private_storage(monkeypatch, tmp_path) -> FileSystemStorage:
    storage = FileSystemStorage(location=tmp_path / "private", base_url=None)
    monkeypatch.setattr(DataSubjectRequest._meta.get_field("letter"), "storage", storage)
    return storage


def desk_requests(member) -> list[DataSubjectRequest]:
    """Requests in every status, of kinds with and without steps of their own, with and
    without a letter, an extension, a failed export."""
    made = []
    for kind, status in itertools.product(
        [RequestKind.ACCESS, RequestKind.OBJECTION, RequestKind.ERASURE],
        RequestStatus.values,
    ):
        made.append(DataSubjectRequestFactory(subject=member, kind=kind, status=status))
    lettered = DataSubjectRequestFactory(subject=member, status=RequestStatus.COMPLETED)
    lettered.letter.save("kirje.pdf", ContentFile(b"%PDF"), save=True)
    extended = DataSubjectRequestFactory(
        subject=member, extended_due_on=timezone.localdate() + datetime.timedelta(days=50)
    )
    failed = DataSubjectRequestFactory(subject=member, status=RequestStatus.IN_PROGRESS)
    DataExport.objects.create(request=failed, subject=member, status=DataExport.Status.FAILED)
    return [*made, lettered, extended, failed]


@pytest.mark.django_db
def test_the_desk_offers_exactly_the_steps_the_services_accept(client, private_storage):
    controller = StaffFactory(email="laura.controller@example.fi", preferred_language="en")
    client.force_login(controller)
    seen: set[str] = set()
    for request in desk_requests(UserFactory()):
        page = client.get(reverse("admin:gdpr_datasubjectrequest_change", args=[request.pk]))
        offered = {step["name"] for step in page.context["desk_steps"]}
        seen |= offered
        for name, call in service_calls(request, controller).items():
            refusal = service_refusal(call)
            if name == "complete" and request.kind in states.ANSWERED_BY:
                # Answered in the erasure's own step: never offered on its own.
                assert name not in offered
                continue
            assert (name in offered) is (refusal is None), (
                request.kind,
                request.status,
                name,
                refusal,
            )
    # Every step with a service was offered somewhere (and refused somewhere else).
    assert set(service_calls(request, controller)) <= seen


# --- The audit actor ----------------------------------------------------------------------


def audit_actors(obj) -> list:
    return [
        entry.actor
        for entry in AuditEntry.objects.filter(
            model=obj._meta.label_lower, object_id=str(obj.pk)
        ).order_by("pk")
    ]


@pytest.mark.django_db
def test_the_steps_name_their_actor_in_the_audit_trail_outside_a_web_request(member):
    """No middleware here (a task, a command): the services set the actor themselves."""
    controller = StaffFactory(email="laura.controller@example.fi")
    request = services.request_enter(
        kind=RequestKind.RESTRICTION,
        channel=RequestChannel.LETTER,
        received_at=timezone.now(),
        subject=member,
        details="Rajoittakaa.",
        # (b): restricted by the desk's step, not at receipt.
        restriction_ground="b",
        actor=controller,
    )
    services.request_verify_identity(
        request, method=IdentityMethod.SIGNED_LETTER, note="Allekirjoitus.", actor=controller
    )
    assert audit_actors(request)[-1] == controller
    restriction = services.restriction_apply(request, actor=controller)
    services.restriction_lift(restriction, actor=controller)
    assert set(audit_actors(restriction)) == {controller}


def test_the_desk_erases_only_when_it_can_answer_in_the_same_step():
    request = in_memory(RequestKind.ERASURE, RequestStatus.IDENTITY_VERIFIED)
    assert states.allows(request, Step.ERASE)
    assert not states.erasable_with_answer(request)
    request.status = RequestStatus.IN_PROGRESS
    assert states.erasable_with_answer(request)
