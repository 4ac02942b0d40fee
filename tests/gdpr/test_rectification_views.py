"""Rectification pages: the member's request form (gdpr) and the organization admins'
decisions (organizations, through gdpr.api).

The permission matrix is keyed by URL name and checked against ``gdpr.urls`` and
``organizations.urls``: a new rectification URL without an entry fails until someone
decides who may use it.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from gdpr.models import DataSubjectRequest, RecipientNotice, RequestStatus
from gdpr.urls import urlpatterns as gdpr_urls
from organizations.urls import urlpatterns as organization_urls
from tests.organizations.factories import add_member

from .test_rectification_world import World, build_world

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "admin", "other_admin", "outsider", "staff")
SIGNED_IN = ROLES[1:]
ORG_ONLY = {"member": 404, "admin": 200, "other_admin": 404, "outsider": 404, "staff": 404}

MATRIX = {
    # Everyone signed in has data of their own to correct; a POST without a datum is 400.
    "gdpr:rectification_new": {
        "get": dict.fromkeys(SIGNED_IN, 200),
        "post": dict.fromkeys(SIGNED_IN, 400),
    },
    # The organization's admins only; staff work in the Django admin.
    "organizations:rectifications": {"get": ORG_ONLY, "post": dict.fromkeys(SIGNED_IN, 405)},
    # An empty decision comes back with its errors.
    "organizations:rectification_decide": {"get": ORG_ONLY, "post": ORG_ONLY},
}
URL_NAMES = [
    f"{namespace}:{p.name}"
    for namespace, patterns in (("gdpr", gdpr_urls), ("organizations", organization_urls))
    for p in patterns
    if p.name and "rectification" in p.name
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def world() -> World:
    world = build_world()
    world.request = world.file(value="A-42")
    return world


def url(world: World, name: str) -> str:
    kwargs = {
        "gdpr:rectification_new": {},
        "organizations:rectifications": {"pk": world.organization.pk},
        "organizations:rectification_decide": {
            "pk": world.organization.pk,
            "public_id": world.request.public_id,
        },
    }[name]
    return reverse(name, kwargs=kwargs)


def signed_in(client, world: World, role: str):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return client


def test_every_rectification_url_has_a_matrix_entry():
    assert sorted(URL_NAMES) == sorted(MATRIX)


@pytest.mark.parametrize(
    ("name", "method", "role"),
    [(n, m, r) for n, entry in MATRIX.items() for m in entry for r in ROLES],
)
def test_it_answers_each_role_as_the_matrix_says(client, world, name, method, role):
    target = url(world, name)
    response = getattr(signed_in(client, world, role), method)(target)

    expected = MATRIX[name][method].get(role, "login")
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next={quote(target)}"
    else:
        assert response.status_code == expected, f"{role} {method.upper()} {target}"


def test_an_admin_of_another_organization_cannot_reach_it_through_their_own(client, world):
    client.force_login(world.users["other_admin"])
    target = reverse(
        "organizations:rectification_decide",
        kwargs={"pk": world.other_organization.pk, "public_id": world.request.public_id},
    )

    assert client.get(target).status_code == 404
    assert client.post(target, {"decision": "accept"}).status_code == 404
    world.membership.refresh_from_db()
    assert world.membership.member_number == "17"


def test_an_unknown_request_is_404(client, world):
    client.force_login(world.admin)
    target = reverse(
        "organizations:rectification_decide",
        kwargs={"pk": world.organization.pk, "public_id": uuid.uuid4()},
    )

    assert client.get(target).status_code == 404


# --- The member's form --------------------------------------------------------------------


def test_the_page_lists_the_data_and_points_to_the_profile(client, world):
    client.force_login(world.member)

    page = client.get(reverse("gdpr:rectification_new")).content.decode()

    assert reverse("accounts:profile") in page
    assert "Member number" in page
    assert "Malmin Ilmailukerho ry" in page
    assert "Kysyi laskusta" in page


def test_picking_a_datum_shows_its_value_holder_and_what_happens(client, world):
    client.force_login(world.member)

    response = client.get(
        reverse("gdpr:rectification_new"), {"target": world.key("recipient_name", world.invoice)}
    )

    page = response.content.decode()
    assert response.context["datum"].key == world.key("recipient_name", world.invoice)
    assert "not changed" in page, "the member learns an issued invoice stays as it was"
    assert 'name="value"' in page


def test_a_member_files_a_request_through_the_page(client, world):
    client.force_login(world.member)
    target = world.key("joined_on")

    response = client.post(
        reverse("gdpr:rectification_new") + f"?target={target}",
        {"target": target, "value": "3.2.2023", "details": "Liityin helmikuussa."},
    )

    filed = DataSubjectRequest.objects.get(rectification_target=target)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "gdpr:request_detail", kwargs={"public_id": filed.public_id}
    )
    assert filed.subject == world.member
    assert filed.rectification_value == "2023-02-03"
    assert filed.details == "Liityin helmikuussa."


def test_bad_input_keeps_the_form_with_a_message(client, world):
    client.force_login(world.member)
    target = world.key("joined_on")

    response = client.post(
        reverse("gdpr:rectification_new"), {"target": target, "value": "huomenna", "details": "x"}
    )

    assert response.status_code == 200
    assert "Enter the date as dd.mm.yyyy." in response.content.decode()
    assert response.context["form"]["details"].value() == "x"
    assert not DataSubjectRequest.objects.filter(rectification_target=target).exists()


def test_a_forged_target_is_an_error_not_a_crash(client, world):
    other = add_member(world.other_organization, world.users["outsider"], member_number="5")
    forged = f"organizations.membership:{other.pk}:member_number"
    client.force_login(world.member)

    response = client.post(
        reverse("gdpr:rectification_new"), {"target": forged, "value": "6", "details": ""}
    )

    assert response.status_code == 400
    assert "Choose one of your data" in response.content.decode()
    assert not DataSubjectRequest.objects.filter(rectification_target=forged).exists()


def test_a_second_request_for_the_same_datum_is_refused_on_the_form(client, world):
    client.force_login(world.member)
    target = world.key("member_number")

    response = client.post(
        reverse("gdpr:rectification_new"), {"target": target, "value": "B-1", "details": ""}
    )

    assert response.status_code == 200
    assert "already asked" in response.content.decode()


def test_the_members_page_has_a_fixed_query_budget(client, world, django_assert_max_num_queries):
    from tests.factories import UserFactory
    from tests.organizations.factories import organization_with_admin

    for n in range(6):
        add_member(organization_with_admin(UserFactory(), name=f"K{n} ry"), world.member)
    client.force_login(world.member)

    # Session, user and session tracking (with their savepoints), then one query per
    # source of rectifiable data (five), whatever the number of memberships.
    with django_assert_max_num_queries(13):
        response = client.get(
            reverse("gdpr:rectification_new"), {"target": world.key("member_number")}
        )

    assert response.status_code == 200


# --- The organization admins' pages ------------------------------------------------------


def test_the_admins_see_what_waits_for_them(client, world):
    client.force_login(world.admin)

    response = client.get(url(world, "organizations:rectifications"))

    page = response.content.decode()
    assert "Aino Virtanen" in page
    assert "Member number" in page
    assert "A-42" in page
    assert url(world, "organizations:rectification_decide") in page


def test_the_admin_navigation_links_to_the_list(client, world):
    client.force_login(world.admin)

    page = client.get(reverse("organizations:detail", args=[world.organization.pk]))

    assert url(world, "organizations:rectifications") in page.content.decode()


def test_the_list_has_a_fixed_query_budget(client, world, django_assert_max_num_queries):
    for field, value in (("joined_on", "1.1.2020"), ("role", "admin")):
        world.file(field=field, value=value)
    client.force_login(world.admin)

    # Session, user, session tracking, the admin right, then the open and decided lists.
    with django_assert_max_num_queries(12):
        response = client.get(url(world, "organizations:rectifications"))

    assert len(response.context["open_requests"]) == 3


def test_an_admin_accepts_through_the_page(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.admin)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url(world, "organizations:rectification_decide"),
            {"decision": "accept", "value": "A-42", "reason": ""},
        )

    assert response.status_code == 302
    world.membership.refresh_from_db()
    assert world.membership.member_number == "A-42"
    world.request.refresh_from_db()
    assert world.request.status == RequestStatus.COMPLETED
    assert RecipientNotice.objects.filter(request=world.request).exists()
    assert any(world.member.email in m.to for m in mail.outbox)


def test_an_admin_refuses_with_a_reason(client, world):
    client.force_login(world.admin)

    client.post(
        url(world, "organizations:rectification_decide"),
        {"decision": "refuse", "value": "", "reason": "Numero on oikein."},
    )

    world.request.refresh_from_db()
    assert world.request.status == RequestStatus.REFUSED
    assert world.request.refusal_reason == "Numero on oikein."


def test_refusing_without_a_reason_keeps_the_form(client, world):
    client.force_login(world.admin)

    response = client.post(
        url(world, "organizations:rectification_decide"),
        {"decision": "refuse", "value": "", "reason": ""},
    )

    assert response.status_code == 200
    assert "Give the reason for refusing." in response.content.decode()
    world.request.refresh_from_db()
    assert world.request.is_open


def test_a_value_that_breaks_a_rule_keeps_the_form(client, world):
    add_member(world.organization, world.users["outsider"], member_number="A-43")
    client.force_login(world.admin)

    response = client.post(
        url(world, "organizations:rectification_decide"),
        {"decision": "accept", "value": "A-43", "reason": ""},
    )

    assert response.status_code == 200
    assert "already in use" in response.content.decode()
    world.membership.refresh_from_db()
    assert world.membership.member_number == "17"


def test_a_decided_request_shows_its_outcome_without_a_form(client, world):
    client.force_login(world.admin)
    client.post(
        url(world, "organizations:rectification_decide"),
        {"decision": "accept", "value": "", "reason": ""},
    )

    response = client.get(url(world, "organizations:rectification_decide"))
    again = client.post(
        url(world, "organizations:rectification_decide"),
        {"decision": "refuse", "value": "", "reason": "Myöhässä"},
    )

    assert response.context["may_decide"] is False
    assert 'name="decision"' not in response.content.decode()
    assert again.status_code == 302
    world.request.refresh_from_db()
    assert world.request.status == RequestStatus.COMPLETED


def test_an_admin_sees_but_does_not_decide_their_own_request(client, world):
    from gdpr.rectification.services import rectification_file

    own = world.organization.memberships.get(user=world.admin)
    request = rectification_file(
        world.admin,
        target=f"organizations.membership:{own.pk}:member_number",
        value="1",
        details="",
        actor=world.admin,
    )
    client.force_login(world.admin)
    target = reverse(
        "organizations:rectification_decide",
        kwargs={"pk": world.organization.pk, "public_id": request.public_id},
    )

    response = client.get(target)

    assert response.status_code == 200
    assert response.context["may_decide"] is False
    assert "another admin" in response.content.decode()


def test_the_decision_page_has_a_fixed_query_budget(client, world, django_assert_max_num_queries):
    client.force_login(world.admin)

    # Session, user, session tracking, the admin right, the request with its steps, the
    # datum, and who may decide.
    with django_assert_max_num_queries(13):
        response = client.get(url(world, "organizations:rectification_decide"))

    assert response.context["datum"].value == "17"
