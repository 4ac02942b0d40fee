"""What apps declare to gdpr about who receives people's data (gdpr.disclosures.hooks):
a declared recipient source is told of erasures and corrections (Art. 19), and a declared
disclosure subject source adds its people to a disclosure, in the service and the admin.
Nothing here is specific to organizations: the declarations are made by the test."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from accounts.models import User
from gdpr import declarations as registry
from gdpr.api import (
    DataRecipient,
    DisclosureSubjectSource,
    RecipientAddress,
    RecipientSource,
    register_disclosure_subject_source,
    register_recipient_source,
)
from gdpr.disclosures import hooks
from gdpr.disclosures.recipient_notices import (
    Correction,
    holder_addresses,
    notify_recipients,
    recipients_of,
)
from gdpr.disclosures.services import disclosure_add_from_source, disclosure_record
from gdpr.models import Disclosure, RecipientNotice, RequestKind, RequestStatus
from tests.factories import StaffFactory

from .factories import DataSubjectRequestFactory

pytestmark = pytest.mark.django_db

SCHOOL_EMAIL = "tietosuoja@lentokoulu.example"


@pytest.fixture
def school() -> Group:
    """The holder of the test's recipient: any model will do, here a group."""
    return Group.objects.create(name="Testilentokoulu")


@pytest.fixture
def school_source(school):
    """A flight school that received the data of everyone in its group."""

    def recipients_for(user: User) -> list[DataRecipient]:
        if not user.groups.filter(pk=school.pk).exists():
            return []
        return [
            DataRecipient(
                kind="flight_school",
                name=school.name,
                reason="Student",
                holder=school,
                email=SCHOOL_EMAIL,
                addresses=(RecipientAddress(SCHOOL_EMAIL, "en"),),
            )
        ]

    def addresses_of(holder: Group, exclude: User | None) -> list[RecipientAddress]:
        return [RecipientAddress(SCHOOL_EMAIL, "en")]

    source = register_recipient_source(
        RecipientSource(
            name="test_flight_school",
            recipients_for=recipients_for,
            holder_model=Group,
            addresses_of=addresses_of,
        )
    )
    yield source
    hooks.unregister_recipient_source(source.name)


@pytest.fixture
def student(member, school) -> User:
    member.groups.add(school)
    return member


def test_a_declared_recipient_is_listed(school_source, student, school):
    found = [r for r in recipients_of(student) if r.kind == "flight_school"]

    assert [(r.name, r.reason, r.holder) for r in found] == [(school.name, "Student", school)]


def test_a_declared_recipient_is_told_of_an_erasure(
    school_source, student, school, django_capture_on_commit_callbacks
):
    request = DataSubjectRequestFactory(
        kind=RequestKind.ERASURE, subject=student, status=RequestStatus.IN_PROGRESS
    )

    with django_capture_on_commit_callbacks(execute=True):
        notify_recipients(request, actor=None)

    notice = RecipientNotice.objects.for_holder(school).get(request=request)
    assert notice.recipient_name == school.name
    assert notice.recipient_email == SCHOOL_EMAIL
    assert notice.holder == school
    assert notice.sent_at is not None
    assert [m.to for m in mail.outbox] == [[SCHOOL_EMAIL]]


@pytest.mark.parametrize("held_by_the_school", [True, False])
def test_a_correction_goes_to_its_holder_only(
    school_source, student, school, held_by_the_school, django_capture_on_commit_callbacks
):
    request = DataSubjectRequestFactory(
        kind=RequestKind.RECTIFICATION, subject=student, status=RequestStatus.IN_PROGRESS
    )
    holder = school if held_by_the_school else Group.objects.create(name="Muu")
    correction = Correction(
        holder=holder, category="", texts=lambda: ("Licence", "Student record", "PPL-42")
    )

    with django_capture_on_commit_callbacks(execute=True):
        notices = notify_recipients(request, actor=None, correction=correction)

    assert [n.recipient_name for n in notices] == ([school.name] if held_by_the_school else [])


def test_a_holder_is_written_to_where_its_source_says(school_source, school, student):
    assert holder_addresses(school, exclude=student) == [RecipientAddress(SCHOOL_EMAIL, "en")]
    # A row no source declares has nowhere to be written to.
    assert holder_addresses(student) == []


def test_without_the_source_the_recipient_is_gone(school, student):
    assert all(r.kind != "flight_school" for r in recipients_of(student))


# --- Disclosure subject sources -----------------------------------------------------------


@pytest.fixture
def group_source():
    source = register_disclosure_subject_source(
        DisclosureSubjectSource(
            key="test_group",
            label="Everyone in a group",
            help_text="Adds the group's users.",
            holder_field=User._meta.get_field("groups"),
            people=lambda group: User.objects.filter(groups=group),
        )
    )
    yield source
    hooks.unregister_disclosure_subject_source(source.key)


def _partner(**overrides) -> dict:
    return {
        "kind": Disclosure.Kind.PARTNER,
        "recipient_name": "Vakuutus Oy",
        "recipient_email": "tietosuoja@vakuutus.example",
        "purpose": "Member insurance",
        "categories": [registry.categories()[0].key],
        "starts_on": datetime.date(2026, 1, 1),
        "ends_on": datetime.date(2026, 12, 31),
    } | overrides


def test_a_declared_source_adds_its_people(group_source, school, student, other_member):
    controller = StaffFactory()
    disclosure = disclosure_record(**_partner(), actor=controller)

    done = disclosure_add_from_source(
        disclosure, source="test_group", holder=school, actor=controller
    )

    assert done.added == 1
    assert list(disclosure.subjects.all()) == [student]


def test_the_admin_offers_a_declared_source(group_source, client, school, student):
    controller = StaffFactory(preferred_language="en")
    client.force_login(controller)
    url = reverse("admin:gdpr_disclosure_add")
    assert 'name="test_group"' in client.get(url).content.decode()

    data = _partner(categories=_partner()["categories"][0], starts_on="2026-01-01")
    response = client.post(
        url,
        {
            **data,
            "ends_on": "2026-12-31",
            "legal_basis": "",
            "test_group": str(school.pk),
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    disclosure = Disclosure.objects.get()
    assert response["Location"] == reverse("admin:gdpr_disclosure_changelist")
    assert list(disclosure.subjects.all()) == [student]
    assert disclosure.recorded_by == controller


def test_save_and_continue_opens_the_recorded_disclosure(client):
    client.force_login(StaffFactory(preferred_language="en"))
    data = _partner(categories=_partner()["categories"][0], starts_on="2026-01-01")

    response = client.post(
        reverse("admin:gdpr_disclosure_add"),
        {**data, "ends_on": "2026-12-31", "legal_basis": "", "_continue": "1"},
    )

    disclosure = Disclosure.objects.get()
    assert response["Location"] == reverse("admin:gdpr_disclosure_change", args=[disclosure.pk])


def test_the_notice_admin_links_the_holder(client, school, member):
    client.force_login(StaffFactory(preferred_language="en"))
    request = DataSubjectRequestFactory(subject=member, kind=RequestKind.ERASURE)
    notice = RecipientNotice.objects.create(request=request, recipient_name="Koulu", holder=school)

    page = client.get(reverse("admin:gdpr_recipientnotice_change", args=[notice.pk]))

    assert reverse("admin:auth_group_change", args=[school.pk]) in page.content.decode()
