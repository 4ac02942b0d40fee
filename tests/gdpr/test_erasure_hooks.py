"""The erasure hooks: what an app declares through gdpr.api (refusal grounds, warnings,
erasers, the values that name the person) reaches the preview and the execution, and gdpr's erasure,
audit and export code names no other app."""

from __future__ import annotations

import datetime
import re
from dataclasses import replace
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import LoginEvent, User
from gdpr import api
from gdpr.audit import audited_models
from gdpr.declarations import ModelEntry, classification_problems, entry_for
from gdpr.erasure import hooks
from gdpr.erasure.services import (
    Audience,
    ErasureRefused,
    erasure_execute,
    erasure_plan,
    erasure_refusal_grounds,
    redaction_for,
)
from gdpr.models import AuditEntry, DataSubjectRequest, RequestKind, RequestStatus
from gdpr.requests.services import request_file
from organizations import erasure as organizations_erasure
from organizations.models import MemberDataView, Membership
from tests.factories import StaffFactory, UserFactory
from tests.flightlog.models import FlightLogEntry
from tests.organizations.factories import add_member, organization_with_admin

from .distinctive import use_private_storage

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _private_files(monkeypatch, tmp_path):
    use_private_storage(monkeypatch, tmp_path / "private")


@pytest.fixture
def restore_hooks(monkeypatch):
    """Registrations made by a test go away after it."""
    monkeypatch.setattr(hooks, "_checks", dict(hooks._checks))
    monkeypatch.setattr(hooks, "_erasers", dict(hooks._erasers))


def erasure_request(user: User) -> DataSubjectRequest:
    request = request_file(subject=user, kind=RequestKind.ERASURE, actor=user)
    DataSubjectRequest.objects.filter(pk=request.pk).update(status=RequestStatus.IN_PROGRESS)
    request.refresh_from_db()
    return request


def test_a_registered_checks_grounds_stop_the_erasure(restore_hooks):
    user = UserFactory()
    api.register_erasure_check(
        api.ErasureCheck(
            name="tests.grounds",
            refusal_grounds=lambda person: [f"Ground for {person.pk}."],
            warnings=lambda person: ["Read this first."],
            controller_warnings=lambda person: ["The person should read this first."],
        )
    )
    ground = f"Ground for {user.pk}."
    assert erasure_refusal_grounds(user) == [ground]
    plan = erasure_plan(user)
    assert plan.refusal_grounds == [ground]
    assert plan.warnings == ["Read this first."]
    # The controller's staff read the same warning about the person, not to them.
    controller_plan = erasure_plan(user, audience=Audience.CONTROLLER)
    assert controller_plan.warnings == ["The person should read this first."]
    assert controller_plan.for_controller and not plan.for_controller
    with pytest.raises(ErasureRefused) as refused:
        erasure_execute(erasure_request(user), actor=StaffFactory())
    assert refused.value.grounds == [ground]
    assert User.objects.filter(pk=user.pk).exists()


def test_checks_are_read_in_the_order_of_their_names(restore_hooks):
    user = UserFactory()
    for name in ("tests.b", "tests.a"):
        api.register_erasure_check(
            api.ErasureCheck(name=name, refusal_grounds=lambda person, n=name: [n])
        )
    assert erasure_refusal_grounds(user) == ["tests.a", "tests.b"]
    hooks.unregister_erasure_check("tests.a")
    assert erasure_refusal_grounds(user) == ["tests.b"]


def test_the_only_admin_of_an_organization_is_warned():
    admin = UserFactory(first_name="Olli", last_name="Yksinen")
    organization_with_admin(admin, name="Yksinäinen ry")
    with translation.override("fi"):
        (warning,) = erasure_plan(admin).warnings
    assert "Yksinäinen ry" in warning
    assert "ainoa pääkäyttäjä" in warning
    # Another active admin: nothing to warn about.
    other = UserFactory()
    membership = add_member(Membership.objects.get(user=admin).organization, other)
    Membership.objects.filter(pk=membership.pk).update(role=Membership.Role.ADMIN)
    assert erasure_plan(admin).warnings == []


def test_an_apps_eraser_runs_instead_of_the_plain_blanking(restore_hooks):
    member = UserFactory()
    organization = organization_with_admin(UserFactory())
    add_member(organization, member)
    calls = []

    def erase(rows, blanks):
        calls.append((sorted(rows.values_list("pk", flat=True)), dict(blanks)))
        return organizations_erasure.end_memberships(rows, blanks)

    api.register_eraser(
        api.Eraser(
            model=Membership,
            erase=erase,
            also_removes=("user",),
            step=lambda count: f"{count} membership(s) of yours end.",
            controller_step=lambda count: f"{count} membership(s) of the person end.",
        )
    )
    plan = erasure_plan(member)
    assert plan.steps == ["1 membership(s) of yours end."]
    assert erasure_plan(member, audience=Audience.CONTROLLER).steps == [
        "1 membership(s) of the person end."
    ]
    (item,) = [i for i in plan.anonymised if i.model == "organizations.Membership"]
    assert item.count == 1
    assert str(item.fields[0]) == str(Membership._meta.get_field("user").verbose_name)

    outcome = erasure_execute(erasure_request(member), actor=StaffFactory())
    ((pks, blanks),) = calls
    assert len(pks) == 1
    assert set(blanks) == set(entry_for(Membership).erasure.fields)
    assert outcome.summary["anonymised"]["organizations.Membership"] == 1
    ended = Membership.objects.get(pk=pks[0])
    assert ended.user is None
    assert ended.status == Membership.Status.ENDED
    assert ended.name == ended.email == ""


