from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_it_creates_demo_members_who_can_sign_in_and_is_safe_to_rerun(client, capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    users = User.objects.count()
    addresses = EmailAddress.objects.count()

    call_command("seed_demo")
    assert User.objects.count() == users >= 5
    assert EmailAddress.objects.count() == addresses
    assert EmailAddress.objects.filter(verified=False).count() == 0
    assert "aino.virtanen@example.fi" in first

    aino = User.objects.get(email="aino.virtanen@example.fi")
    assert aino.city == "Helsinki"
    assert aino.phone.as_e164 == "+358401234567"
    from accounts.management.commands.seed_demo import DEMO_PASSWORD

    assert aino.check_password(DEMO_PASSWORD)


def test_the_demo_controller_has_an_authenticator_app_and_the_admin(client, capsys):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt
    from django.urls import reverse

    from accounts.management.commands.seed_demo import STAFF

    call_command("seed_demo")
    first = capsys.readouterr().out
    controller = User.objects.get(email=STAFF[0])
    totp = Authenticator.objects.get(user=controller, type=Authenticator.Type.TOTP)
    secret = decrypt(totp.data["secret"])
    assert totp.created_at <= controller.staff_granted_at
    assert controller.is_superuser
    # How to sign in is printed, on every run: the secret stays the same.
    assert f"secret={secret}" in first
    call_command("seed_demo")
    assert f"secret={secret}" in capsys.readouterr().out
    assert Authenticator.objects.filter(user=controller, type="totp").count() == 1
    client.force_login(controller)
    assert client.get(reverse("admin:index")).status_code == 200
