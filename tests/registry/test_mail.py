"""Mail names the service, and the development backend prints it readably."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from gdpr.notice.shown import notice_shown_token
from registry.mail import ReadableConsoleEmailBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOST = "rekisteri.example.fi"


@pytest.fixture(autouse=True)
def _host(settings):
    settings.ALLOWED_HOSTS = [HOST]


def assert_names_the_service(message, name: str) -> None:
    assert message.subject.startswith(f"[{name}] ")
    assert HOST not in message.subject
    # allauth's greeting, and its thanks at the end, name the service, not the host.
    assert re.search(rf"\b{name}!", message.body), message.body
    assert f"{HOST}!" not in message.body


@pytest.mark.parametrize(
    ("language", "name"), [("fi", "Ilmailurekisteri"), ("en", "Aviation registry")]
)
def test_it_names_the_service_in_the_signup_verification_mail(client, language, name):
    client.cookies["django_language"] = language
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new.member@example.fi",
            "password1": "pitkä-salasana-77",
            "password2": "pitkä-salasana-77",
            "notice_version": notice_shown_token(),
        },
        headers={"host": HOST},
    )
    assert response.status_code == 302
    [message] = mail.outbox
    assert_names_the_service(message, name)
    if language == "fi":
        assert "Terve palvelusta Ilmailurekisteri!" in message.body


def test_it_names_the_service_in_the_password_reset_mail(client):
    UserFactory(email="member@example.fi", preferred_language="en")
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("account_reset_password"), {"email": "member@example.fi"}, headers={"host": HOST}
    )
    assert response.status_code == 302
    [message] = mail.outbox
    assert_names_the_service(message, "Aviation registry")
    assert "Hello from Aviation registry!" in message.body
    # The link itself still leads to the host the person used.
    assert f"http://{HOST}/accounts/password/reset/key/" in message.body


LONG_LINK = "https://rekisteri.example.fi/accounts/confirm-email/" + "Mg:1vR" * 20 + "/"


def test_the_development_backend_prints_the_text_decoded_with_links_whole():
    stream = io.StringIO()
    backend = ReadableConsoleEmailBackend(stream=stream)
    message = EmailMultiAlternatives(
        subject="[Ilmailurekisteri] Vahvista sähköpostiosoitteesi",
        body=f"Hyvä jäsen,\n\nAvaa linkki: {LONG_LINK}\n\nÄläkä välitä tätä viestiä.\n",
        from_email="Ilmailurekisteri <noreply@localhost>",
        to=["matti.meikäläinen@example.fi"],
    )
    message.attach_alternative("<p>Hyvä jäsen</p>", "text/html")
    assert backend.send_messages([message]) == 1

    printed = stream.getvalue()
    assert f"Avaa linkki: {LONG_LINK}" in printed.splitlines()
    assert "Subject: [Ilmailurekisteri] Vahvista sähköpostiosoitteesi" in printed
    assert "To: matti.meikäläinen@example.fi" in printed
    assert "Hyvä jäsen," in printed
    assert "Älä" in printed
    assert "=\n" not in printed
    assert "[text/html]" in printed


def test_development_uses_the_readable_console_backend():
    printed = subprocess.run(
        [sys.executable, "-c", "import registry.settings as s; print(s.MAILERS['default'])"],
        cwd=Path(__file__).resolve().parent.parent.parent,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "true"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "registry.mail.ReadableConsoleEmailBackend" in printed
