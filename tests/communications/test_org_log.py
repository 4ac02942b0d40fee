"""An organization's admins keep a log of their communication with members."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from communications import services
from communications.forms import MAX_ATTACHMENT_BYTES
from communications.models import CommunicationRecord
from organizations.models import Membership, Organization
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db

HELSINKI = ZoneInfo("Europe/Helsinki")


@pytest.fixture(autouse=True)
def private_storage(monkeypatch, tmp_path) -> FileSystemStorage:
    """Attachments go to a throwaway private folder instead of the project's."""
    storage = FileSystemStorage(location=tmp_path / "private", base_url=None)
    field = CommunicationRecord._meta.get_field("attachment")
    monkeypatch.setattr(field, "storage", storage)
    return storage


@pytest.fixture
def admin(db) -> User:
    return UserFactory(
        email="aila.admin@example.fi",
        first_name="Aila",
        last_name="Admin",
        preferred_language="en",
    )


@pytest.fixture
def organization(admin) -> Organization:
    return organization_with_admin(admin, name="Malmin Ilmailukerho ry")


@pytest.fixture
def admin_client(client, admin, organization):
    client.force_login(admin)
    return client


@pytest.fixture
def membership(organization) -> Membership:
    user = UserFactory(
        email="aino.member@example.fi",
        first_name="Aino",
        last_name="Virtanen",
        preferred_language="en",
    )
    return add_member(organization, user, member_number="17")


def list_url(organization: Organization) -> str:
    return reverse("communications:org_records", args=[organization.pk])


def add_url(organization: Organization) -> str:
    return reverse("communications:org_record_add", args=[organization.pk])


def form_data(membership: Membership, **overrides) -> dict:
    data = {
        "member": membership.pk,
        "channel": CommunicationRecord.Channel.PHONE,
        "direction": CommunicationRecord.Direction.INCOMING,
        "occurred_at": "2026-03-02T14:30",
        "subject_line": "Jäsenmaksu",
        "summary": "Kysyi jäsenmaksun eräpäivästä.",
    }
    return data | overrides


# --- Recording by hand ----------------------------------------------------------------------


def test_it_records_a_call_by_hand(admin_client, admin, organization, membership):
    response = admin_client.post(add_url(organization), form_data(membership))
    assert response.status_code == 302
    assert response["Location"] == list_url(organization)
    record = CommunicationRecord.objects.get()
    assert record.organization == organization
    assert record.subject == membership.user
    assert record.counterpart == "Aino Virtanen"
    assert record.recorded_by == admin
    assert record.kind == CommunicationRecord.Kind.MANUAL
    assert record.channel == CommunicationRecord.Channel.PHONE
    assert record.direction == CommunicationRecord.Direction.INCOMING
    assert record.occurred_at == datetime.datetime(2026, 3, 2, 14, 30, tzinfo=HELSINKI)
    assert record.summary == "Kysyi jäsenmaksun eräpäivästä."
    assert not record.attachment


