"""The controller's communication records in the Django admin."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.client import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from communications import services
from communications.forms import MAX_ATTACHMENT_BYTES
from communications.models import CommunicationRecord
from organizations.models import Organization
from registry.admin_tools import EstimatedCountPaginator
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:communications_communicationrecord_changelist"
ADD = "admin:communications_communicationrecord_add"


@pytest.fixture(autouse=True)
def private_storage(monkeypatch, tmp_path) -> FileSystemStorage:
    """Attachments go to a throwaway private folder instead of the project's."""
    storage = FileSystemStorage(location=tmp_path / "private", base_url=None)
    field = CommunicationRecord._meta.get_field("attachment")
    monkeypatch.setattr(field, "storage", storage)
    return storage


@pytest.fixture
def controller(db) -> User:
    user = StaffFactory(email="laura.controller@example.fi", preferred_language="en")
    return user


@pytest.fixture
def controller_client(client, controller):
    client.force_login(controller)
    return client


@pytest.fixture
def club(db) -> Organization:
    return organization_with_admin(name="Malmin Ilmailukerho ry")


@pytest.fixture
def member(club) -> User:
    user = UserFactory(first_name="Aino", last_name="Virtanen", preferred_language="en")
    add_member(club, user)
    return user


def change_url(record: CommunicationRecord) -> str:
    return reverse("admin:communications_communicationrecord_change", args=[record.pk])


def delete_url(record: CommunicationRecord) -> str:
    return reverse("admin:communications_communicationrecord_delete", args=[record.pk])


def add_data(**overrides) -> dict:
    data = {
        "organization": "",
        "subject": "",
        "counterpart": "",
        "channel": CommunicationRecord.Channel.PHONE,
        "direction": CommunicationRecord.Direction.INCOMING,
        "occurred_at_0": "2026-03-02",
        "occurred_at_1": "10:15:00",
        "subject_line": "Tietopyyntö",
        "summary": "Pyysi kopion tiedoistaan.",
    }
    return data | overrides


def populate(count: int) -> None:
    for i in range(count):
        organization = organization_with_admin(name=f"Kerho {Organization.objects.count()}")
        admin_user = organization.memberships.get().user
        person = add_member(organization).user
        services.communication_log_email(
            organization=organization,
            subject=person,
            counterpart=person.email,
            subject_line=f"Kutsu {i}",
        )
        services.communication_record(
            organization=None,
            subject=person,
            channel=CommunicationRecord.Channel.LETTER,
            direction=CommunicationRecord.Direction.OUTGOING,
            summary="Kirje",
            attachment=SimpleUploadedFile(f"kirje{i}.pdf", b"kirje"),
            actor=admin_user,
        )


# --- Recording by hand ----------------------------------------------------------------------


def test_it_records_a_call_by_hand(controller_client, controller, member, club):
    response = controller_client.post(
        reverse(ADD), add_data(organization=club.pk, subject=member.pk)
    )
    assert response.status_code == 302
    record = CommunicationRecord.objects.get()
    assert record.recorded_by == controller
    assert record.kind == CommunicationRecord.Kind.MANUAL
    assert (record.organization, record.subject) == (club, member)
    assert record.counterpart == "Aino Virtanen"
    assert record.summary == "Pyysi kopion tiedoistaan."
    assert record.occurred_at.isoformat().startswith("2026-03-02T")


def test_it_records_the_controllers_own_letter_with_an_attachment(
    controller_client, controller, private_storage
):
    upload = SimpleUploadedFile("vastaus.pdf", b"%PDF vastaus", content_type="application/pdf")
    response = controller_client.post(
        reverse(ADD),
        add_data(
            counterpart="Matti Meikäläinen",
            channel=CommunicationRecord.Channel.LETTER,
            direction=CommunicationRecord.Direction.OUTGOING,
            attachment=upload,
        ),
    )
    assert response.status_code == 302
    record = CommunicationRecord.objects.get()
    assert (record.organization, record.subject) == (None, None)
    assert record.recorded_by == controller
    assert record.attachment.name == "communications/controller/vastaus.pdf"
    assert private_storage.open(record.attachment.name).read() == b"%PDF vastaus"


