"""Staff rights go only to people who already have a second factor, and only through
the service: the admin's form cannot set them, and no command makes a password-only
administrator."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import decrypt
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.models import User
from accounts.selectors import staff_may_use_admin
from accounts.services import StaffChangeRefused, user_grant_staff, user_revoke_staff
from gdpr.models import AuditEntry
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accounts_user_changelist")


@pytest.fixture
def superuser(staff) -> User:
    return staff


@pytest.fixture
def with_totp(member) -> User:
    TOTP.activate(member, "JBSWY3DPEHPK3PXP")
    return member


# --- The service --------------------------------------------------------------------------


def test_it_refuses_to_grant_staff_without_a_second_factor(member, superuser):
    # Recovery codes alone are not a factor anyone signs in with.
    Authenticator.objects.create(user=member, type=Authenticator.Type.RECOVERY_CODES, data={})
    with pytest.raises(StaffChangeRefused, match="kaksivaiheista tunnistautumista"):
        user_grant_staff(user=member, actor=superuser)
    member.refresh_from_db()
    assert (member.is_staff, member.is_superuser, member.staff_granted_at) == (False, False, None)


def test_it_grants_staff_to_a_person_with_a_second_factor_and_records_who_and_when(
    with_totp, superuser, client
):
    user = user_grant_staff(user=with_totp, actor=superuser)
    assert (user.is_staff, user.is_superuser, user.staff_granted_by) == (True, False, superuser)
    assert user.staff_granted_at is not None
    entry = AuditEntry.objects.filter(model="accounts.user", object_id=str(user.pk)).latest("at")
    assert entry.actor == superuser
    assert entry.changes["is_staff"] == [False, True]
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 200


def test_nobody_changes_their_own_staff_rights(superuser):
    Authenticator.objects.filter(user=superuser).delete()
    TOTP.activate(superuser, "JBSWY3DPEHPK3PXP")
    with pytest.raises(StaffChangeRefused):
        user_grant_staff(user=superuser, actor=superuser, superuser=True)
    with pytest.raises(StaffChangeRefused):
        user_revoke_staff(user=superuser, actor=superuser)
    assert not staff_may_use_admin(user=superuser)


def test_only_a_superuser_grants_or_revokes_staff_rights(with_totp, staff):
    clerk = StaffFactory(is_superuser=False)
    with pytest.raises(StaffChangeRefused, match="superkäyttäjä"):
        user_grant_staff(user=with_totp, actor=clerk)
    with pytest.raises(StaffChangeRefused, match="superkäyttäjä"):
        user_revoke_staff(user=staff, actor=clerk)


def test_revoking_takes_every_staff_right_away(staff, client):
    other = StaffFactory()
    user_revoke_staff(user=other, actor=staff)
    other.refresh_from_db()
    assert (other.is_staff, other.is_superuser, other.staff_granted_at) == (False, False, None)
    client.force_login(other)
    assert client.get(reverse("admin:index")).status_code == 302


# --- The admin ----------------------------------------------------------------------------


def test_the_user_form_cannot_set_staff_rights(client, staff, member):
    client.force_login(staff)
    url = reverse("admin:accounts_user_change", args=[member.pk])
    form = client.get(url).context["adminform"].form
    assert "is_staff" not in form.fields
    assert "is_superuser" not in form.fields
    data = {
        name: form.initial.get(name) or ""
        for name in form.fields
        if name not in ("password", "groups", "user_permissions")
    }
    data.update(
        is_active="on",
        is_staff="on",
        is_superuser="on",
        country="FI",
        phone="+358401234567",
        date_of_birth="1985-05-17",
        staff_granted_at="2026-01-01 12:00",
        data_source="controller",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    member.refresh_from_db()
    assert (member.is_staff, member.is_superuser, member.staff_granted_at) == (False, False, None)


def test_the_grant_action_refuses_a_person_without_mfa_with_a_message(client, staff, member):
    client.force_login(staff)
    response = client.post(
        CHANGELIST, {"action": "grant_staff", "_selected_action": [member.pk]}, follow=True
    )
    text = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("kaksivaiheista tunnistautumista" in line for line in text), text
    member.refresh_from_db()
    assert not member.is_staff


def test_the_grant_action_opens_the_admin_to_a_person_with_mfa(client, staff, with_totp):
    client.force_login(staff)
    client.post(CHANGELIST, {"action": "grant_superuser", "_selected_action": [with_totp.pk]})
    with_totp.refresh_from_db()
    assert (with_totp.is_staff, with_totp.is_superuser) == (True, True)
    assert with_totp.staff_granted_by == staff
    client.force_login(with_totp)
    assert client.get(reverse("admin:index")).status_code == 200

    client.force_login(staff)
    asked = client.post(CHANGELIST, {"action": "revoke_staff", "_selected_action": [with_totp.pk]})
    # Asked first: a page naming the person; the rights stay until confirmed.
    assert asked.status_code == 200
    assert str(with_totp) in asked.content.decode()
    with_totp.refresh_from_db()
    assert with_totp.is_staff
    client.post(
        CHANGELIST,
        {"action": "revoke_staff", "_selected_action": [with_totp.pk], "confirm": "yes"},
    )
    with_totp.refresh_from_db()
    assert not with_totp.is_staff


def test_staff_who_are_not_superusers_get_no_staff_actions(client):
    clerk = StaffFactory(is_superuser=False)
    clerk.user_permissions.add(Permission.objects.get(codename="change_user"))
    client.force_login(clerk)
    action_form = client.get(CHANGELIST).context["action_form"]
    actions = action_form.fields["action"].choices if action_form else []
    assert not {"grant_staff", "grant_superuser", "revoke_staff"} & {name for name, _ in actions}
    # Nor can they run one by posting it.
    member = UserFactory()
    TOTP.activate(member, "JBSWY3DPEHPK3PXP")
    client.post(CHANGELIST, {"action": "grant_staff", "_selected_action": [member.pk]})
    member.refresh_from_db()
    assert not member.is_staff


# --- Commands -----------------------------------------------------------------------------


def test_createsuperuser_is_refused_with_a_pointer_to_create_controller():
    with pytest.raises(CommandError, match="create_controller"):
        call_command("createsuperuser", "--email", "boss@example.fi", "--noinput")
    with pytest.raises(ValidationError):
        User.objects.create_superuser("boss@example.fi", "a-long-password-1")
    assert not User.objects.exists()


def test_create_controller_enrolls_totp_before_granting_the_rights(capsys, monkeypatch, client):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "siivekeskus-7788")
    call_command("create_controller", "--email", "Boss@Example.fi", "--noinput")
    out = capsys.readouterr().out
    user = User.objects.get(email="boss@example.fi")
    assert (user.is_staff, user.is_superuser) == (True, True)
    assert user.check_password("siivekeskus-7788")
    assert EmailAddress.objects.filter(user=user, verified=True, primary=True).exists()
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert totp.created_at <= user.staff_granted_at
    # The secret, and the URI authenticator apps read, are printed once.
    secret = decrypt(totp.data["secret"])
    assert re.search(rf"otpauth://totp/\S+secret={secret}", out)
    assert Authenticator.objects.filter(user=user, type="recovery_codes").exists()
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 200


def test_create_controller_refuses_an_existing_account_and_a_weak_password(monkeypatch, member):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "siivekeskus-7788")
    with pytest.raises(CommandError, match="already has an account"):
        call_command("create_controller", "--email", member.email, "--noinput")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "12345")
    with pytest.raises(CommandError):
        call_command("create_controller", "--email", "new@example.fi", "--noinput")
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD")
    with pytest.raises(CommandError, match="DJANGO_SUPERUSER_PASSWORD"):
        call_command("create_controller", "--email", "new@example.fi", "--noinput")
    member.refresh_from_db()
    assert not member.is_staff
    assert not User.objects.filter(email="new@example.fi").exists()


def test_a_staff_account_of_an_older_installation_without_mfa_stays_out(client):
    legacy = UserFactory()
    User.objects.filter(pk=legacy.pk).update(is_staff=True, is_superuser=True)
    legacy.refresh_from_db()
    client.force_login(legacy)
    assert client.get(reverse("admin:index")).status_code == 403
