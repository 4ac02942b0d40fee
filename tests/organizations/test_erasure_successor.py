"""Erasing an organization's only admin: the controller names a successor among its
members or contact persons (who is told), or confirms leaving it without an admin (its
contact persons are told and the admin home flags it)."""

from __future__ import annotations

import json

import pytest
from django.core.mail.backends import locmem
from django.urls import reverse
from guardian.shortcuts import get_perms

from accounts.models import User
from gdpr.erasure.services import (
    ErasureUndecided,
    decision_field,
    erasure_execute,
    erasure_plan,
)
from gdpr.models import AuditEntry, DataSubjectRequest, RequestKind, RequestStatus
from gdpr.requests.services import request_file
from organizations import tasks as organization_tasks
from organizations.models import AdminRightChange, ContactPerson, Membership, Organization
from organizations.services import membership_admin_grant, successor_notify
from organizations.services.succession import LEAVE
from registry.outbox.models import OutboxMessage
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin
from tests.registry.test_outbox import broker_down  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

DECISION = "organizations.successor"


@pytest.fixture
def controller(db) -> User:
    return StaffFactory(email="laura.controller@example.fi", preferred_language="en")


@pytest.fixture
def controller_client(client, controller):
    client.force_login(controller)
    return client


@pytest.fixture
def world(db):
    """Olli is the only admin of Lentokerho ry (a member, Maija, and a contact person with
    an account, Kalle, who is no member) and one of two admins of Toinen kerho ry."""
    olli = UserFactory(first_name="Olli", last_name="Ainoa", email="olli.ainoa@example.fi")
    club = organization_with_admin(olli, name="Lentokerho ry")
    maija = UserFactory(first_name="Maija", last_name="Jäsen", preferred_language="en")
    maija_membership = add_member(club, maija)
    kalle = UserFactory(first_name="Kalle", last_name="Yhteys", preferred_language="en")
    kalle_contact = ContactPerson.objects.create(
        organization=club, name="Kalle Yhteys", email="kalle.yhteys@example.fi", user=kalle
    )
    ContactPerson.objects.create(
        organization=club, name="Sanna Sihteeri", email="sanna.sihteeri@example.fi"
    )
    other = organization_with_admin(UserFactory(), name="Toinen kerho ry")
    olli_there = add_member(other, olli)
    olli_there.role = Membership.Role.ADMIN
    olli_there.save(update_fields=["role"])
    stranger = add_member(other, UserFactory())
    return {
        "olli": olli,
        "club": club,
        "maija": maija,
        "maija_membership": maija_membership,
        "kalle": kalle,
        "kalle_contact": kalle_contact,
        "other": other,
        "stranger": stranger,
    }


def erasure_request(user: User) -> DataSubjectRequest:
    request = request_file(subject=user, kind=RequestKind.ERASURE, actor=user)
    DataSubjectRequest.objects.filter(pk=request.pk).update(status=RequestStatus.IN_PROGRESS)
    request.refresh_from_db()
    return request


def field(world) -> str:
    return decision_field(DECISION, str(world["club"].pk))


def step_url(request: DataSubjectRequest) -> str:
    return reverse("admin:gdpr_datasubjectrequest_erasure", args=[request.pk])


def test_only_the_organization_without_another_admin_needs_a_decision(world):
    plan = erasure_plan(world["olli"])
    cases = [case for decision, cases in plan.decisions for case in cases]
    # Toinen kerho ry has another admin: nothing to decide there.
    assert [case.key for case in cases] == [str(world["club"].pk)]
    values = {choice.value for choice in cases[0].choices}
    assert values == {
        f"m{world['maija_membership'].pk}",
        f"c{world['kalle_contact'].pk}",
        LEAVE,
    }


def test_undecided_the_erasure_is_refused_with_a_message(world, controller):
    with pytest.raises(ErasureUndecided) as undecided:
        erasure_execute(erasure_request(world["olli"]), actor=controller)
    assert "Lentokerho ry" in str(undecided.value)
    assert User.objects.filter(pk=world["olli"].pk).exists()


def test_a_named_member_succeeds_is_told_and_the_grant_is_logged(
    world, controller, mailoutbox, django_capture_on_commit_callbacks
):
    membership = world["maija_membership"]
    with django_capture_on_commit_callbacks(execute=True):
        erasure_execute(
            erasure_request(world["olli"]),
            actor=controller,
            decisions={field(world): f"m{membership.pk}"},
        )
    assert not User.objects.filter(pk=world["olli"].pk).exists()
    membership.refresh_from_db()
    assert membership.role == Membership.Role.ADMIN
    assert "administer_organization" in get_perms(world["maija"], world["club"])
    grant = AdminRightChange.objects.get(membership=membership)
    assert grant.action == AdminRightChange.Action.GRANT
    assert grant.changed_by == controller
    assert AuditEntry.objects.filter(
        model="organizations.membership", object_id=str(membership.pk), actor=controller
    ).exists()
    # (As the organization's admin now, she also gets its Art. 19 notice of the erasure.)
    told = [m for m in mailoutbox if m.to == [world["maija"].email] and "admin" in m.subject]
    assert len(told) == 1
    assert "You are now the admin of Lentokerho ry" in told[0].subject
    assert "made you the admin of Lentokerho ry" in told[0].body
    world["club"].refresh_from_db()
    assert world["club"].without_admin_since is None