def test_it_needs_someone_the_record_is_about(controller_client):
    response = controller_client.post(reverse(ADD), add_data())
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert not CommunicationRecord.objects.exists()


def test_it_requires_a_summary(controller_client, member):
    response = controller_client.post(reverse(ADD), add_data(subject=member.pk, summary=""))
    assert "summary" in response.context["adminform"].form.errors
    assert not CommunicationRecord.objects.exists()


def test_it_refuses_an_attachment_over_ten_megabytes(controller_client, member):
    upload = SimpleUploadedFile("iso.pdf", b"x" * (MAX_ATTACHMENT_BYTES + 1))
    response = controller_client.post(reverse(ADD), add_data(subject=member.pk, attachment=upload))
    assert "attachment" in response.context["adminform"].form.errors
    assert not CommunicationRecord.objects.exists()


# --- Saved records --------------------------------------------------------------------------


@pytest.fixture
def automatic(club, member) -> CommunicationRecord:
    return services.communication_log_email(
        organization=club, subject=member, counterpart=member.email, subject_line="Kutsu"
    )


@pytest.fixture
def manual(club, member, controller) -> CommunicationRecord:
    return services.communication_record(
        organization=club,
        subject=member,
        channel=CommunicationRecord.Channel.LETTER,
        direction=CommunicationRecord.Direction.OUTGOING,
        summary="Kirje",
        attachment=SimpleUploadedFile("kirje.pdf", b"kirje"),
        actor=controller,
    )


@pytest.mark.parametrize("which", ["automatic", "manual"])
def test_it_shows_saved_records_read_only(controller_client, request, which):
    record = request.getfixturevalue(which)
    response = controller_client.get(change_url(record))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="summary"' not in content
    assert "deletelink" not in content
    response = controller_client.post(change_url(record), add_data(summary="Muutettu"))
    assert response.status_code == 403
    assert controller_client.post(delete_url(record), {"post": "yes"}).status_code == 403
    record.refresh_from_db()
    assert record.summary != "Muutettu"


def test_it_links_the_attachment_to_the_admin_download_only(controller_client, manual):
    content = controller_client.get(change_url(manual)).content.decode()
    download = reverse("admin:communications_communicationrecord_attachment", args=[manual.pk])
    assert f'href="{download}"' in content
    assert f'href="{manual.attachment.url}"' not in content


def test_it_searches_by_person(controller_client, automatic, member, club):
    other = add_member(club, UserFactory(first_name="Olli", last_name="Toinen")).user
    services.communication_log_email(
        organization=club, subject=other, counterpart=other.email, subject_line="Kutsu"
    )
    response = controller_client.get(reverse(CHANGELIST), {"q": "Virtanen"})
    assert list(response.context["cl"].result_list) == [automatic]


def test_it_filters_by_kind(controller_client, automatic, manual):
    response = controller_client.get(reverse(CHANGELIST), {"kind__exact": "manual"})
    assert list(response.context["cl"].result_list) == [manual]


# --- The changelist at scale ----------------------------------------------------------------


def test_it_lists_in_a_fixed_number_of_queries(controller_client, django_assert_max_num_queries):
    url = reverse(CHANGELIST)
    populate(2)
    controller_client.get(url)  # warms the session and the content type cache
    with CaptureQueriesContext(connection) as few:
        assert controller_client.get(url).status_code == 200
    populate(8)
    with django_assert_max_num_queries(len(few)):
        response = controller_client.get(url)
    assert len(response.context["cl"].result_list) == 20
    assert controller_client.get(url, {"q": "kerho"}).status_code == 200


def test_it_counts_a_big_table_from_the_estimate(controller):
    model_admin = admin.site._registry[CommunicationRecord]
    assert model_admin.paginator is EstimatedCountPaginator
    assert model_admin.show_full_result_count is False
    request = RequestFactory().get("/")
    request.user = controller
    assert not model_admin.has_delete_permission(request)
    assert model_admin.has_add_permission(request)


def test_it_refuses_staff_with_a_password_alone(client):
    client.force_login(StaffFactory(preferred_language="en", totp=False))
    response = client.get(reverse(ADD))
    assert response.status_code == 403
    assert "accounts/admin_refused.html" in [t.name for t in response.templates]
