"""A member sees the communication recorded about them on "My data", and only that."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import User
from communications.models import CommunicationRecord
from communications.services import communication_log_email
from organizations.models import Organization
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db) -> User:
    return UserFactory(email="aila.admin@example.fi", preferred_language="en")


@pytest.fixture
def organization(admin) -> Organization:
    return organization_with_admin(admin, name="Malmin Ilmailukerho ry")


@pytest.fixture
def member(organization) -> User:
    user = UserFactory(email="aino.member@example.fi", preferred_language="en")
    add_member(organization, user)
    return user


@pytest.fixture
def other_member(organization) -> User:
    user = UserFactory(email="olli.other@example.fi", preferred_language="en")
    add_member(organization, user)
    return user


def communications_section(client) -> str:
    response = client.get(reverse("accounts:my_data"))
    assert response.status_code == 200
    found = re.search(
        r'<section[^>]*id="section-communications".*?</section>',
        response.content.decode(),
        re.DOTALL,
    )
    assert found, "the communications section is missing"
    return found.group(0)


def test_it_shows_records_made_by_hand_and_automatically(
    client, admin, organization, member, other_member
):
    client.force_login(admin)
    client.post(
        reverse("communications:org_record_add", args=[organization.pk]),
        {
            "member": organization.memberships.get(user=member).pk,
            "channel": CommunicationRecord.Channel.PHONE,
            "direction": CommunicationRecord.Direction.INCOMING,
            "occurred_at": "2026-03-02T14:30",
            "subject_line": "Soitto lentovuoroista",
            "summary": "Kysyi kesän lentovuoroista.",
        },
    )
    staff = StaffFactory(preferred_language="en")
    client.force_login(staff)
    client.post(
        reverse("admin:communications_communicationrecord_add"),
        {
            "subject": member.pk,
            "channel": CommunicationRecord.Channel.LETTER,
            "direction": CommunicationRecord.Direction.OUTGOING,
            "occurred_at_0": "2026-03-03",
            "occurred_at_1": "09:00:00",
            "subject_line": "Vastaus tietopyyntöön",
            "summary": "Lähetetty kopio tiedoista.",
        },
    )
    # Mail the service sent (an invoice, an invitation) is logged automatically.
    communication_log_email(
        organization=organization,
        subject=member,
        counterpart=member.email,
        subject_line="Lasku 17 Malmin Ilmailukerho ry",
    )
    communication_log_email(
        organization=organization,
        subject=other_member,
        counterpart=other_member.email,
        subject_line="Ollin lasku",
    )
    assert CommunicationRecord.objects.filter(recorded_by__isnull=False).count() == 2

    client.force_login(member)
    section = communications_section(client)
    assert "Soitto lentovuoroista" in section
    assert "Kysyi kesän lentovuoroista." in section
    assert "Vastaus tietopyyntöön" in section
    assert "The controller" in section  # the controller's own record has no organization
    assert "Lasku 17 Malmin Ilmailukerho ry" in section
    assert "Ollin lasku" not in section

    client.force_login(other_member)
    section = communications_section(client)
    assert "Ollin lasku" in section
    for others in ("Soitto lentovuoroista", "Vastaus tietopyyntöön", "Lasku 17"):
        assert others not in section
