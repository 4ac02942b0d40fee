"""A restriction of processing while accuracy or an objection is checked (GDPR Art.
18(1)(a), (d)) is in force from the request's receipt, shows in the organization's member
list, and ends with the answer after the person is told (Art. 18(3)). Under (b) and (c)
the restriction is what the controller decides: applied when handling starts and kept
after the answer; a refusal ends it."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from gdpr.api import restricted_users, restriction_in_force
from gdpr.models import (
    AuditEntry,
    IdentityMethod,
    ProcessingRestriction,
    RecipientNotice,
    RequestChannel,
    RequestEvent,
    RequestKind,
    RequestStatus,
    RestrictionGround,
)
from gdpr.requests import services
from gdpr.requests.member import member_request_file
from gdpr.requests.services import RequestError
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

Action = RequestEvent.Action
# Session, user, allauth's session activity, the admin-rights check, the count and the
# page (the restriction flag is a subquery of the page's SELECT): as for a register
# without restrictions (tests/organizations/test_member_scale.py).
LIST_QUERY_BUDGET = 10


@pytest.fixture
def member(db):
    return UserFactory(
        email="rauha.rajoitus@example.fi",
        first_name="Rauha",
        last_name="Rajoitus",
        preferred_language="en",
    )


@pytest.fixture
def controller(db):
    return StaffFactory(email="laura.controller@example.fi", preferred_language="en")


@pytest.fixture
def org_admin(db):
    return UserFactory(email="aila.admin@example.fi", preferred_language="en")


@pytest.fixture
def organization(org_admin, member):
    organization = organization_with_admin(org_admin, name="Malmin Ilmailukerho ry")
    add_member(organization, member, member_number="102")
    return organization


def _restrictions(user):
    return ProcessingRestriction.objects.in_force().filter(user=user)


def _verify_and_start(request, controller):
    services.request_verify_identity(request, method=IdentityMethod.SIGNED_IN, actor=controller)
    services.request_start(request, actor=controller)


# --- In force from receipt ----------------------------------------------------------------


def test_a_member_filing_on_ground_a_is_restricted_at_once(
    client, member, organization, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("gdpr:privacy"),
            {
                "kind": RequestKind.RESTRICTION,
                "restriction-ground": "a",
                "restriction-details": "My member number is wrong.",
            },
        )
    assert response.status_code == 302
    request = member.privacy_requests.get()
    assert request.restriction_ground == RestrictionGround.ACCURACY
    # Still only received, yet the data is restricted already.
    assert request.status == RequestStatus.RECEIVED
    restriction = _restrictions(member).get()
    assert restriction.request == request
    assert restriction_in_force(member)
    assert list(request.events.values_list("action", flat=True)) == [
        Action.RECEIVED,
        Action.RESTRICTED,
        Action.RECIPIENTS_NOTIFIED,
    ]
    # The law restricts, not the person: they are not the actor of their own restriction
    # (an erasure would count such entries as references to someone else).
    assert request.events.get(action=Action.RESTRICTED).actor is None
    entries = AuditEntry.objects.filter(model="gdpr.processingrestriction")
    assert entries.filter(actor__isnull=True).exists()
    assert not entries.filter(actor=member).exists()
    # Art. 19: the organization holding the member's data is told at receipt too.
    notice = RecipientNotice.objects.get(request=request)
    assert notice.recipient_name == "Malmin Ilmailukerho ry"
    assert sorted(to for m in mailoutbox for to in m.to) == sorted(
        [member.email, organization.email or "aila.admin@example.fi"]
    )


def test_a_restriction_pending_an_objection_is_in_force_from_receipt(member):
    request = member_request_file(
        member, kind=RequestKind.RESTRICTION, details="Objected.", restriction_ground="d"
    )
    assert request.restricts_while_checked
    assert _restrictions(member).get().request == request


def test_one_entered_from_a_letter_is_restricted_from_its_receipt(member, controller):
    received = timezone.now() - datetime.timedelta(days=3)
    request = services.request_enter(
        kind=RequestKind.RESTRICTION,
        channel=RequestChannel.LETTER,
        received_at=received,
        subject=member,
        details="My address is wrong.",
        restriction_ground=RestrictionGround.ACCURACY,
        actor=controller,
    )
    assert request.status == RequestStatus.RECEIVED
    assert _restrictions(member).get().request == request


def _enter_in_admin(client, member, **fields):
    received = timezone.localtime() - datetime.timedelta(days=2)
    return client.post(
        reverse("admin:gdpr_datasubjectrequest_add"),
        {
            "kind": RequestKind.RESTRICTION,
            "channel": RequestChannel.PHONE,
            "received_at_0": received.strftime("%Y-%m-%d"),
            "received_at_1": "10:00:00",
            "subject": str(member.pk),
            "details": "Soitti: osoite väärin.",
            **fields,
        },
    )


def test_the_admin_records_the_ground_and_restricts_from_receipt(client, member, controller):
    client.force_login(controller)
    missing = _enter_in_admin(client, member)
    assert missing.status_code == 200
    assert "restriction_ground" in missing.context["adminform"].form.errors
    assert not member.privacy_requests.exists()

    response = _enter_in_admin(client, member, restriction_ground="a")
    assert response.status_code == 302
    request = member.privacy_requests.get()
    assert request.restriction_ground == RestrictionGround.ACCURACY
    assert _restrictions(member).get().request == request
    page = client.get(reverse("admin:gdpr_datasubjectrequest_change", args=[request.pk]))
    assert "(a) The person contests the accuracy of the data" in page.content.decode()


def test_the_desk_must_name_the_ground_of_a_restriction(member, controller):
    with pytest.raises(RequestError) as error:
        services.request_enter(
            kind=RequestKind.RESTRICTION,
            channel=RequestChannel.LETTER,
            received_at=timezone.now(),
            subject=member,
            actor=controller,
        )
    assert "restriction_ground" in error.value.error_dict
    assert not _restrictions(member).exists()


def test_only_a_restriction_request_has_a_ground(member):
    with pytest.raises(RequestError):
        services.request_file(
            subject=member, kind=RequestKind.ACCESS, actor=member, restriction_ground="a"
        )
    assert not member.privacy_requests.exists()


# --- (b) and (c): decided, then kept -------------------------------------------------------


@pytest.mark.parametrize("ground", [RestrictionGround.UNLAWFUL, RestrictionGround.LEGAL_CLAIMS])
def test_under_b_and_c_the_restriction_starts_with_handling_and_outlives_the_answer(
    member, controller, ground, django_capture_on_commit_callbacks, mailoutbox
):
    request = member_request_file(
        member, kind=RequestKind.RESTRICTION, details="Keep it.", restriction_ground=ground
    )
    assert not request.restricts_while_checked
    assert not restriction_in_force(member)

    _verify_and_start(request, controller)
    assert _restrictions(member).get().request == request

    with django_capture_on_commit_callbacks(execute=True):
        services.request_complete(request, response="Restricted.", actor=controller)
    # The restriction is the answer: it stays until it is lifted by hand.
    assert restriction_in_force(member)
    assert not any("Art. 18(3)" in m.body for m in mailoutbox)


# --- Ending with the answer ---------------------------------------------------------------


def test_completing_an_accuracy_check_lifts_the_restriction_after_telling_the_person(
    member, controller, django_capture_on_commit_callbacks, mailoutbox
):
    request = member_request_file(
        member, kind=RequestKind.RESTRICTION, details="Wrong city.", restriction_ground="a"
    )
    restriction = _restrictions(member).get()
    _verify_and_start(request, controller)
    # Starting does not restrict a second time.
    assert ProcessingRestriction.objects.filter(user=member).count() == 1
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.request_complete(request, response="The city is corrected.", actor=controller)

    restriction.refresh_from_db()
    assert restriction.lifted_at is not None
    assert not restriction_in_force(member)
    lifted = [m for m in mailoutbox if "Art. 18(3)" in m.body]
    assert [m.to for m in lifted] == [[member.email]]
    with translation.override("en"):
        steps = [event.text for event in request.events.filter(action=Action.RESTRICTION_LIFTED)]
    # A step of its own, which the person sees (not an internal note).
    assert steps == ["Restriction of processing lifted."]


def test_the_answer_offered_to_the_handler_says_the_restriction_ends_in_the_persons_language(
    client, member
):
    finnish_controller = StaffFactory(email="fi.controller@example.fi", preferred_language="fi")
    request = member_request_file(
        member, kind=RequestKind.RESTRICTION, details="Wrong city.", restriction_ground="a"
    )
    _verify_and_start(request, finnish_controller)
    client.force_login(finnish_controller)

    page = client.get(reverse("admin:gdpr_datasubjectrequest_complete", args=[request.pk]))

    answer = page.context["form"].initial["response"]
    assert answer.startswith("We have checked the accuracy of your personal data.")
    assert "the restriction ends with this answer" in answer


@pytest.mark.parametrize("ground", [RestrictionGround.ACCURACY, RestrictionGround.UNLAWFUL])
def test_a_refusal_lifts_the_restriction_with_notice(
    member, controller, ground, django_capture_on_commit_callbacks, mailoutbox
):
    request = member_request_file(
        member, kind=RequestKind.RESTRICTION, details="Please.", restriction_ground=ground
    )
    _verify_and_start(request, controller)
    assert restriction_in_force(member)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.request_refuse(request, reason="The data is correct.", actor=controller)

    assert not restriction_in_force(member)
    assert any("Art. 18(3)" in m.body and m.to == [member.email] for m in mailoutbox)


def test_a_refusal_on_receipt_lifts_the_restriction_filed_with_the_request(member, controller):
    request = member_request_file(
        member, kind=RequestKind.RESTRICTION, details="Wrong.", restriction_ground="a"
    )
    services.request_refuse(request, reason="Not our data.", actor=controller)
    assert not restriction_in_force(member)


def test_only_the_requests_own_restriction_ends_with_it(member, controller):
    other = member_request_file(
        member, kind=RequestKind.RESTRICTION, details="Claim.", restriction_ground="c"
    )
    _verify_and_start(other, controller)
    services.request_complete(other, response="Restricted.", actor=controller)
    checked = member_request_file(
        member, kind=RequestKind.RESTRICTION, details="Wrong.", restriction_ground="a"
    )
    services.request_refuse(checked, reason="It is right.", actor=controller)
    assert [r.request for r in _restrictions(member)] == [other]


# --- Shown to the organization ------------------------------------------------------------


def test_the_member_list_shows_the_restriction_to_the_organization_admin(
    client, org_admin, member, organization
):
    bystander = add_member(organization, member_number="103").user
    member_request_file(
        member, kind=RequestKind.RESTRICTION, details="Wrong.", restriction_ground="a"
    )
    client.force_login(org_admin)
    response = client.get(reverse("organizations:members", args=[organization.pk]))
    assert response.status_code == 200
    flags = {m.user_id: m.processing_restricted for m in response.context["page"]}
    assert flags[member.pk] is True
    assert flags[bystander.pk] is False
    assert response.content.decode().count("processing restricted") == 1

    membership = organization.memberships.get(user=member)
    detail = client.get(reverse("organizations:member", args=[organization.pk, membership.pk]))
    assert "restricted (GDPR Art. 18)" in detail.content.decode()


def test_the_badge_costs_no_query_per_member(client, org_admin, organization):
    url = reverse("organizations:members", args=[organization.pk])
    client.force_login(org_admin)
    client.get(url)  # the first request after signing in also records the session

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"per_page": 100})
        assert response.status_code == 200
        return len(queries)

    few = count()
    for n in range(40):
        user = add_member(organization, member_number=f"2{n:02d}").user
        if n % 3 == 0:
            ProcessingRestriction.objects.create(user=user, reason="Accuracy contested.")
    many = count()
    assert many == few <= LIST_QUERY_BUDGET
    assert len(restricted_users(organization.memberships.values_list("user_id", flat=True))) == 14


def test_the_controllers_membership_list_flags_it_too(client, controller, member, organization):
    member_request_file(
        member, kind=RequestKind.RESTRICTION, details="Wrong.", restriction_ground="d"
    )
    client.force_login(controller)
    response = client.get(reverse("admin:organizations_membership_changelist"))
    assert response.status_code == 200
    flags = {m.user_id: m.processing_restricted for m in response.context["cl"].result_list}
    assert flags[member.pk] is True
    assert not any(flag for user_id, flag in flags.items() if user_id != member.pk)


def test_the_recipients_told_of_the_restriction_are_told_it_is_lifted(
    member, controller, organization, org_admin, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        request = member_request_file(
            member, kind=RequestKind.RESTRICTION, details="Wrong.", restriction_ground="a"
        )
    told = [m for m in mailoutbox if org_admin.email in m.to]
    assert [m.subject for m in told] == ["Restriction of processing: Rauha Rajoitus"]
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.request_refuse(request, reason="The data is correct.", actor=controller)

    lifted = [m for m in mailoutbox if org_admin.email in m.to]
    assert [m.subject for m in lifted] == ["Restriction of processing lifted: Rauha Rajoitus"]
    assert "Member number: 102" in lifted[0].body
    with translation.override("en"):
        steps = [e.text for e in request.events.filter(action=Action.RECIPIENTS_NOTIFIED)]
    assert steps[-1] == "Told that the restriction was lifted: Malmin Ilmailukerho ry"


def test_nobody_is_told_of_a_lifting_they_never_heard_of(
    member, controller, organization, django_capture_on_commit_callbacks, mailoutbox
):
    request = member_request_file(
        member, kind=RequestKind.RESTRICTION, details="Claim.", restriction_ground="c"
    )
    _verify_and_start(request, controller)
    # The notice of the restriction never left (the commit's callbacks did not run).
    with django_capture_on_commit_callbacks(execute=True):
        services.request_refuse(request, reason="No claim.", actor=controller)
    assert not restriction_in_force(member)
    assert not [m for m in mailoutbox if "lifted:" in m.subject]
