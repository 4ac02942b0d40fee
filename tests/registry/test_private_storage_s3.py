"""Private files on an S3-compatible bucket, tested against a real server (moto's).

Every node reaches the same bucket: an export built by a worker downloads from any web
process, to its owner only; the bucket itself answers nobody without a signature; erasure
and the expiry purge delete the objects.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone

from communications import services as communications
from communications.models import CommunicationRecord
from gdpr.erasure.services import erasure_execute
from gdpr.exports import archive as export_archive
from gdpr.exports import services as exports
from gdpr.models import DataExport, DataSubjectRequest, ExportDownload, RequestKind
from gdpr.requests.services import request_delete_letter, request_file
from gdpr.tasks import build_export
from registry.storage import PrivateS3Storage, StreamedObject, check_private_storage
from tests.factories import StaffFactory, UserFactory
from tests.gdpr.distinctive import build_person
from tests.gdpr.factories import DataSubjectRequestFactory
from tests.organizations.factories import add_member, organization_with_admin
from tests.s3 import private_storage_entry

pytestmark = pytest.mark.django_db

CONTENT = b"%PDF-1.4 Hei Aino, kiitos soitosta."
# Spaces, quotes, a semicolon, a percent sign, Nordic letters and an emoji.
ODD_NAME = 'Kirje "Åsa" ö 100%; ä #1 ✈.pdf'


@pytest.fixture
def reads(monkeypatch) -> list[int]:
    """The sizes asked of objects read from the bucket: the chunks a download went in."""
    asked: list[int] = []
    read = StreamedObject.read

    def spy(self, size=-1):
        asked.append(size)
        return read(self, size)

    monkeypatch.setattr(StreamedObject, "read", spy)
    return asked


@pytest.fixture(autouse=True)
def quick_pdf(monkeypatch):
    """WeasyPrint takes seconds a page; what matters here is where the ZIP goes."""
    monkeypatch.setattr(export_archive, "html_to_pdf", lambda html: b"%PDF-1.7 test")


def reauthenticate(client, password: str) -> None:
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def fetch(url: str) -> tuple[int, bytes, dict[str, str]]:
    """GET as a browser with no credentials would."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (our server)
            return answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


@pytest.fixture
def built_export(private_s3, member) -> DataExport:
    request = DataSubjectRequestFactory(subject=member, kind=RequestKind.ACCESS)
    export = DataExport.objects.create(request=request, subject=member, language="fi")
    build_export.delay(str(export.pk))
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    return export


def export_url(export: DataExport) -> str:
    return reverse("gdpr:export_download", kwargs={"export_id": export.pk})


# --- Access exports ---------------------------------------------------------------------------


def test_the_export_built_by_the_task_lands_in_the_bucket(private_s3, built_export):
    (key,) = private_s3.keys("gdpr/exports/")
    assert key == built_export.file.name
    assert key.startswith(f"gdpr/exports/{built_export.pk}/")
    stored = private_s3.read(key)
    assert len(stored) == built_export.size
    assert hashlib.sha256(stored).hexdigest() == built_export.sha256


def test_its_owner_downloads_it_streamed_from_the_bucket(
    client, member, password, private_s3, built_export, reads
):
    client.force_login(member)
    reauthenticate(client, password)
    response = client.get(export_url(built_export))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Length"] == str(built_export.size)
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Cache-Control"] == "no-store, private"
    content = body(response)
    assert content == private_s3.read(built_export.file.name)
    assert "data.json" in zipfile.ZipFile(io.BytesIO(content)).namelist()
    # Straight from the bucket in the response's blocks, never read whole.
    assert len(reads) > 2
    assert set(reads) == {FileResponse.block_size}
    assert ExportDownload.objects.get().downloaded_by == member


def test_another_member_gets_404(client, other_member, password, built_export):
    client.force_login(other_member)
    reauthenticate(client, password)
    assert client.get(export_url(built_export)).status_code == 404
    assert not ExportDownload.objects.exists()


def test_an_anonymous_visitor_gets_no_file(client, built_export):
    response = client.get(export_url(built_export))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not ExportDownload.objects.exists()