def test_a_contact_person_who_is_no_member_becomes_a_member_and_admin(
    world, controller, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        erasure_execute(
            erasure_request(world["olli"]),
            actor=controller,
            decisions={field(world): f"c{world['kalle_contact'].pk}"},
        )
    membership = Membership.objects.get(organization=world["club"], user=world["kalle"])
    assert membership.role == Membership.Role.ADMIN
    assert membership.status == Membership.Status.ACTIVE
    assert [m.to for m in mailoutbox if "now the admin" in m.subject] == [[world["kalle"].email]]


def test_leaving_it_without_an_admin_tells_its_contact_persons_and_flags_it(
    world, controller, controller_client, mailoutbox, django_capture_on_commit_callbacks
):
    club = world["club"]
    with django_capture_on_commit_callbacks(execute=True):
        erasure_execute(
            erasure_request(world["olli"]), actor=controller, decisions={field(world): LEAVE}
        )
    club.refresh_from_db()
    assert club.without_admin_since is not None
    assert club.without_admin_notified_at is not None
    # Each in their language: Kalle chose English, Sanna has no account (the default).
    told = {m.to[0]: m.subject for m in mailoutbox if "Lentokerho ry" in m.subject}
    assert told == {
        "kalle.yhteys@example.fi": "[Aviation registry] Lentokerho ry has no admin",
        "sanna.sihteeri@example.fi": "[Ilmailurekisteri] Organisaatiolla Lentokerho ry ei ole"
        " pääkäyttäjää",
    }
    assert not Membership.objects.filter(
        organization=club, role=Membership.Role.ADMIN, status=Membership.Status.ACTIVE
    ).exists()

    home = controller_client.get(reverse("admin:index")).content.decode()
    assert "Lentokerho ry" in home
    assert "?without_admin=yes" in home
    changelist = reverse("admin:organizations_organization_changelist")
    listed = controller_client.get(changelist, {"without_admin": "yes"})
    assert [o.pk for o in listed.context["cl"].result_list] == [club.pk]
    page = controller_client.get(
        reverse("admin:organizations_organization_change", args=[club.pk])
    ).content.decode()
    assert "without an admin since" in page.lower()
    # Telling them again sends nothing.
    from organizations.services.succession import organization_without_admin_notify

    assert organization_without_admin_notify(club.pk, set()) == 0

    # Once an admin is granted again, the flag goes.
    membership_admin_grant(membership=world["maija_membership"], actor=controller)
    club.refresh_from_db()
    assert club.without_admin_since is None
    home = controller_client.get(reverse("admin:index")).content.decode()
    assert "?without_admin=yes" not in home


def test_a_successor_who_is_no_member_or_contact_is_rejected(world, controller):
    outsider = world["stranger"]  # a member of the other organization only
    with pytest.raises(ErasureUndecided) as undecided:
        erasure_execute(
            erasure_request(world["olli"]),
            actor=controller,
            decisions={field(world): f"m{outsider.pk}"},
        )
    assert "Lentokerho ry" in str(undecided.value)
    assert User.objects.filter(pk=world["olli"].pk).exists()
    outsider.refresh_from_db()
    assert outsider.role == Membership.Role.MEMBER


def test_the_desk_form_asks_per_organization_and_never_fails(world, controller_client):
    request = erasure_request(world["olli"])
    url = step_url(request)
    response = controller_client.get(url)
    assert response.status_code == 200
    form = response.context["form"]
    assert field(world) in form.fields
    assert "Lentokerho ry" in str(form.fields[field(world)].label)

    # No decision: a clear error on the form, nothing erased.
    response = controller_client.post(url, {"response": "Erased.", "confirm": "on"})
    assert response.status_code == 200
    errors = response.context["form"].errors[field(world)]
    assert any("Decide first" in e and "Lentokerho ry" in e for e in errors)
    # A forged successor: rejected as a choice, no 500.
    response = controller_client.post(
        url,
        {"response": "Erased.", "confirm": "on", field(world): f"m{world['stranger'].pk}"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field(world)]
    assert User.objects.filter(pk=world["olli"].pk).exists()

    response = controller_client.post(
        url,
        {
            "response": "Erased.",
            "confirm": "on",
            field(world): f"m{world['maija_membership'].pk}",
        },
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk=world["olli"].pk).exists()
    assert Organization.objects.get(pk=world["club"].pk).without_admin_since is None


def test_with_no_other_contact_person_nobody_is_recorded_as_told(
    controller, mailoutbox, django_capture_on_commit_callbacks
):
    aino = UserFactory(email="aino.ainoa@example.fi", first_name="Aino", last_name="Ainoa")
    club = organization_with_admin(aino, name="Pikkukerho ry")
    ContactPerson.objects.create(
        organization=club, name="Aino Ainoa", email="aino.ainoa@example.fi", user=aino
    )
    with django_capture_on_commit_callbacks(execute=True):
        erasure_execute(
            erasure_request(aino),
            actor=controller,
            decisions={decision_field(DECISION, str(club.pk)): LEAVE},
        )
    club.refresh_from_db()
    assert club.without_admin_since is not None
    # Her own contact row was hers: nobody else was there to tell, and none is claimed.
    assert club.without_admin_notified_at is None
    assert not [m for m in mailoutbox if "Pikkukerho ry" in m.subject and "admin" in m.subject]


# --- The notices go through the outbox: by id, once, and retried -------------------------


def _erase_olli(world, controller, decision: str, capture) -> None:
    with capture(execute=True):
        erasure_execute(
            erasure_request(world["olli"]), actor=controller, decisions={field(world): decision}
        )


def _waiting(task: str) -> OutboxMessage:
    return OutboxMessage.objects.get(task=f"organizations.tasks.{task}")


def _now_admin(mailoutbox) -> list:
    return [m for m in mailoutbox if "now the admin" in m.subject]


@pytest.mark.usefixtures("broker_down")
def test_the_successor_is_told_through_the_outbox_by_id_and_once(
    world, controller, mailoutbox, django_capture_on_commit_callbacks
):
    maija = f"m{world['maija_membership'].pk}"
    _erase_olli(world, controller, maija, django_capture_on_commit_callbacks)
    # The erasure is done; the mail waits for the broker, named by ids and a time only.
    assert not User.objects.filter(pk=world["olli"].pk).exists()
    waiting = _waiting("send_successor_notice")
    assert waiting.args[:2] == [world["club"].pk, world["maija"].pk]
    assert "@" not in json.dumps(waiting.args)
    assert not _now_admin(mailoutbox)
    # Delivered twice (a double publish): mailed once.
    assert organization_tasks.send_successor_notice(*waiting.args) is True
    assert organization_tasks.send_successor_notice(*waiting.args) is False
    assert [m.to for m in _now_admin(mailoutbox)] == [[world["maija"].email]]
    world["club"].refresh_from_db()
    assert world["club"].successor_notified_at is not None


@pytest.mark.usefixtures("broker_down")
def test_a_mail_server_that_is_down_leaves_the_successor_notice_to_the_retry(
    world, controller, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    maija = f"m{world['maija_membership'].pk}"
    _erase_olli(world, controller, maija, django_capture_on_commit_callbacks)
    waiting = _waiting("send_successor_notice")

    def refused(self, messages):
        raise ConnectionRefusedError("the mail server is down")

    with monkeypatch.context() as patched:
        patched.setattr(locmem.EmailBackend, "send_messages", refused)
        # An OSError: the task's autoretry tries again later; nothing is stamped as told.
        with pytest.raises(OSError):
            successor_notify(
                organization_id=waiting.args[0],
                user_id=waiting.args[1],
                appointed_at=waiting.args[2],
            )
    world["club"].refresh_from_db()
    assert world["club"].successor_notified_at is None
    assert organization_tasks.send_successor_notice(*waiting.args) is True
    assert len(_now_admin(mailoutbox)) == 1


@pytest.mark.usefixtures("broker_down")
def test_contact_persons_are_told_through_the_outbox_by_id_and_once(
    world, controller, mailoutbox, django_capture_on_commit_callbacks
):
    club = world["club"]
    _erase_olli(world, controller, LEAVE, django_capture_on_commit_callbacks)
    waiting = _waiting("send_without_admin_notices")
    contacts = ContactPerson.objects.filter(organization=club).order_by("pk")
    assert waiting.args == [club.pk, [c.pk for c in contacts]]
    assert not [m for m in mailoutbox if "Lentokerho ry" in m.subject]
    assert organization_tasks.send_without_admin_notices(*waiting.args) == 2
    assert organization_tasks.send_without_admin_notices(*waiting.args) == 0
    told = sorted(m.to[0] for m in mailoutbox if "Lentokerho ry" in m.subject)
    assert told == ["kalle.yhteys@example.fi", "sanna.sihteeri@example.fi"]


@pytest.mark.usefixtures("broker_down")
def test_an_admin_granted_before_the_notice_goes_stops_it(
    world, controller, mailoutbox, django_capture_on_commit_callbacks
):
    _erase_olli(world, controller, LEAVE, django_capture_on_commit_callbacks)
    waiting = _waiting("send_without_admin_notices")
    membership_admin_grant(membership=world["maija_membership"], actor=controller)
    assert organization_tasks.send_without_admin_notices(*waiting.args) == 0
    assert not [m for m in mailoutbox if "Lentokerho ry" in m.subject]
