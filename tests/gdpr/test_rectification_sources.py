"""The rectification hooks: a source or a holder declared through gdpr.api is all gdpr
needs to offer a datum for correction, to ask the right people to decide it and to apply
the decision; and the migration that made the request's holder generic keeps the
organizations already named.

The source declared here is on the user's own ``city`` (a model gdpr may know), held by an
auth group whose "admins" are its members: nothing under gdpr names either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404
from django.utils import translation

from accounts.models import User
from gdpr import api
from gdpr.models import DataSubjectRequest, RequestKind, RequestStatus
from gdpr.rectification import sources as hooks
from gdpr.rectification.services import (
    RectificationError,
    holder_rectification,
    holder_rectification_requests,
    may_decide,
    rectifiable_data,
    rectification_decide,
    rectification_file,
)
from organizations.models import Membership
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import organization_with_admin

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@dataclass
class Applied:
    calls: list[tuple[Any, str, Any, Any]] = field(default_factory=list)
    refuse: str = ""

    def __call__(self, obj, name: str, value: Any, *, actor, reason: str) -> None:
        if self.refuse:
            raise ValidationError(self.refuse)
        self.calls.append((obj.pk, name, value, actor))
        setattr(obj, name, value)
        obj.save(update_fields=[name])


@dataclass
class Declared:
    group: Group
    applied: Applied
    source: hooks.RectifiableSource
    holder: hooks.RecordHolder


def _group_admin_addresses(group: Group, *, exclude: User | None = None):
    for user in group.user_set.exclude(pk=getattr(exclude, "pk", None)).order_by("pk"):
        yield "en", user.email


def declare() -> Declared:
    group = Group.objects.create(name="Kaupunkirekisteri")
    applied = Applied()
    source = hooks.RectifiableSource(
        model=User,
        noun="Home town",
        fields=(hooks.RectifiableField("city", "Town"),),
        rows=lambda user: User.objects.filter(pk=user.pk),
        describe=lambda user: "The town register",
        holder=lambda user: group,
        apply=applied,
        how="The town register is corrected.",
        order=5,
    )
    holder = hooks.RecordHolder(
        model=Group,
        administers=lambda user, held: held.user_set.filter(pk=user.pk).exists(),
        addresses=_group_admin_addresses,
        decide_path=lambda held, request: f"/groups/{held.pk}/{request.public_id}/",
    )
    return Declared(group=group, applied=applied, source=source, holder=holder)


@pytest.fixture
def declared():
    found = declare()
    api.register_source(found.source)
    api.register_holder(found.holder)
    yield found
    hooks.unregister_source(found.source)
    hooks.unregister_holder(found.holder)


@pytest.fixture
def person() -> User:
    return UserFactory(email="tero.town@example.fi", city="Mallinen", preferred_language="en")


def key(person: User) -> str:
    return f"accounts.user:{person.pk}:city"


def test_the_hooks_are_in_the_public_api():
    for name in (
        "RecordHolder",
        "RectifiableField",
        "RectifiableSource",
        "ValueKind",
        "register_holder",
        "register_source",
    ):
        assert name in api.__all__
        assert getattr(api, name) is getattr(hooks, name)


def test_the_apps_declare_their_sources():
    labels = [source.label for source in hooks.sources()]

    assert labels[:5] == [
        "organizations.membership",
        "organizations.contactperson",
        "billing.invoice",
        "communications.communicationrecord",
        "billing.einvoiceaddress",
    ], "in page order, whatever the order the apps were loaded in"


def test_a_declared_source_shows_up_as_correctable(declared, person):
    data = {datum.key: datum for datum in rectifiable_data(person)}

    datum = data[key(person)]
    assert datum.value == "Mallinen"
    assert datum.label == "Town"
    assert datum.record == "The town register"
    assert datum.held_by == declared.group
    assert datum.holder == "Kaupunkirekisteri"
    assert datum.category == "contact_details", "from the registry entry of the model"
    assert next(iter(data)) == key(person), "its order puts it first"


def test_filing_names_the_declared_holder_and_tells_its_admins(
    declared, person, django_capture_on_commit_callbacks
):
    decider = UserFactory(email="deci.der@example.fi")
    declared.group.user_set.add(decider, person)

    with django_capture_on_commit_callbacks(execute=True):
        request = rectification_file(
            person, target=key(person), value="Helsinki", details="", actor=person
        )

    assert request.holder == declared.group
    assert request.holder_id == str(declared.group.pk)
    assert [m.to for m in mail.outbox] == [[decider.email]], "never the person who asks"
    assert f"/groups/{declared.group.pk}/{request.public_id}/" in mail.outbox[0].body
    assert "Kaupunkirekisteri" in mail.outbox[0].subject


def test_the_declared_decider_rule_is_applied(declared, person):
    decider = UserFactory()
    outsider = UserFactory()
    declared.group.user_set.add(decider)
    request = rectification_file(
        person, target=key(person), value="Helsinki", details="", actor=person
    )

    assert may_decide(decider, request)
    assert not may_decide(outsider, request)
    assert may_decide(StaffFactory(), request), "the controller decides everything"
    with pytest.raises(RectificationError, match="may not"):
        rectification_decide(request, accept=True, actor=outsider)

    decided = rectification_decide(request, accept=True, actor=decider)

    assert decided.status == RequestStatus.COMPLETED
    assert declared.applied.calls == [(person.pk, "city", "Helsinki", decider)]
    person.refresh_from_db()
    assert person.city == "Helsinki"


def test_nobody_decides_about_their_own_data(declared, person):
    declared.group.user_set.add(person)
    request = rectification_file(
        person, target=key(person), value="Helsinki", details="", actor=person
    )

    assert not may_decide(person, request)


def test_a_refusal_of_the_owning_app_is_shown_to_the_decider(declared, person):
    declared.applied.refuse = "The town register is closed."
    request = rectification_file(
        person, target=key(person), value="Helsinki", details="", actor=person
    )

    with pytest.raises(RectificationError, match="register is closed"):
        rectification_decide(request, accept=True, actor=StaffFactory())

    request.refresh_from_db()
    assert request.is_open


def test_a_holder_nobody_declared_leaves_the_decision_to_the_controller(person):
    found = declare()
    api.register_source(found.source)  # and not its holder
    try:
        member = UserFactory()
        found.group.user_set.add(member)
        request = rectification_file(
            person, target=key(person), value="Helsinki", details="", actor=person
        )
        assert request.holder == found.group
        assert not may_decide(member, request)
        assert may_decide(StaffFactory(), request)
        assert mail.outbox == []
    finally:
        hooks.unregister_source(found.source)


def test_the_holders_pages_get_only_their_own_requests(declared, person):
    decider = UserFactory()
    declared.group.user_set.add(decider)
    request = rectification_file(
        person, target=key(person), value="Helsinki", details="Muutin", actor=person
    )
    other = Group.objects.create(name="Toinen")

    listed = holder_rectification_requests(declared.group)
    shown = holder_rectification(declared.group, request.public_id, user=decider)

    assert [r.pk for r in listed] == [request.pk]
    assert listed[0].target_label == "Town — Home town"
    assert holder_rectification_requests(other) == []
    assert shown.may_decide and not shown.own_request and not shown.decided
    assert shown.datum.value == "Mallinen"
    assert shown.requested == "Helsinki"
    with pytest.raises(Http404):
        holder_rectification(other, request.public_id, user=decider)


# --- The migration that made the holder generic ----------------------------------------------

BEFORE = [("gdpr", "0007_recipient_notice_holder")]
AFTER = [("gdpr", "0008_request_holder")]


def _migrate(targets) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_the_organization_over_and_back():
    # The organizations table is the same before and after.
    club = organization_with_admin(UserFactory(), name="Malmin Ilmailukerho ry")
    old = _migrate(BEFORE)
    try:
        Request = old.get_model("gdpr", "DataSubjectRequest")
        held = Request.objects.create(
            kind=RequestKind.RECTIFICATION, due_on="2026-01-31", organization_id=club.pk
        )
        unheld = Request.objects.create(kind=RequestKind.ACCESS, due_on="2026-01-31")

        new = _migrate(AFTER)
        ContentType = new.get_model("contenttypes", "ContentType")
        Request = new.get_model("gdpr", "DataSubjectRequest")
        moved = Request.objects.get(pk=held.pk)
        assert ContentType.objects.get(pk=moved.holder_type_id).model == "organization"
        assert moved.holder_id == str(club.pk)
        assert Request.objects.get(pk=unheld.pk).holder_type_id is None

        back = _migrate(BEFORE)
        Request = back.get_model("gdpr", "DataSubjectRequest")
        assert Request.objects.get(pk=held.pk).organization_id == club.pk
        assert Request.objects.get(pk=unheld.pk).organization_id is None
    finally:
        # Back to the latest state of every app (later migrations of gdpr included), not
        # only to AFTER: the tests that follow use today's tables.
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert DataSubjectRequest.objects.filter(holder_id=str(club.pk)).exists()


def test_a_membership_source_is_declared_by_organizations_not_gdpr():
    source = hooks.source_for("organizations.membership")

    assert source is not None
    assert source.model is Membership
    assert source.apply.__module__ == "organizations.rectification"