def test_the_objects_plain_url_is_refused_by_the_bucket(private_s3, built_export):
    status, content, _headers = fetch(
        f"{private_s3.endpoint}/{private_s3.name}/{built_export.file.name}"
    )
    assert status == 403
    assert b"PK" not in content


def test_the_storage_hands_out_no_url(private_s3, built_export):
    with pytest.raises(NotImplementedError):
        private_s3.storage.url(built_export.file.name)
    with pytest.raises(NotImplementedError):
        built_export.file.url  # noqa: B018


def test_a_failed_build_leaves_nothing_in_the_bucket_to_download(
    client, member, password, private_s3, monkeypatch
):
    def fails(html):
        raise OSError("disk full")

    monkeypatch.setattr(export_archive, "html_to_pdf", fails)
    request = DataSubjectRequestFactory(subject=member, kind=RequestKind.ACCESS)
    export = DataExport.objects.create(request=request, subject=member, language="fi")
    with pytest.raises(OSError, match="disk full"):
        exports.export_build(export.pk)
    assert private_s3.keys() == []
    client.force_login(member)
    reauthenticate(client, password)
    assert client.get(export_url(export)).status_code == 404


def test_an_upload_that_breaks_off_leaves_no_object(private_s3):
    class BreaksOff(io.BytesIO):
        def read(self, size=-1):
            if self.tell() >= 1024:
                raise OSError("connection reset")
            return super().read(1024)

    with pytest.raises(OSError, match="connection reset"):
        private_s3.storage.save("gdpr/exports/broken.zip", File(BreaksOff(b"x" * 10_000)))
    assert private_s3.keys() == []


def test_a_file_missing_from_the_bucket_is_a_404(
    client, member, password, private_s3, built_export
):
    private_s3.client.delete_object(Bucket=private_s3.name, Key=built_export.file.name)
    client.force_login(member)
    reauthenticate(client, password)
    assert client.get(export_url(built_export)).status_code == 404
    assert not ExportDownload.objects.exists()


def test_a_bucket_that_does_not_answer_is_a_503_page_saying_to_try_again(
    client, member, password, private_s3, built_export, monkeypatch
):
    from botocore.exceptions import EndpointConnectionError

    def unreachable(**kwargs):
        raise EndpointConnectionError(endpoint_url=private_s3.endpoint)

    monkeypatch.setattr(private_s3.storage.connection.meta.client, "get_object", unreachable)
    client.force_login(member)
    reauthenticate(client, password)
    response = client.get(export_url(built_export))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Yritä hetken kuluttua uudelleen" in response.content.decode()
    # Nothing was handed out, so nothing is logged as downloaded; the export stays ready.
    assert not ExportDownload.objects.exists()
    built_export.refresh_from_db()
    assert built_export.status == DataExport.Status.READY


# --- Signed links ------------------------------------------------------------------------------


@pytest.fixture
def redirect_mode(settings):
    settings.PRIVATE_STORAGE_DOWNLOAD = "redirect"
    settings.PRIVATE_STORAGE_SIGNED_URL_SECONDS = 45


def test_redirect_mode_gives_the_owner_a_short_lived_signed_link(
    client, member, password, private_s3, built_export, redirect_mode
):
    client.force_login(member)
    reauthenticate(client, password)
    response = client.get(export_url(built_export))
    assert response.status_code == 302
    assert response["Cache-Control"] == "no-store, private"
    assert response["Referrer-Policy"] == "no-referrer"
    link = response["Location"]
    query = parse_qs(urlsplit(link).query)
    assert query["X-Amz-Expires"] == ["45"]
    assert query["X-Amz-Signature"]
    assert query["response-content-disposition"][0].startswith("attachment; filename=")
    # The download is logged when the link is handed out.
    assert ExportDownload.objects.get().downloaded_by == member

    status, content, headers = fetch(link)
    assert status == 200
    assert content == private_s3.read(built_export.file.name)
    assert headers["Content-Disposition"].startswith("attachment")
    assert headers["Cache-Control"] == "no-store, private"


