"""Downloading an export: the subject after re-authenticating, or staff with the view
permission; 404 for everyone else, 410 with an explanation once the link has expired."""

from __future__ import annotations

import datetime
import io
import uuid
import zipfile

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Permission
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from gdpr.exports import archive as export_archive
from gdpr.exports import services as exports
from gdpr.models import DataExport, ExportDownload, RequestEvent, RequestKind
from tests.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory

from .distinctive import use_private_storage
from .factories import DataSubjectRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def storage(monkeypatch, tmp_path):
    return use_private_storage(monkeypatch, tmp_path / "private")


@pytest.fixture(autouse=True)
def quick_pdf(monkeypatch):
    monkeypatch.setattr(export_archive, "html_to_pdf", lambda html: b"%PDF-1.7 test")


@pytest.fixture
def export(member) -> DataExport:
    request = DataSubjectRequestFactory(subject=member, kind=RequestKind.ACCESS)
    export = DataExport.objects.create(request=request, subject=member, language="fi")
    exports.export_build(export.pk)
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    return export


def url(export: DataExport) -> str:
    return reverse("gdpr:export_download", kwargs={"export_id": export.pk})


def reauthenticate(client, password: str) -> None:
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def allowed_staff():
    user = StaffFactory(is_superuser=False)
    user.user_permissions.add(Permission.objects.get(codename="view_dataexport"))
    return user


def test_the_subject_downloads_the_zip_after_re_authenticating(client, member, password, export):
    client.force_login(member)
    reauthenticate(client, password)
    response = client.get(url(export))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Cache-Control"] == "no-store, private"
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert "data.json" in archive.namelist()


def test_the_subject_is_asked_to_re_authenticate_first(member_client, export):
    response = member_client.get(url(export))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not ExportDownload.objects.exists()


def test_every_download_is_logged_with_who_and_from_where(client, member, password, export):
    client.force_login(member)
    reauthenticate(client, password)
    body(client.get(url(export), REMOTE_ADDR="192.0.2.10"))
    body(client.get(url(export), REMOTE_ADDR="192.0.2.11"))
    downloads = list(ExportDownload.objects.filter(export=export).order_by("at"))
    assert [(d.downloaded_by, d.ip_address) for d in downloads] == [
        (member, "192.0.2.10"),
        (member, "192.0.2.11"),
    ]
    logged = RequestEvent.objects.filter(
        request=export.request, action=RequestEvent.Action.EXPORT_DOWNLOADED
    )
    assert [e.actor for e in logged] == [member, member]


# The client 198.51.100.7 wrote a false X-Forwarded-For of its own (203.0.113.66); each
# proxy appends the address it was reached from, and the app sees the last proxy.
THROUGH_PROXIES = [
    (1, "203.0.113.66, 198.51.100.7", "10.0.0.1"),
    (2, "203.0.113.66, 198.51.100.7, 10.0.0.1", "10.0.0.2"),
]


@pytest.mark.parametrize(("proxies", "forwarded_for", "proxy"), THROUGH_PROXIES)
def test_the_log_records_the_client_behind_trusted_proxies(
    client, member, password, export, settings, proxies, forwarded_for, proxy
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    client.force_login(member)
    reauthenticate(client, password)
    body(client.get(url(export), REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded_for))
    assert ExportDownload.objects.get().ip_address == "198.51.100.7"


def test_another_user_gets_404(client, other_member, password, export):
    client.force_login(other_member)
    reauthenticate(client, password)
    assert client.get(url(export)).status_code == 404
    assert not ExportDownload.objects.exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(client, export):
    response = client.get(url(export))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_staff_without_the_permission_get_404(client, export):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(url(export)).status_code == 404


def test_a_non_staff_user_with_the_permission_gets_404(client, export):
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="view_dataexport"))
    client.force_login(user)
    assert client.get(url(export)).status_code == 404


