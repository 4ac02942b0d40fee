"""Attachments live in private storage and download only for those allowed to see them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from communications import services
from communications.models import CommunicationRecord
from organizations.models import Organization
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db

CONTENT = b"%PDF-1.4 Hei Aino, kiitos soitosta."


@pytest.fixture(autouse=True)
def private_storage(monkeypatch, tmp_path) -> FileSystemStorage:
    """Attachments go to a throwaway private folder instead of the project's."""
    storage = FileSystemStorage(location=tmp_path / "private", base_url=None)
    field = CommunicationRecord._meta.get_field("attachment")
    monkeypatch.setattr(field, "storage", storage)
    return storage


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
def record(organization, member, admin) -> CommunicationRecord:
    return services.communication_record(
        organization=organization,
        subject=member,
        channel=CommunicationRecord.Channel.LETTER,
        direction=CommunicationRecord.Direction.OUTGOING,
        summary="Kirje jäsenmaksusta",
        attachment=SimpleUploadedFile("kirje 1.pdf", CONTENT, content_type="application/pdf"),
        actor=admin,
    )


def download_url(record: CommunicationRecord, organization_pk: int | None = None) -> str:
    return reverse(
        "communications:org_record_attachment",
        args=[organization_pk or record.organization_id, record.pk],
    )


def admin_download_url(record: CommunicationRecord) -> str:
    return reverse("admin:communications_communicationrecord_attachment", args=[record.pk])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_configured_private_storage_is_outside_media_and_static():
    private = Path(storages["private"].location).resolve()
    for public in (settings.MEDIA_ROOT, settings.STATIC_ROOT, *settings.STATICFILES_DIRS):
        public = Path(public).resolve()
        assert not private.is_relative_to(public)
        assert not public.is_relative_to(private)
    field = CommunicationRecord._meta.get_field("attachment")
    assert field._storage_callable() is storages["private"]


def test_the_attachment_is_written_to_private_storage(record, private_storage, tmp_path):
    assert private_storage.exists(record.attachment.name)
    assert (tmp_path / "private" / record.attachment.name).read_bytes() == CONTENT
    assert record.attachment.name.startswith(f"communications/{record.organization_id}/")


def test_the_organizations_admin_downloads_it(client, admin, record):
    client.force_login(admin)
    response = client.get(download_url(record))
    assert response.status_code == 200
    assert body(response) == CONTENT
    assert response["Content-Disposition"] == 'attachment; filename="kirje_1.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("who", ["anonymous", "member", "other_admin", "outsider", "staff"])
def test_nobody_else_downloads_it(client, record, member, who):
    users = {
        "anonymous": None,
        "member": member,
        "other_admin": organization_with_admin(name="Vaasan Lentokerho ry").memberships.get().user,
        "outsider": UserFactory(),
        "staff": StaffFactory(),
    }
    if users[who] is not None:
        client.force_login(users[who])
    response = client.get(download_url(record))
    expected = 302 if who == "anonymous" else 404
    assert response.status_code == expected
    assert CONTENT not in response.content


def test_an_admin_of_another_organization_cannot_reach_it_through_their_own(client, record):
    other = organization_with_admin(name="Vaasan Lentokerho ry")
    client.force_login(other.memberships.get().user)
    assert client.get(download_url(record, organization_pk=other.pk)).status_code == 404


def test_an_admin_cannot_reach_another_organizations_attachment_through_their_own(
    client, admin, organization
):
    other = organization_with_admin(name="Vaasan Lentokerho ry")
    foreign = services.communication_record(
        organization=other,
        subject=None,
        counterpart="Joku",
        channel=CommunicationRecord.Channel.LETTER,
        direction=CommunicationRecord.Direction.INCOMING,
        summary="Vaasan kirje",
        attachment=SimpleUploadedFile("vaasa.pdf", b"vaasa"),
        actor=other.memberships.get().user,
    )
    client.force_login(admin)
    assert client.get(download_url(foreign, organization_pk=organization.pk)).status_code == 404


def test_it_answers_404_for_a_record_without_an_attachment(client, admin, organization, member):
    plain = services.communication_record(
        organization=organization,
        subject=member,
        channel=CommunicationRecord.Channel.PHONE,
        direction=CommunicationRecord.Direction.OUTGOING,
        summary="Soitto",
        actor=admin,
    )
    client.force_login(admin)
    assert client.get(download_url(plain)).status_code == 404


def test_it_answers_404_when_the_file_is_gone(client, admin, record, private_storage):
    private_storage.delete(record.attachment.name)
    client.force_login(admin)
    assert client.get(download_url(record)).status_code == 404


def test_no_url_serves_the_file_directly(client, admin, record):
    client.force_login(admin)
    assert client.get(record.attachment.url).status_code == 404
    assert client.get(f"/media/{record.attachment.name}").status_code == 404
    assert client.get(f"/private/{record.attachment.name}").status_code == 404


# --- In the Django admin --------------------------------------------------------------------


def test_staff_with_mfa_download_it_in_the_admin(client, record):
    staff = StaffFactory(preferred_language="en")
    client.force_login(staff)
    response = client.get(admin_download_url(record))
    assert response.status_code == 200
    assert body(response) == CONTENT
    assert response["Content-Disposition"].startswith("attachment;")


def test_staff_with_a_password_alone_are_refused(client, record):
    client.force_login(StaffFactory(preferred_language="en", totp=False))
    response = client.get(admin_download_url(record))
    assert response.status_code == 403
    assert "accounts/admin_refused.html" in [t.name for t in response.templates]


@pytest.mark.parametrize("who", ["anonymous", "member", "admin"])
def test_the_admin_download_is_for_staff_only(client, record, member, admin, who):
    user = {"anonymous": None, "member": member, "admin": admin}[who]
    if user is not None:
        client.force_login(user)
    response = client.get(admin_download_url(record))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
