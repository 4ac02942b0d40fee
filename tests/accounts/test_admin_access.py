from __future__ import annotations

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.urls import reverse

from accounts.services import user_grant_staff
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

REFUSED = "accounts/admin_refused.html"


def refused(response) -> bool:
    return response.status_code == 403 and REFUSED in [t.name for t in response.templates]


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_it_refuses_staff_with_a_password_alone_on_every_admin_page(client):
    staff = StaffFactory(totp=False, preferred_language="sv")
    client.force_login(staff)
    for url in (
        reverse("admin:index"),
        reverse("admin:accounts_user_changelist"),
        reverse("gdpr_records"),
    ):
        response = client.get(url)
        assert refused(response), url
        # Told in their own language, and not sent to enroll a factor as a way in.
        assert response["Content-Language"] == "sv"
        assert reverse("mfa_activate_totp") not in response.content.decode()


def test_totp_enrolled_by_whoever_holds_the_password_does_not_open_the_admin(client, password):
    staff = StaffFactory(totp=False, email="vanha.staff@example.fi")
    response = client.post(reverse("account_login"), {"login": staff.email, "password": password})
    assert response.status_code == 302
    assert refused(client.get(reverse("admin:index")))

    # They enroll an authenticator app themselves, through allauth's own page.
    # allauth asks for the password again, which they have.
    client.post(reverse("account_reauthenticate"), {"password": password})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200, page.get("Location")
    secret = client.session["mfa.totp.secret"]
    client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()

    assert refused(client.get(reverse("admin:index")))
    assert refused(client.get(reverse("admin:accounts_user_changelist")))


def test_it_opens_the_admin_once_another_superuser_grants_the_rights_again(client):
    staff = StaffFactory(totp=False)
    TOTP.activate(staff, "JBSWY3DPEHPK3PXP")
    client.force_login(staff)
    assert refused(client.get(reverse("admin:index")))

    user_grant_staff(user=staff, actor=StaffFactory(), superuser=True)
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_factor_enrolled_again_after_the_grant_closes_the_admin(client, staff):
    client.force_login(staff)
    assert client.get(reverse("admin:index")).status_code == 200
    Authenticator.objects.filter(user=staff).delete()
    TOTP.activate(staff, "JBSWY3DPEHPK3PXP")
    assert refused(client.get(reverse("admin:index")))


def test_staff_granted_with_mfa_can_use_the_admin(client, staff):
    client.force_login(staff)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200


def test_members_do_not_get_into_the_admin(member_client):
    response = member_client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_admin_login_goes_through_allauth(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_staff_logins_are_rate_limited(client, staff, password):
    url = reverse("account_login")
    for i in range(5):
        client.post(url, {"login": staff.email, "password": f"wrong-{i}"})
    # After five failures even the right password is refused for a while.
    response = client.post(url, {"login": staff.email, "password": password})
    assert response.status_code == 200
    assert "Liian monta" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.fixture
def mfa_staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:account_emailaddress_changelist",
        "admin:mfa_authenticator_changelist",
        "admin:usersessions_usersession_changelist",
        "admin:accounts_user_changelist",
        "admin:accounts_loginevent_changelist",
    ],
)
def test_the_account_changelists_search_by_email(mfa_staff_client, member, url_name):
    response = mfa_staff_client.get(reverse(url_name), {"q": member.email})
    assert response.status_code == 200


def test_the_admin_never_shows_an_authenticator_secret(mfa_staff_client, member):
    secret = "JBSWY3DPEHPK3PXPSECRETVALUE"
    authenticator = Authenticator.objects.create(
        user=member, type=Authenticator.Type.TOTP, data={"secret": secret}
    )
    page = mfa_staff_client.get(
        reverse("admin:mfa_authenticator_change", args=[authenticator.pk])
    ).content.decode()
    assert str(member) in page
    assert secret not in page


def test_staff_opening_a_persons_record_is_in_that_persons_access_log(
    mfa_staff_client, staff, member, client
):
    from organizations.models import MemberDataView

    url = reverse("admin:accounts_user_change", args=[member.pk])
    assert mfa_staff_client.get(url).status_code == 200
    view = MemberDataView.objects.get(subject=member)
    assert (view.viewer, view.organization, view.channel) == (
        staff,
        None,
        MemberDataView.Channel.CONTROLLER,
    )
    # Their own record, a save, or a record that is not there: nothing seen to log.
    mfa_staff_client.get(reverse("admin:accounts_user_change", args=[staff.pk]))
    mfa_staff_client.get(reverse("admin:accounts_user_change", args=[999999]))
    assert MemberDataView.objects.count() == 1
    # The person reads it on their My data page.
    client.force_login(member)
    page = client.get(reverse("accounts:my_data")).content.decode()
    assert staff.get_full_name() in page


def test_the_people_search_finds_part_of_a_name_or_address_in_any_case(mfa_staff_client):
    koskinen = UserFactory(email="k.k@example.fi", first_name="Kaarina", last_name="Koskinen")
    UserFactory(email="other@example.fi", first_name="Olli", last_name="Muu")
    url = reverse("admin:accounts_user_changelist")

    for term in ("KOSKI", "aarin", "K.K@EXAMPLE", "kaarina koskinen"):
        found = mfa_staff_client.get(url, {"q": term}).context["cl"].result_list
        assert list(found) == [koskinen], term