def test_staff_with_the_permission_download_it_and_it_is_logged(client, allowed_staff, export):
    client.force_login(allowed_staff)
    # The controller's staff prove it is them again too.
    response = client.get(url(export))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    reauthenticate(client, DEFAULT_PASSWORD)
    response = client.get(url(export))
    assert response.status_code == 200
    assert body(response).startswith(b"PK")
    assert ExportDownload.objects.get().downloaded_by == allowed_staff


def test_staff_without_a_second_factor_get_404(client, allowed_staff, export):
    # The admin demands MFA of staff; a copy of someone's whole data no less.
    Authenticator.objects.filter(user=allowed_staff).delete()
    client.force_login(allowed_staff)
    assert client.get(url(export)).status_code == 404
    assert not ExportDownload.objects.exists()


def test_an_unknown_export_is_404(client, allowed_staff):
    client.force_login(allowed_staff)
    missing = reverse("gdpr:export_download", kwargs={"export_id": uuid.uuid4()})
    assert client.get(missing).status_code == 404


@pytest.mark.parametrize("status", [DataExport.Status.PENDING, DataExport.Status.RUNNING])
def test_an_export_being_built_is_404(client, allowed_staff, export, status):
    DataExport.objects.filter(pk=export.pk).update(status=status)
    client.force_login(allowed_staff)
    reauthenticate(client, DEFAULT_PASSWORD)
    assert client.get(url(export)).status_code == 404


def test_an_expired_link_explains_itself_and_the_file_is_gone(
    client, member, password, export, storage
):
    name = export.file.name
    DataExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    client.force_login(member)
    reauthenticate(client, password)
    response = client.get(url(export))
    assert response.status_code == 410
    assert response["Cache-Control"] == "no-store, private"
    # In the member's language (Finnish).
    assert "Latauslinkki on vanhentunut" in response.content.decode()
    assert "tekemällä uuden pääsypyynnön" in response.content.decode()
    assert not storage.exists(name)
    export.refresh_from_db()
    assert export.status == DataExport.Status.EXPIRED
    assert not ExportDownload.objects.exists()
    # After the purge, the same page.
    assert client.get(url(export)).status_code == 410


def test_an_expired_link_still_answers_404_to_outsiders(client, other_member, export):
    exports.export_expire(export, now=export.expires_at)
    client.force_login(other_member)
    assert client.get(url(export)).status_code == 404


def test_download_needs_a_get(client, allowed_staff, export):
    client.force_login(allowed_staff)
    assert client.post(url(export)).status_code == 405


# --- The status partial -----------------------------------------------------------------------


def test_the_status_partial_shows_progress_while_building(member):
    request = DataSubjectRequestFactory(subject=member, kind=RequestKind.ACCESS)
    building = DataExport(
        request=request, subject=member, status=DataExport.Status.RUNNING, progress=42
    )
    html = render_to_string("gdpr/export_status.html", {"export": building})
    assert 'value="42"' in html
    assert "gdpr/exports" not in html
    refresh = render_to_string("gdpr/export_refresh.html", {"export": building})
    assert 'http-equiv="refresh"' in refresh


def test_the_status_partial_links_a_ready_export_and_stops_refreshing(export):
    html = render_to_string("gdpr/export_status.html", {"export": export})
    assert url(export) in html
    assert "refresh" not in render_to_string("gdpr/export_refresh.html", {"export": export})


def test_the_status_partial_has_no_link_once_expired(export):
    exports.export_expire(export, now=export.expires_at)
    html = render_to_string("gdpr/export_status.html", {"export": export})
    assert url(export) not in html
    assert "uuden pääsypyynnön" in html


def test_a_download_has_a_small_query_budget(
    client, member, password, export, django_assert_max_num_queries
):
    client.force_login(member)
    reauthenticate(client, password)
    # Session, user, allauth sessions and MFA checks; the export; the two log rows.
    with django_assert_max_num_queries(16):
        body(client.get(url(export)))
