"""The member's erasure pages: the preview, and the request behind a fresh password."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

from gdpr.models import DataSubjectRequest, RequestEvent, RequestKind, RequestStatus
from tests.billing.factories import invoice_for
from tests.organizations.factories import add_member, organization_with_admin

from .distinctive import build_person, use_private_storage

pytestmark = pytest.mark.django_db

PREVIEW_URL = reverse("gdpr:erasure_preview")
REQUEST_URL = reverse("gdpr:erasure_request")


@pytest.fixture(autouse=True)
def _private_files(monkeypatch, tmp_path):
    use_private_storage(monkeypatch, tmp_path / "private")


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def reauthenticate(client, password: str) -> None:
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302


def english(user):
    user.preferred_language = "en"
    user.save(update_fields=["preferred_language"])
    return user


def test_the_urls_are_under_the_privacy_page():
    assert PREVIEW_URL == "/privacy/erasure/"
    assert REQUEST_URL == "/privacy/erasure/request/"


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    for response in (client.get(PREVIEW_URL), client.post(REQUEST_URL, {"confirm": "on"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert not DataSubjectRequest.objects.exists()


def test_the_preview_shows_what_goes_and_what_is_kept_until_when(client):
    person = build_person("P")
    user = english(person.user)
    client.force_login(user)
    response = client.get(PREVIEW_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kept until a date the law sets" in html
    assert "31.12.2032" in html  # the invoices' retain-until date (period ending 2026)
    assert "Accounting Act" in html
    assert "Deleted" in html
    assert "communication records" in html.lower()
    assert "Your ban on direct marketing stays in force" in html
    assert 'action="/privacy/erasure/request/"' in html
    # Nothing happens by looking.
    assert not DataSubjectRequest.objects.filter(subject=user, kind=RequestKind.ERASURE).exists()


def test_a_request_needs_a_fresh_password(client, member):
    client.force_login(member)
    session = client.session
    session.pop("account_authentication_methods", None)
    session.save()
    response = client.post(REQUEST_URL, {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not DataSubjectRequest.objects.exists()


def test_the_member_files_the_request_after_reauthenticating(client, member, password):
    client.force_login(english(member))
    reauthenticate(client, password)
    response = client.post(REQUEST_URL, {"confirm": "on", "details": "Sulkekaa tilini."})
    request = DataSubjectRequest.objects.get(subject=member)
    assert request.kind == RequestKind.ERASURE
    assert request.status == RequestStatus.RECEIVED
    assert request.details == "Sulkekaa tilini."
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "gdpr:request_detail", kwargs={"public_id": request.public_id}
    )
    actions = list(request.events.values_list("action", flat=True))
    assert actions == [RequestEvent.Action.RECEIVED, RequestEvent.Action.ERASURE_PREVIEWED]


def test_the_request_needs_the_confirmation_box(client, member, password):
    client.force_login(english(member))
    reauthenticate(client, password)
    response = client.post(REQUEST_URL, {"details": "x" * 50})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Tick the box to confirm the request." in html
    assert "x" * 50 in html  # the form is kept
    assert not DataSubjectRequest.objects.exists()


def test_a_second_request_while_one_is_open_files_nothing(client, member, password):
    client.force_login(english(member))
    reauthenticate(client, password)
    client.post(REQUEST_URL, {"confirm": "on"})
    response = client.post(REQUEST_URL, {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == PREVIEW_URL
    assert DataSubjectRequest.objects.filter(subject=member).count() == 1
    page = client.get(PREVIEW_URL).content.decode()
    assert "You asked for the erasure on" in page


def test_the_preview_only_shows_get(client, member):
    client.force_login(member)
    assert client.post(PREVIEW_URL).status_code == 405
    assert client.get(REQUEST_URL).status_code == 405


def test_the_preview_has_a_query_budget_that_does_not_grow(
    client, member, django_assert_max_num_queries
):
    organization = organization_with_admin(name="Budjettikerho ry")
    membership = add_member(organization, member)
    client.force_login(member)
    # About two counts per registered model (the person's rows; other people's rows that
    # name them as the actor), the kept records in one query per kind, and the page.
    # (Claims to organizations added a model: two more; the tests' flight log one; the
    # organizations the person is the only admin of, to be decided first, one; records
    # attached to a request a model and the count of what was attached: two; the
    # retention runs a person started from the admin, one; e-invoice addresses, collection
    # claims and the payment log, about two each; the member list exports, four: the
    # person's, those they made, and the eraser's count in the plan; the session's
    # activity mark, saved with the session on a session's first request, one or two.)
    with django_assert_max_num_queries(90) as first:
        assert client.get(PREVIEW_URL).status_code == 200
    for _n in range(5):
        invoice_for(membership)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(PREVIEW_URL).status_code == 200


def test_the_request_goes_through_once_the_password_is_given(client, member, password):
    """allauth keeps the POST while it asks for the password, then replays it."""
    client.force_login(english(member))
    session = client.session
    session.pop("account_authentication_methods", None)
    session.save()
    response = client.post(REQUEST_URL, {"confirm": "on"})
    assert not DataSubjectRequest.objects.exists()
    response = client.post(response["Location"], {"password": password})
    request = DataSubjectRequest.objects.get(subject=member, kind=RequestKind.ERASURE)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "gdpr:request_detail", kwargs={"public_id": request.public_id}
    )


def test_the_members_preview_speaks_to_them(client, member):
    # The same partial as the controller's page, in the second person here.
    organization_with_admin(english(member), name="Yksin ry")
    client.force_login(member)
    html = unescape(client.get(PREVIEW_URL).content.decode())
    assert "You are the only admin of Yksin ry. Make another member an admin first" in html
    assert "Your membership ends" in html
    assert "Kept without what identifies you" in html
    assert "The person" not in html
    assert '<th scope="col" class="num">Count</th>' in html
    assert ">Number</th>" not in html