def test_redirect_mode_gives_nobody_else_a_link(
    client, other_member, password, built_export, redirect_mode
):
    assert client.get(export_url(built_export))["Location"].startswith(reverse("account_login"))
    client.force_login(other_member)
    reauthenticate(client, password)
    response = client.get(export_url(built_export))
    assert response.status_code == 404
    assert "X-Amz" not in response.get("Location", "")


# --- Attachments -------------------------------------------------------------------------------


@pytest.fixture
def admin(db):
    return UserFactory(email="aila.admin@example.fi")


@pytest.fixture
def organization(admin):
    return organization_with_admin(admin, name="Malmin Ilmailukerho ry")


def attachment_record(organization, admin, filename: str = "kirje 1.pdf") -> CommunicationRecord:
    subject = UserFactory(email="aino.member@example.fi")
    add_member(organization, subject)
    return communications.communication_record(
        organization=organization,
        subject=subject,
        channel=CommunicationRecord.Channel.LETTER,
        direction=CommunicationRecord.Direction.OUTGOING,
        summary="Kirje jäsenmaksusta",
        attachment=SimpleUploadedFile(filename, CONTENT, content_type="application/pdf"),
        actor=admin,
    )


def attachment_url(record: CommunicationRecord) -> str:
    return reverse("communications:org_record_attachment", args=[record.organization_id, record.pk])


def test_an_attachment_is_stored_in_the_bucket_and_downloads_to_the_admin(
    client, private_s3, organization, admin, reads
):
    record = attachment_record(organization, admin)
    assert private_s3.keys("communications/") == [record.attachment.name]
    client.force_login(admin)
    response = client.get(attachment_url(record))
    assert response.status_code == 200
    assert body(response) == CONTENT
    assert set(reads) == {FileResponse.block_size}
    assert response["Content-Disposition"] == 'attachment; filename="kirje_1.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(CONTENT))


def test_an_attachment_downloads_to_nobody_else(client, private_s3, organization, admin):
    record = attachment_record(organization, admin)
    client.force_login(record.subject)
    assert client.get(attachment_url(record)).status_code == 404
    client.force_login(UserFactory(email="ulla.outsider@example.fi"))
    assert client.get(attachment_url(record)).status_code == 404


def test_two_attachments_of_the_same_name_keep_both_files(private_s3, organization, admin):
    first = attachment_record(organization, admin)
    second = communications.communication_record(
        organization=organization,
        subject=first.subject,
        channel=CommunicationRecord.Channel.LETTER,
        direction=CommunicationRecord.Direction.OUTGOING,
        summary="Toinen kirje",
        attachment=SimpleUploadedFile("kirje 1.pdf", b"other", content_type="application/pdf"),
        actor=admin,
    )
    assert first.attachment.name != second.attachment.name
    assert private_s3.read(first.attachment.name) == CONTENT
    assert private_s3.read(second.attachment.name) == b"other"


def test_a_file_name_with_odd_characters_downloads_under_its_name(
    client, private_s3, organization, admin, settings
):
    record = attachment_record(organization, admin, filename=ODD_NAME)
    client.force_login(admin)
    response = client.get(attachment_url(record))
    assert response.status_code == 200
    assert body(response) == CONTENT
    # Django's own cleaning keeps the letters; the bucket holds the key as it is.
    assert record.attachment.name.endswith("/Kirje_Åsa_ö_100_ä_1_.pdf")
    assert private_s3.keys("communications/") == [record.attachment.name]
    assert "filename*=utf-8''" in response["Content-Disposition"]

    settings.PRIVATE_STORAGE_DOWNLOAD = "redirect"
    link = client.get(attachment_url(record))["Location"]
    status, content, headers = fetch(link)
    assert status == 200
    assert content == CONTENT
    assert "filename*=utf-8''" in headers["Content-Disposition"]


# --- Signed letters ----------------------------------------------------------------------------


def letter_url(request: DataSubjectRequest) -> str:
    return reverse("admin:gdpr_datasubjectrequest_letter", args=[request.pk])