def test_an_app_declares_its_warnings_and_steps_in_both_wordings():
    # A sentence said to the person would be shown to the controller as if they were it.
    with pytest.raises(ValueError, match="controller_warnings"):
        api.ErasureCheck(name="tests.one_wording", warnings=lambda person: ["You …"])
    with pytest.raises(ValueError, match="controller_step"):
        api.Eraser(model=Membership, erase=lambda rows, blanks: 0, step=lambda count: "You …")
    with pytest.raises(ValueError, match="controller_step"):
        api.Eraser(
            model=Membership, erase=lambda rows, blanks: 0, controller_step=lambda n: "They …"
        )


def test_the_controller_reads_of_the_only_admin_in_the_third_person():
    admin = UserFactory(first_name="Olli", last_name="Yksinen")
    organization_with_admin(admin, name="Yksinäinen ry")
    with translation.override("en"):
        (person_warning,) = erasure_plan(admin).warnings
        (warning,) = erasure_plan(admin, audience=Audience.CONTROLLER).warnings
        (step,) = erasure_plan(admin, audience=Audience.CONTROLLER).steps
        step = str(step)
    assert person_warning.startswith("You are the only admin of Yksinäinen ry")
    assert warning.startswith("Olli Yksinen is the only admin of Yksinäinen ry")
    # The decision is on the controller's page, below the warning: nothing to do "first".
    assert "decide below" in warning
    assert "first" not in warning and "You" not in warning
    assert step.startswith("The person's membership ends")
    assert "your" not in step.lower()


def test_an_eraser_needs_an_anonymising_entry(restore_hooks):
    api.register_eraser(api.Eraser(model=LoginEvent, erase=lambda rows, blanks: 0))
    with pytest.raises(ValueError, match="anonymise"):
        erasure_plan(UserFactory())


def test_the_membership_step_is_in_the_readers_language(client):
    member = UserFactory(preferred_language="fi")
    add_member(organization_with_admin(UserFactory()), member)
    client.force_login(member)
    response = client.get(reverse("gdpr:erasure_preview"), HTTP_ACCEPT_LANGUAGE="fi")
    assert "Jäsenyytesi päättyy" in response.content.decode()
    with translation.override("en"):
        (step,) = erasure_plan(member).steps
        assert str(step).startswith("Your membership ends")
    # Lazy: rendered in the language of whoever reads the plan.
    with translation.override("fi"):
        assert str(step).startswith("Jäsenyytesi päättyy")


def test_the_values_redacted_are_what_the_apps_declare_as_identifying():
    user = UserFactory(first_name="Ann", last_name="Example")
    FlightLogEntry.objects.create(
        pilot=user, aircraft="OH-PDX", flown_on=datetime.date(2026, 5, 1), remarks="Zorro Zed"
    )
    entry = entry_for(FlightLogEntry)
    assert "Zorro Zed" not in {value for _kind, value in redaction_for(user).values}
    api.register_model(replace(entry, identifying={"remarks": api.Identifier.NAME}))
    try:
        assert (api.Identifier.NAME, "Zorro Zed") in redaction_for(user).values
    finally:
        api.register_model(entry)


def test_the_member_registers_name_and_number_are_among_the_redacted_values():
    member = UserFactory(first_name="Ann", last_name="Example")
    membership = add_member(organization_with_admin(UserFactory()), member)
    Membership.objects.filter(pk=membership.pk).update(
        name="Annikki Esimerkki", member_number="A-102"
    )
    values = redaction_for(member).values
    assert (api.Identifier.NAME, "Annikki Esimerkki") in values
    assert (api.Identifier.NUMBER, "A-102") in values


def test_the_audit_trail_follows_the_entries_declarations():
    audited = audited_models()
    assert User in audited
    assert LoginEvent not in audited and MemberDataView not in audited
    assert Membership in audited
    # The derived sort and search copies are not recorded.
    member = UserFactory()
    membership = add_member(organization_with_admin(UserFactory()), member)
    membership.search_text = "changed on its own"
    membership.save(update_fields=["search_text"])
    changes = AuditEntry.objects.filter(
        model="organizations.membership", object_id=str(membership.pk)
    ).values_list("changes", flat=True)
    assert all("search_text" not in change for change in changes)


def test_a_disclosed_copy_must_be_one_of_the_actors_copies():
    entry = entry_for(MemberDataView)
    broken = ModelEntry(
        **{
            **{f: getattr(entry, f) for f in entry.__dataclass_fields__},
            "disclosed_actor_copies": frozenset({"channel"}),
            "audit_ignored": frozenset({"id"}),
        }
    )
    problems = classification_problems(broken)
    assert any("channel: disclosed as an actor's copy" in p for p in problems)
    assert any("id: left out of the audit trail" in p for p in problems)


OTHER_APPS_LABEL = re.compile(r"\b(organizations|billing|communications)\.[A-Za-z]")


@pytest.mark.parametrize(
    "path",
    [
        *sorted((ROOT / "gdpr" / "erasure").glob("*.py")),
        *sorted((ROOT / "gdpr" / "exports").glob("*.py")),
        ROOT / "gdpr" / "audit.py",
    ],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_gdprs_erasure_audit_and_export_name_no_other_app(path):
    assert not OTHER_APPS_LABEL.findall(path.read_text())
