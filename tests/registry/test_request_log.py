"""One log line per request: its id, method, path, status, time and user id, nothing more."""

from __future__ import annotations

import json
import logging
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from organizations import services as organization_services
from registry.celery import _send_request_id
from registry.request_log import JsonFormatter, RequestIdFilter, TextFormatter, request_id
from tests.organizations.factories import organization_with_admin

pytestmark = pytest.mark.django_db

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def lines(caplog):
    """The request lines the test's requests wrote."""
    caplog.set_level(logging.DEBUG, logger="registry.request")

    def read() -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.name == "registry.request"]

    return read


def as_json(record: logging.LogRecord) -> dict:
    RequestIdFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_it_logs_one_line_with_the_requests_fields(member_client, member, lines):
    response = member_client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    [record] = lines()
    entry = as_json(record)
    assert entry["level"] == "INFO"
    assert entry["logger"] == "registry.request"
    assert entry["method"] == "GET"
    assert entry["path"] == reverse("accounts:profile")
    assert entry["status"] == 200
    assert isinstance(entry["duration_ms"], int | float)
    assert entry["duration_ms"] >= 0
    assert entry["user_id"] == member.pk
    assert entry["request_id"] == response["X-Request-ID"]
    assert GENERATED_ID.fullmatch(entry["request_id"])
    assert "client_ip" not in entry


def test_it_names_no_person_and_drops_the_query_string(member_client, member, lines):
    member_client.get(reverse("gdpr:notice") + "?q=Virtanen&email=aino.member@example.fi")
    [record] = lines()
    line = JsonFormatter().format(record)
    assert reverse("gdpr:notice") in line
    for personal in (member.email, "Virtanen", "Aino", "?q=", "127.0.0.1"):
        assert personal not in line
    assert "?" not in as_json(record)["path"]


def test_it_logs_an_anonymous_request_without_a_user(client, lines):
    client.get(reverse("home"))
    [record] = lines()
    assert as_json(record)["user_id"] is None


def test_it_hides_the_secret_in_an_invitation_link(client, member, lines):
    organization = organization_with_admin(member)
    invitation = organization_services.invitation_create(
        organization=organization, email="ville@example.fi", name="Ville", actor=member
    )
    client.get(reverse("organizations:invitation", args=[invitation.token]))
    [record] = lines()
    path = as_json(record)["path"]
    assert str(invitation.token) not in path
    assert "<token>" in path


def test_it_takes_a_sane_request_id_from_the_proxy(client, lines):
    proxy_id = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    response = client.get(reverse("home"), HTTP_X_REQUEST_ID=proxy_id)
    assert response["X-Request-ID"] == proxy_id
    assert as_json(lines()[0])["request_id"] == proxy_id


@pytest.mark.parametrize(
    "bad",
    ["short", "a b c d e f g h", "x" * 300, 'abc"}\n{"level":"ERROR"', "<script>alert(1)"],
)
def test_it_replaces_a_request_id_that_is_not_a_sane_token(client, lines, bad):
    response = client.get(reverse("home"), HTTP_X_REQUEST_ID=bad)
    assert GENERATED_ID.fullmatch(response["X-Request-ID"])
    assert as_json(lines()[0])["request_id"] == response["X-Request-ID"]


def test_it_logs_the_health_probes_at_debug_level_only(client, lines):
    response = client.get("/health/live")
    [record] = lines()
    assert record.levelno == logging.DEBUG
    assert response["X-Request-ID"]


def test_it_logs_the_clients_address_only_when_configured(client, lines):
    with override_settings(REQUEST_LOG_CLIENT_IP=True):
        client.get(reverse("home"), REMOTE_ADDR="192.0.2.7")
    assert as_json(lines()[0])["client_ip"] == "192.0.2.7"


def test_other_lines_of_the_request_carry_its_id():
    record = logging.LogRecord("billing", logging.INFO, __file__, 1, "sent", None, None)
    token = request_id.set("abcdef0123456789")
    try:
        entry = as_json(record)
        text = TextFormatter().format(record)
    finally:
        request_id.reset(token)
    assert entry["request_id"] == "abcdef0123456789"
    assert "[abcdef01]" in text
    outside = logging.LogRecord("billing", logging.INFO, __file__, 1, "sent", None, None)
    assert as_json(outside)["request_id"] is None


def test_a_task_enqueued_during_a_request_carries_its_id():
    headers: dict[str, str] = {}
    token = request_id.set("abcdef0123456789")
    try:
        _send_request_id(headers=headers)
    finally:
        request_id.reset(token)
    assert headers == {"request_id": "abcdef0123456789"}


def test_djangos_own_lines_leave_out_the_request_and_its_query_string(client, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    response = client.get("/no-such-page/?q=Virtanen")
    assert response.status_code == 404
    [record] = [r for r in caplog.records if r.name == "django.request"]
    line = JsonFormatter().format(record)
    assert "/no-such-page/" in line
    assert "Virtanen" not in line
    assert json.loads(line)["status_code"] == 404


def test_it_refuses_to_start_with_an_unknown_log_format():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import registry.settings"],
        env={"PATH": "/usr/bin:/bin", "DEBUG": "true", "LOG_FORMAT": "xml"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert "LOG_FORMAT must be json or text" in result.stderr


def test_it_hides_a_password_reset_key(client, lines):
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": "3k", "key": "secretkey9"})
    client.get(url)
    path = as_json(lines()[0])["path"]
    assert "secretkey9" not in path
    assert "<key>" in path