def test_a_signed_letter_is_in_the_bucket_and_downloads_to_staff_only(client, private_s3, member):
    request = DataSubjectRequestFactory(subject=member)
    request.letter.save("kirje.pdf", ContentFile(b"%PDF signed letter"), save=True)
    assert private_s3.keys("gdpr/letters/") == [request.letter.name]
    client.force_login(StaffFactory(email="laura.controller@example.fi"))
    response = client.get(letter_url(request))
    assert response.status_code == 200
    assert body(response) == b"%PDF signed letter"
    assert "no-store" in response["Cache-Control"]
    client.force_login(member)
    assert client.get(letter_url(request)).status_code == 302  # to the admin's sign-in


# --- Deleting ----------------------------------------------------------------------------------


def test_deleting_a_letter_deletes_its_object_after_the_commit(
    private_s3, member, django_capture_on_commit_callbacks
):
    request = DataSubjectRequestFactory(subject=member)
    request.letter.save("kirje.pdf", ContentFile(b"%PDF signed letter"), save=True)
    name = request.letter.name
    staff = StaffFactory(email="laura.controller@example.fi")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        request_delete_letter(request, actor=staff)
    # A rollback would still find the file.
    assert private_s3.keys() == [name]
    for callback in callbacks:
        callback()
    assert private_s3.keys() == []


def test_the_expired_export_purge_deletes_the_object(private_s3, built_export):
    DataExport.objects.filter(pk=built_export.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert exports.exports_purge_expired() == 1
    assert private_s3.keys() == []


def test_erasure_deletes_the_persons_objects_from_the_bucket(
    private_s3, django_capture_on_commit_callbacks
):
    person = build_person("S")
    names = set(private_s3.keys())
    assert len(names) == 3  # the attachment, the letter, the export
    request = request_file(subject=person.user, kind=RequestKind.ERASURE, actor=person.user)
    DataSubjectRequest.objects.filter(pk=request.pk).update(status="in_progress")
    request.refresh_from_db()
    controller = StaffFactory(email="tilda.controller@example.fi")
    with django_capture_on_commit_callbacks(execute=True):
        erasure_execute(request, actor=controller)
    # What is left is the erasure ledger's copy, which names no file and holds no value.
    left = private_s3.keys()
    assert [key for key in left if not key.startswith("erasure-ledger/")] == []
    assert len(left) == 1


# --- Large files (backups use the same storage) -------------------------------------------------


def test_a_large_binary_file_goes_in_and_comes_out_in_chunks(private_s3):
    chunk = bytes(range(256)) * 4096  # 1 MiB
    with private_s3.storage.open("backups/large.bin", "wb") as target:
        for _ in range(7):  # past S3's 5 MiB multipart part size
            target.write(chunk)
    assert private_s3.storage.size("backups/large.bin") == 7 * len(chunk)
    digest = hashlib.sha256()
    with private_s3.storage.open("backups/large.bin", "rb") as source:
        assert isinstance(source, StreamedObject)
        for piece in source.chunks(256 * 1024):
            assert len(piece) <= 256 * 1024
            digest.update(piece)
    assert digest.hexdigest() == hashlib.sha256(chunk * 7).hexdigest()
    _dirs, files = private_s3.storage.listdir("backups")
    assert files == ["large.bin"]
    assert private_s3.storage.get_modified_time("backups/large.bin") <= timezone.now()
    private_s3.storage.delete("backups/large.bin")
    assert not private_s3.storage.exists("backups/large.bin")


# --- Settings and the system check -------------------------------------------------------------


def test_the_check_accepts_the_private_bucket(private_s3):
    assert check_private_storage() == []


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"default_acl": "public-read"}, "registry.E002"),
        ({"object_parameters": {"ACL": "public-read"}}, "registry.E002"),
        ({"querystring_auth": False}, "registry.E003"),
        ({"custom_domain": "files.example.fi"}, "registry.E003"),
    ],
)
def test_the_check_refuses_a_public_setting(s3_endpoint, settings, options, error):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": private_storage_entry("any", s3_endpoint, **options),
    }
    assert [message.id for message in check_private_storage()] == [error]


