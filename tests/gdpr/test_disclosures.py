"""Disclosures of people's data to partners and authorities (issue 5 item 8)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from accounts.models import User
from gdpr.disclosures.services import (
    DisclosureError,
    disclosure_add_from_source,
    disclosure_add_subjects,
    disclosure_record,
    disclosures_of,
)
from gdpr.models import AuditEntry, Disclosure, DisclosureSubject
from organizations.models import Membership
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 2, 1)
END = datetime.date(2026, 12, 31)


@pytest.fixture
def controller() -> User:
    return StaffFactory(email="rekisteri@example.fi", first_name="Reija", last_name="Rekisteri")


def partner(**overrides):
    data = {
        "kind": Disclosure.Kind.PARTNER,
        "recipient_name": "Lentovakuutus Oy",
        "recipient_email": "tietosuoja@lentovakuutus.example",
        "purpose": "Ryhmävakuutuksen tarjous jäsenille",
        "legal_basis": "Sopimus kerhon kanssa",
        "categories": ["membership"],
        "starts_on": START,
        "ends_on": END,
        "outside_eea": False,
    }
    return data | overrides


def many_users(count: int, prefix: str) -> list[User]:
    return User.objects.bulk_create(
        User(email=f"{prefix}{n}@example.fi", first_name="Massa", last_name=f"{n}")
        for n in range(count)
    )


def test_it_records_a_partner_disclosure_with_its_people(controller, member, other_member):
    disclosure = disclosure_record(**partner(), subjects=[member, other_member], actor=controller)

    assert disclosure.recorded_by == controller
    assert disclosure.categories == ["membership"]
    assert set(disclosure.subjects.all()) == {member, other_member}


def test_it_records_an_authority_disclosure_without_an_end(controller, member):
    disclosure = disclosure_record(
        **partner(
            kind=Disclosure.Kind.AUTHORITY,
            recipient_name="Poliisi",
            legal_basis="Poliisilaki 4:3",
            ends_on=None,
        ),
        subjects=[member],
        actor=controller,
    )

    assert disclosure.ends_on is None
    assert list(disclosures_of(member)) == [disclosure]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"categories": ["membership", "shoe_size"]}, "categories"),
        ({"categories": []}, "categories"),
        ({"ends_on": None}, "ends_on"),
        ({"ends_on": START - datetime.timedelta(days=1)}, "ends_on"),
        ({"kind": Disclosure.Kind.AUTHORITY, "legal_basis": "  "}, "legal_basis"),
        ({"kind": "friend"}, "kind"),
        ({"recipient_name": ""}, "recipient_name"),
        ({"purpose": ""}, "purpose"),
        ({"recipient_email": "not an address"}, "recipient_email"),
    ],
)
def test_it_refuses_a_disclosure_that_breaks_a_rule(controller, member, overrides, field):
    with pytest.raises(DisclosureError) as caught:
        disclosure_record(**partner(**overrides), subjects=[member], actor=controller)

    assert field in caught.value.message_dict
    assert not Disclosure.objects.exists()


def test_a_transfer_outside_the_eea_needs_its_country_and_safeguard(controller, member):
    with pytest.raises(DisclosureError) as error:
        disclosure_record(**partner(outside_eea=True), subjects=[member], actor=controller)
    assert set(error.value.message_dict) == {"destination_country", "transfer_safeguards"}
    disclosure = disclosure_record(
        **partner(
            outside_eea=True,
            destination_country="Kanada",
            transfer_safeguards="Komission tietosuojan riittävyyttä koskeva päätös",
        ),
        actor=controller,
    )
    assert disclosure.destination_country == "Kanada"
    # Inside the EU/EEA there is no destination to keep.
    inside = disclosure_record(**partner(destination_country="Ruotsi"), actor=controller)
    assert inside.destination_country == ""


def test_it_names_the_unknown_categories(controller):
    with pytest.raises(DisclosureError) as caught:
        disclosure_record(**partner(categories=["membership", "shoe_size"]), actor=controller)

    assert "shoe_size" in caught.value.message_dict["categories"][0]


def test_it_adds_people_in_bulk_from_a_queryset(controller, django_assert_max_num_queries):
    many_users(2500, "massa")
    disclosure = disclosure_record(**partner(), actor=controller)

    # Three batches of a thousand: SELECTs of who is already on it and who is restricted
    # and two INSERTs each, plus the lock and the streamed read of the people.
    with django_assert_max_num_queries(17):
        added = disclosure_add_subjects(
            disclosure, users=User.objects.filter(email__startswith="massa"), actor=controller
        )

    assert added.added == 2500
    assert DisclosureSubject.objects.filter(disclosure=disclosure).count() == 2500


def test_it_skips_people_already_on_the_disclosure(controller, member, other_member):
    disclosure = disclosure_record(**partner(), subjects=[member], actor=controller)

    added = disclosure_add_subjects(
        disclosure, users=[member, other_member, other_member], actor=controller
    )

    assert added.added == 1
    assert DisclosureSubject.objects.filter(disclosure=disclosure).count() == 2


def test_a_partner_never_gets_a_person_whose_processing_is_restricted(
    controller, member, other_member
):
    from gdpr.disclosures.services import Added
    from gdpr.models import ProcessingRestriction

    ProcessingRestriction.objects.create(user=member, reason="Tietojen oikeellisuus kiistetty")
    lifted = ProcessingRestriction.objects.create(user=other_member, reason="Vanha")
    lifted.lifted_at = lifted.started_at
    lifted.save()
    to_partner = disclosure_record(**partner(), actor=controller)
    done = disclosure_add_subjects(to_partner, users=[member, other_member], actor=controller)
    assert done == Added(added=1, restricted=1)
    assert list(to_partner.subjects.all()) == [other_member]
    # A duty to an authority still applies (Art. 18(2)).
    to_authority = disclosure_record(
        **partner(kind=Disclosure.Kind.AUTHORITY, recipient_name="Verohallinto", ends_on=None),
        actor=controller,
    )
    assert disclosure_add_subjects(to_authority, users=[member], actor=controller).added == 1


def test_it_records_each_person_added_in_the_audit_trail(controller, member):
    disclosure = disclosure_record(**partner(), subjects=[member], actor=controller)

    entry = AuditEntry.objects.get(model="gdpr.disclosuresubject", subject=member)
    assert entry.actor == controller
    assert entry.action == AuditEntry.Action.CREATED
    row = DisclosureSubject.objects.get(disclosure=disclosure, user=member)
    assert entry.object_id == str(row.pk)


def test_it_adds_the_active_members_of_an_organization(controller, member, other_member):
    organization = organization_with_admin(UserFactory(), name="Kerho ry")
    add_member(organization, member)
    add_member(organization, other_member, status=Membership.Status.ENDED)
    disclosure = disclosure_record(**partner(), actor=controller)

    added = disclosure_add_from_source(
        disclosure, source="organization", holder=organization, actor=controller
    )

    # The admin who registered the club and the active member; not the one who left.
    assert added.added == 2
    assert member in disclosure.subjects.all()
    assert other_member not in disclosure.subjects.all()


def test_it_lists_a_persons_disclosures_newest_first(controller, member, other_member):
    older = disclosure_record(**partner(starts_on=datetime.date(2025, 1, 1)), actor=controller)
    newer = disclosure_record(**partner(), actor=controller)
    not_theirs = disclosure_record(**partner(), subjects=[other_member], actor=controller)
    disclosure_add_subjects(older, users=[member], actor=controller)
    disclosure_add_subjects(newer, users=[member], actor=controller)

    assert list(disclosures_of(member)) == [newer, older]
    assert not_theirs not in disclosures_of(member)


def test_listing_a_persons_disclosures_is_one_query(controller, member, django_assert_num_queries):
    for _n in range(5):
        disclosure_record(**partner(), subjects=[member], actor=controller)

    with django_assert_num_queries(1):
        assert len(list(disclosures_of(member))) == 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_it_adds_a_large_register_on_postgresql(controller):
    organization = organization_with_admin(UserFactory(), name="Suuri kerho ry")
    users = many_users(3000, "suuri")
    Membership.objects.bulk_create(
        Membership(organization=organization, user=user, status=Membership.Status.ACTIVE)
        for user in users
    )
    disclosure = disclosure_record(**partner(), actor=controller)

    done = disclosure_add_from_source(
        disclosure, source="organization", holder=organization, actor=controller
    )
    assert done.added == 3001
    again = disclosure_add_from_source(
        disclosure, source="organization", holder=organization, actor=controller
    )
    assert again.added == 0