def test_it_stores_an_attachment_privately(
    admin_client, organization, membership, private_storage, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    upload = SimpleUploadedFile("kirje.pdf", b"%PDF-1.4 kirje", content_type="application/pdf")
    admin_client.post(
        add_url(organization),
        form_data(membership, channel=CommunicationRecord.Channel.LETTER, attachment=upload),
    )
    record = CommunicationRecord.objects.get()
    assert record.attachment.name == f"communications/{organization.pk}/kirje.pdf"
    stored = tmp_path / "private" / record.attachment.name
    assert stored.read_bytes() == b"%PDF-1.4 kirje"
    assert not (tmp_path / "media").exists()
    # Nothing serves the storage's files by URL: only the checked download view.
    assert admin_client.get(record.attachment.url).status_code == 404


def test_it_refuses_an_attachment_over_ten_megabytes(admin_client, organization, membership):
    upload = SimpleUploadedFile("iso.pdf", b"x" * (MAX_ATTACHMENT_BYTES + 1))
    response = admin_client.post(add_url(organization), form_data(membership, attachment=upload))
    assert response.status_code == 200
    assert "attachment" in response.context["form"].errors
    assert not CommunicationRecord.objects.exists()


def test_it_accepts_an_attachment_of_exactly_ten_megabytes(admin_client, organization, membership):
    upload = SimpleUploadedFile("iso.pdf", b"x" * MAX_ATTACHMENT_BYTES)
    response = admin_client.post(add_url(organization), form_data(membership, attachment=upload))
    assert response.status_code == 302
    assert CommunicationRecord.objects.get().attachment.size == MAX_ATTACHMENT_BYTES


def test_it_offers_only_the_organizations_active_members(admin_client, admin, organization):
    active = add_member(organization, UserFactory(first_name="Aktiivi", last_name="Jäsen"))
    ended = add_member(
        organization,
        UserFactory(first_name="Entinen", last_name="Jäsen"),
        status=Membership.Status.ENDED,
    )
    other = add_member(organization_with_admin(name="Vaasan Lentokerho ry"))
    response = admin_client.get(add_url(organization))
    choices = {pk.value for pk, _label in response.context["form"].fields["member"].choices if pk}
    own = Membership.objects.get(organization=organization, user=admin)
    assert choices == {active.pk, own.pk}
    for refused in (ended, other):
        response = admin_client.post(add_url(organization), form_data(refused))
        assert response.status_code == 200
        assert "member" in response.context["form"].errors
    assert not CommunicationRecord.objects.exists()


def test_it_requires_a_summary_and_a_time_not_in_the_future(admin_client, organization, membership):
    future = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = admin_client.post(
        add_url(organization), form_data(membership, summary="", occurred_at=future)
    )
    assert set(response.context["form"].errors) == {"summary", "occurred_at"}
    assert not CommunicationRecord.objects.exists()


def test_it_ignores_a_smuggled_organization(admin_client, organization, membership):
    other = organization_with_admin(name="Vaasan Lentokerho ry")
    admin_client.post(add_url(organization), form_data(membership, organization=other.pk))
    assert CommunicationRecord.objects.get().organization == organization


def test_it_preselects_a_member_from_the_link(admin_client, organization, membership):
    response = admin_client.get(add_url(organization), {"member": membership.pk})
    assert f'<option value="{membership.pk}" selected>' in response.content.decode()


# --- The list -------------------------------------------------------------------------------


def test_it_lists_the_organizations_records_newest_first(
    admin_client, admin, organization, membership
):
    old = services.communication_record(
        organization=organization,
        subject=membership.user,
        channel=CommunicationRecord.Channel.PHONE,
        direction=CommunicationRecord.Direction.OUTGOING,
        occurred_at=timezone.now() - datetime.timedelta(days=2),
        summary="Soitto",
        actor=admin,
    )
    new = services.communication_log_email(
        organization=organization,
        subject=membership.user,
        counterpart=membership.email,
        subject_line="Lasku 1",
    )
    elsewhere = services.communication_log_email(
        organization=organization_with_admin(name="Vaasan Lentokerho ry"),
        subject=membership.user,
        counterpart=membership.email,
        subject_line="Vaasan lasku",
    )
    response = admin_client.get(list_url(organization))
    assert response.status_code == 200
    assert list(response.context["page"]) == [new, old]
    content = response.content.decode()
    assert "Lasku 1" in content
    assert elsewhere.subject_line not in content


def cells_of_the_with_column(content: str) -> list[str]:
    rows = re.findall(r"<tr>\s*<td>[^<]*</td>\s*<td>([^<]*)</td>", content)
    return [" ".join(cell.split()) for cell in rows]


def test_it_names_the_person_the_same_way_for_mail_sent_and_records_made_by_hand(
    admin_client, admin, organization, membership
):
    services.communication_record(
        organization=organization,
        subject=membership.user,
        channel=CommunicationRecord.Channel.PHONE,
        direction=CommunicationRecord.Direction.OUTGOING,
        occurred_at=timezone.now() - datetime.timedelta(days=3),
        summary="Soitto",
        actor=admin,
    )
    services.communication_log_email(
        organization=organization,
        subject=membership.user,
        counterpart="aino.member@example.fi",
        subject_line="Lasku 1",
    )
    # A person with no name yet is named by their address.
    nameless = UserFactory(email="nimeton@example.fi", first_name="", last_name="")
    add_member(organization, nameless)
    services.communication_log_email(
        organization=organization,
        subject=nameless,
        counterpart="nimeton@example.fi",
        subject_line="Lasku 2",
    )
    # Mail to someone with no account yet (an invitation): only the address is known.
    services.communication_log_email(
        organization=organization,
        subject=None,
        counterpart="kutsuttu@example.fi",
        subject_line="Kutsu",
    )
    content = admin_client.get(list_url(organization)).content.decode()
    assert cells_of_the_with_column(content) == [
        "kutsuttu@example.fi",
        "nimeton@example.fi",
        "Aino Virtanen",
        "Aino Virtanen",
    ]
    assert "aino.member@example.fi" not in content


def test_it_is_linked_from_the_organizations_menu(admin_client, organization):
    response = admin_client.get(reverse("organizations:detail", args=[organization.pk]))
    assert f'href="{list_url(organization)}"' in response.content.decode()


def test_it_filters_by_channel(admin_client, admin, organization, membership):
    call = services.communication_record(
        organization=organization,
        subject=membership.user,
        channel=CommunicationRecord.Channel.PHONE,
        direction=CommunicationRecord.Direction.OUTGOING,
        summary="Soitto",
        actor=admin,
    )
    services.communication_log_email(
        organization=organization,
        subject=membership.user,
        counterpart=membership.email,
        subject_line="Lasku 1",
    )
    response = admin_client.get(list_url(organization), {"channel": "phone"})
    assert list(response.context["page"]) == [call]
    response = admin_client.get(list_url(organization), {"channel": "carrier-pigeon"})
    assert len(response.context["page"]) == 2


def test_it_pages_the_list_in_a_fixed_number_of_queries(
    admin_client, admin, organization, membership, django_assert_max_num_queries
):
    def record(n: int) -> None:
        for i in range(n):
            services.communication_record(
                organization=organization,
                subject=membership.user,
                channel=CommunicationRecord.Channel.PHONE,
                direction=CommunicationRecord.Direction.OUTGOING,
                summary=f"Soitto {i}",
                actor=admin,
            )

    record(2)
    admin_client.get(list_url(organization))
    with CaptureQueriesContext(connection) as few:
        admin_client.get(list_url(organization))
    record(60)
    with django_assert_max_num_queries(len(few)):
        response = admin_client.get(list_url(organization))
    assert len(response.context["page"]) == 50
    assert response.context["page"].paginator.num_pages == 2
    assert admin_client.get(list_url(organization), {"page": 2}).status_code == 200