def test_the_check_refuses_a_plain_s3_storage(s3_endpoint, settings):
    entry = private_storage_entry("any", s3_endpoint)
    entry["BACKEND"] = "storages.backends.s3.S3Storage"
    settings.STORAGES = {**settings.STORAGES, "private": entry}
    assert [message.id for message in check_private_storage()] == ["registry.E001"]


def test_the_check_warns_that_a_local_folder_cannot_redirect(settings):
    settings.PRIVATE_STORAGE_DOWNLOAD = "redirect"
    assert [message.id for message in check_private_storage()] == ["registry.W001"]


def test_the_bucket_storage_writes_no_acl_and_keeps_existing_names(private_s3):
    storage = private_s3.storage
    assert isinstance(storage, PrivateS3Storage)
    assert storage.default_acl is None
    assert storage.file_overwrite is False
    # An unreachable storage fails a request in seconds, not minutes.
    assert storage.client_config.connect_timeout == 5
    assert storage.client_config.read_timeout == 30
    assert storage.client_config.s3 == {"addressing_style": "path"}
    assert storage.client_config.signature_version == "s3v4"
    storage.save("x/a.txt", ContentFile(b"1"))
    assert storage.save("x/a.txt", ContentFile(b"2")) != "x/a.txt"


def settings_from(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, registry.settings as s;"
            "print(json.dumps([s.STORAGES['private'], s.PRIVATE_STORAGE_DOWNLOAD,"
            " s.PRIVATE_STORAGE_SIGNED_URL_SECONDS]))",
        ],
        env={"PATH": "/usr/bin:/bin", "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_local_folder_stays_the_default():
    private, download, seconds = json.loads(settings_from({}).stdout)
    assert private["BACKEND"] == "registry.storage.PrivateFileSystemStorage"
    assert (download, seconds) == ("stream", 60)


def test_a_bucket_in_the_environment_makes_the_private_storage_s3():
    env = {
        "PRIVATE_STORAGE_BUCKET": "registry-private",
        "PRIVATE_STORAGE_ENDPOINT_URL": "https://minio.example.fi:9000",
        "PRIVATE_STORAGE_REGION": "us-east-1",
        "PRIVATE_STORAGE_ACCESS_KEY_ID": "registry",
        "PRIVATE_STORAGE_SECRET_ACCESS_KEY": "secret",
        "PRIVATE_STORAGE_PREFIX": "/prod/",
        "PRIVATE_STORAGE_ENCRYPTION": "aws:kms",
        "PRIVATE_STORAGE_KMS_KEY_ID": "key-1",
        "PRIVATE_STORAGE_DOWNLOAD": "redirect",
        "PRIVATE_STORAGE_SIGNED_URL_SECONDS": "30",
    }
    private, download, seconds = json.loads(settings_from(env).stdout)
    assert private == {
        "BACKEND": "registry.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": "registry-private",
            "endpoint_url": "https://minio.example.fi:9000",
            "region_name": "us-east-1",
            "access_key": "registry",
            "secret_key": "secret",
            "location": "prod",
            "addressing_style": "path",
            "object_parameters": {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "key-1"},
            "connect_timeout": 5,
            "read_timeout": 30,
        },
    }
    assert (download, seconds) == ("redirect", 30)


@pytest.mark.parametrize(
    "env",
    [
        {"PRIVATE_STORAGE_BUCKET": "b", "PRIVATE_STORAGE_ENCRYPTION": "rot13"},
        {"PRIVATE_STORAGE_BUCKET": "b", "PRIVATE_STORAGE_KMS_KEY_ID": "key-1"},
        {"PRIVATE_STORAGE_DOWNLOAD": "public"},
        {"PRIVATE_STORAGE_SIGNED_URL_SECONDS": "86400"},
    ],
)
def test_start_up_stops_on_a_wrong_value(env):
    assert "ImproperlyConfigured" in settings_from(env).stderr
