"""The member's privacy page and request pages: who sees what, filing each kind, errors."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection, connections
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from accounts import my_data
from gdpr.models import (
    DataExport,
    DataSubjectRequest,
    MarketingBan,
    MarketingChannel,
    RecipientNotice,
    RequestChannel,
    RequestEvent,
    RequestKind,
    RequestStatus,
)
from gdpr.requests.services import request_event_log
from tests.factories import UserFactory

from .factories import DataSubjectRequestFactory

pytestmark = pytest.mark.django_db

PRIVACY_URL = reverse("gdpr:privacy")


@pytest.fixture
def member(db):
    # English, so that messages do not depend on the state of the catalogs.
    return UserFactory(
        email="aino.member@example.fi",
        first_name="Aino",
        last_name="Virtanen",
        preferred_language="en",
    )


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def detail_url(privacy_request: DataSubjectRequest) -> str:
    return reverse("gdpr:request_detail", kwargs={"public_id": privacy_request.public_id})


def file(client, kind: str, **fields):
    data = {"kind": kind}
    data.update({f"{kind}-{name}": value for name, value in fields.items()})
    return client.post(PRIVACY_URL, data)


# --- Who sees what ------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["gdpr:privacy", "gdpr:marketing"])
def test_it_sends_anonymous_visitors_to_sign_in(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_it_sends_anonymous_visitors_of_a_request_to_sign_in(client, member):
    privacy_request = DataSubjectRequestFactory(subject=member)
    response = client.get(detail_url(privacy_request))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_it_lists_only_the_members_own_requests(member_client, member, other_member):
    DataSubjectRequestFactory(subject=member, kind=RequestKind.PORTABILITY)
    theirs = DataSubjectRequestFactory(subject=other_member, kind=RequestKind.RESTRICTION)
    content = member_client.get(PRIVACY_URL).content.decode()
    assert "Data portability (Art. 20)" in content
    assert str(theirs.public_id) not in content
    assert "Restriction of processing (Art. 18)</a>" not in content


def test_another_members_request_is_404(member_client, other_member):
    theirs = DataSubjectRequestFactory(subject=other_member)
    assert member_client.get(detail_url(theirs)).status_code == 404


def test_staff_get_404_for_someone_elses_request_on_the_member_pages(client, staff, member):
    client.force_login(staff)
    assert client.get(detail_url(DataSubjectRequestFactory(subject=member))).status_code == 404
    assert client.get(PRIVACY_URL).status_code == 200


def test_an_unknown_request_id_is_404(member_client):
    url = reverse(
        "gdpr:request_detail", kwargs={"public_id": "6b1f1f8e-0000-4000-8000-000000000000"}
    )
    assert member_client.get(url).status_code == 404


def test_the_navigation_and_my_data_link_to_the_privacy_page(member_client):
    content = member_client.get(reverse("accounts:my_data")).content.decode()
    assert content.count(f'href="{PRIVACY_URL}"') >= 2  # the menu and the page itself


# --- Filing -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [RequestKind.ACCESS, RequestKind.PORTABILITY])
def test_it_files_a_copy_request(member_client, member, kind, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = file(member_client, kind, details="Also the old invoices, please.")
    privacy_request = DataSubjectRequest.objects.get(subject=member)
    assert response.status_code == 302
    assert response.url == detail_url(privacy_request)
    assert privacy_request.kind == kind
    assert privacy_request.channel == RequestChannel.WEB
    assert privacy_request.status == RequestStatus.RECEIVED
    assert privacy_request.details == "Also the old invoices, please."
    assert privacy_request.created_by == member
    assert list(privacy_request.events.values_list("action", flat=True)) == ["received"]
    # The written acknowledgement names the deadline.
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert privacy_request.due_on.strftime("%-d.%-m.%Y") in mail.outbox[0].body


def test_it_files_a_restriction_with_its_ground(member_client, member):
    response = file(
        member_client,
        RequestKind.RESTRICTION,
        ground="a",
        details="My member number is wrong.",
    )
    assert response.status_code == 302
    privacy_request = DataSubjectRequest.objects.get(subject=member)
    assert privacy_request.kind == RequestKind.RESTRICTION
    assert privacy_request.details.startswith("I contest the accuracy of my data")
    assert privacy_request.details.endswith("My member number is wrong.")


def test_an_objection_bans_marketing_at_once_and_is_recorded(member_client, member):
    before = timezone.now()
    response = file(member_client, RequestKind.OBJECTION, channels=["email", "sms"])
    assert response.status_code == 302
    privacy_request = DataSubjectRequest.objects.get(subject=member)
    assert privacy_request.kind == RequestKind.OBJECTION
    assert privacy_request.marketing_channels == ["email", "sms"]
    bans = MarketingBan.objects.filter(user=member, lifted_at__isnull=True)
    assert {b.channel for b in bans} == {"email", "sms"}
    assert all(b.banned_at >= before and b.source == "subject" for b in bans)
    banned = privacy_request.events.get(action=RequestEvent.Action.MARKETING_BANNED)
    assert not banned.internal
    # Channel codes, named in the reader's language when the step is read.
    assert banned.params == {"channels": ["email", "sms"]}
    with translation.override("en"):
        assert banned.text == "Email, Text messages (SMS)"
    # The page shows the ban has been applied.
    content = member_client.get(response.url).content.decode()
    assert "Direct marketing banned" in content


def test_it_files_an_objection_to_processing_on_legitimate_interests(member_client, member):
    page = member_client.get(reverse("gdpr:privacy")).content.decode()
    # The purposes offered are those some category serves on legitimate interests.
    assert 'value="customer_relationship"' in page
    assert 'value="analysis"' not in page  # no category serves it
    refused = file(
        member_client, RequestKind.PROCESSING_OBJECTION, purposes=["customer_relationship"]
    )
    assert "Tell us why you ask for this." in refused.content.decode()
    assert not DataSubjectRequest.objects.exists()
    response = file(
        member_client,
        RequestKind.PROCESSING_OBJECTION,
        purposes=["customer_relationship"],
        details="I do not want my calls logged while I serve on the board.",
    )
    assert response.status_code == 302
    privacy_request = DataSubjectRequest.objects.get(subject=member)
    assert privacy_request.kind == RequestKind.PROCESSING_OBJECTION
    assert privacy_request.details.startswith("Running and developing the customer relationship")
    assert privacy_request.details.endswith("while I serve on the board.")
    # The controller decides (Art. 21(1)); nothing is banned at once.
    assert not MarketingBan.objects.exists()


def test_an_invalid_request_keeps_the_form_and_says_what_is_wrong(member_client, member):
    response = file(member_client, RequestKind.RESTRICTION, ground="", details="Kept text")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Choose the reason for the restriction." in content
    assert "Kept text" in content
    assert "Nothing was filed yet" in content
    assert not DataSubjectRequest.objects.exists()


def test_an_objection_without_a_channel_is_refused_clearly(member_client, member):
    response = file(member_client, RequestKind.OBJECTION)
    assert response.status_code == 200
    assert "Choose at least one channel." in response.content.decode()
    assert not MarketingBan.objects.exists()
    assert not DataSubjectRequest.objects.exists()


@pytest.mark.parametrize("kind", ["", "erasure", "<script>"])
def test_an_unknown_kind_files_nothing(member_client, kind):
    response = member_client.post(PRIVACY_URL, {"kind": kind})
    assert response.status_code == 200
    assert "Choose which request to file." in response.content.decode()
    assert not DataSubjectRequest.objects.exists()


def test_details_over_the_limit_are_refused(member_client):
    response = file(member_client, RequestKind.ACCESS, details="x" * 2001)
    assert response.status_code == 200
    assert "at most 2000 characters" in response.content.decode()
    assert not DataSubjectRequest.objects.exists()


def test_one_open_request_of_a_kind_at_a_time(member_client, member):
    file(member_client, RequestKind.ACCESS)
    response = file(member_client, RequestKind.ACCESS)
    assert response.status_code == 200
    assert "You already have an open request of this kind." in response.content.decode()
    assert DataSubjectRequest.objects.filter(subject=member).count() == 1
    # Another kind is fine.
    assert file(member_client, RequestKind.PORTABILITY).status_code == 302


def test_a_new_request_can_be_filed_once_the_last_is_answered(member_client, member):
    DataSubjectRequestFactory(subject=member, status=RequestStatus.COMPLETED)
    assert file(member_client, RequestKind.ACCESS).status_code == 302
    assert DataSubjectRequest.objects.filter(subject=member).count() == 2


def test_the_page_hides_the_form_of_a_kind_already_open(member_client, member):
    DataSubjectRequestFactory(subject=member, kind=RequestKind.ACCESS)
    content = member_client.get(PRIVACY_URL).content.decode()
    assert 'value="access"' not in content
    assert 'value="portability"' in content


def test_the_page_links_to_rectification_and_erasure_when_they_exist(member_client):
    content = member_client.get(PRIVACY_URL).content.decode()
    for name in ("gdpr:rectification_new", "gdpr:erasure_preview"):
        try:
            url = reverse(name)
        except NoReverseMatch:  # the other engineer's page is not there yet
            url = None
        if url:
            assert f'href="{url}"' in content


# --- The request's page -------------------------------------------------------------------


def test_it_shows_status_deadline_and_the_steps_but_not_internal_notes(member_client, member):
    privacy_request = DataSubjectRequestFactory(subject=member)
    request_event_log(privacy_request, RequestEvent.Action.RECEIVED, actor=member)
    request_event_log(
        privacy_request, RequestEvent.Action.NOTE, actor=None, note="Handler-only", internal=True
    )
    request_event_log(
        privacy_request, RequestEvent.Action.EXTENDED, actor=None, note="Many systems to search"
    )
    content = member_client.get(detail_url(privacy_request)).content.decode()
    assert "Received" in content
    assert privacy_request.deadline.strftime("%-d.%-m.%Y") in content
    assert "Many systems to search" in content
    assert "Handler-only" not in content


def test_it_shows_the_answer_of_a_completed_request(member_client, member):
    privacy_request = DataSubjectRequestFactory(
        subject=member, status=RequestStatus.COMPLETED, response="Here is what we hold."
    )
    assert (
        "Here is what we hold." in member_client.get(detail_url(privacy_request)).content.decode()
    )


def test_it_shows_the_grounds_of_a_refusal_and_where_to_complain(member_client, member):
    privacy_request = DataSubjectRequestFactory(
        subject=member,
        kind=RequestKind.ERASURE,
        status=RequestStatus.REFUSED,
        refusal_reason="A debt is in collection.",
    )
    content = member_client.get(detail_url(privacy_request)).content.decode()
    assert "A debt is in collection." in content
    assert "Data Protection Ombudsman" in content


def test_it_shows_the_export_with_its_download_link(member_client, member):
    privacy_request = DataSubjectRequestFactory(subject=member, status=RequestStatus.IN_PROGRESS)
    export = DataExport.objects.create(
        request=privacy_request,
        subject=member,
        status=DataExport.Status.READY,
        progress=100,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    content = member_client.get(detail_url(privacy_request)).content.decode()
    assert reverse("gdpr:export_download", kwargs={"export_id": export.pk}) in content


def test_it_shows_the_progress_of_an_export_being_built(member_client, member):
    privacy_request = DataSubjectRequestFactory(subject=member, status=RequestStatus.IN_PROGRESS)
    DataExport.objects.create(
        request=privacy_request, subject=member, status=DataExport.Status.RUNNING, progress=40
    )
    content = member_client.get(PRIVACY_URL).content.decode()
    assert "(40 %)" in content
    assert 'value="3" max="4"' in content


def test_the_request_page_reloads_itself_only_while_the_export_is_built(member_client, member):
    privacy_request = DataSubjectRequestFactory(subject=member, status=RequestStatus.IN_PROGRESS)
    export = DataExport.objects.create(
        request=privacy_request, subject=member, status=DataExport.Status.RUNNING, progress=40
    )
    assert 'http-equiv="refresh"' in member_client.get(detail_url(privacy_request)).content.decode()
    DataExport.objects.filter(pk=export.pk).update(
        status=DataExport.Status.READY, expires_at=timezone.now() + datetime.timedelta(days=7)
    )
    assert "refresh" not in member_client.get(detail_url(privacy_request)).content.decode()


def test_a_decided_erasure_names_the_recipients_who_were_told(member_client, member):
    privacy_request = DataSubjectRequestFactory(
        subject=member, kind=RequestKind.ERASURE, status=RequestStatus.COMPLETED
    )
    RecipientNotice.objects.create(
        request=privacy_request, recipient_name="Lentovakuutus Oy", sent_at=timezone.now()
    )
    RecipientNotice.objects.create(
        request=privacy_request, recipient_name="Malmin Ilmailukerho ry", error="bounced"
    )
    content = member_client.get(detail_url(privacy_request)).content.decode()
    assert 'id="recipients-title"' in content
    assert "Lentovakuutus Oy" in content
    assert "Malmin Ilmailukerho ry" in content


def test_an_access_request_has_no_recipients_section(member_client, member):
    privacy_request = DataSubjectRequestFactory(
        subject=member, kind=RequestKind.ACCESS, status=RequestStatus.COMPLETED
    )
    assert (
        'id="recipients-title"'
        not in member_client.get(detail_url(privacy_request)).content.decode()
    )


# --- Query budgets ------------------------------------------------------------------------

# Session, user, allauth's session record (read and touched, in a savepoint): what any
# signed-in page costs before its own queries.
PAGE_QUERIES = 7


def _many_requests(user, count: int) -> None:
    for i in range(count):
        privacy_request = DataSubjectRequestFactory(
            subject=user,
            kind=RequestKind.ACCESS,
            status=RequestStatus.COMPLETED if i else RequestStatus.IN_PROGRESS,
        )
        DataExport.objects.create(request=privacy_request, subject=user, progress=i)
        for _step in range(3):
            request_event_log(privacy_request, RequestEvent.Action.NOTE, actor=user, note="n")


def test_the_privacy_page_query_count_does_not_grow_with_requests(
    client, django_assert_max_num_queries
):
    for count in (0, 1, 25):
        user = UserFactory(preferred_language="en")
        _many_requests(user, count)
        client.force_login(user)
        client.get(PRIVACY_URL)
        with django_assert_max_num_queries(PAGE_QUERIES + 1):
            assert client.get(PRIVACY_URL).status_code == 200


def test_the_request_page_query_count_does_not_grow_with_steps(
    client, member, django_assert_max_num_queries
):
    privacy_request = DataSubjectRequestFactory(subject=member, kind=RequestKind.ERASURE)
    DataExport.objects.create(request=privacy_request, subject=member)
    for _step in range(40):
        RecipientNotice.objects.create(request=privacy_request, recipient_name="Kerho ry")
        request_event_log(privacy_request, RequestEvent.Action.NOTE, actor=member, note="n")
    client.force_login(member)
    client.get(PRIVACY_URL)
    # The request with its export, its steps, the recipients told.
    with django_assert_max_num_queries(PAGE_QUERIES + 3):
        assert client.get(detail_url(privacy_request)).status_code == 200


# --- "My data" ----------------------------------------------------------------------------


def test_my_data_shows_requests_bans_consents_and_disclosures(member_client, member):
    from gdpr.marketing import consents
    from gdpr.marketing import services as marketing

    DataSubjectRequestFactory(subject=member, kind=RequestKind.PORTABILITY)
    marketing.marketing_ban(member, channels=["post"], source="subject", actor=member)
    consents.consent_give(
        member, purpose=consents.SMS_OFFERS, language="en", source="subject", actor=member
    )
    content = member_client.get(reverse("accounts:my_data")).content.decode()
    assert 'id="section-privacy_requests"' in content
    assert "Data portability (Art. 20)" in content
    assert 'id="section-marketing_choices"' in content
    assert "<td>Post</td>" in content
    assert "offers by text message (SMS)" in content
    assert 'id="section-disclosures"' in content


def test_the_gdpr_sections_keep_to_their_declared_queries(member, django_assert_max_num_queries):
    from gdpr.marketing import consents
    from gdpr.marketing import services as marketing

    _many_requests(member, 30)
    marketing.marketing_ban_all(member, source="subject", actor=member)
    marketing.marketing_lift(member, channel=MarketingChannel.POST, actor=member)
    consents.consent_give(
        member, purpose=consents.EMAIL_OFFERS, language="fi", source="subject", actor=member
    )
    for key in ("privacy_requests", "marketing_choices", "disclosures"):
        section = next(s for s in my_data.registered_sections() if s.key == key)
        with django_assert_max_num_queries(section.queries):
            context = section.build(member)
        assert context


# --- Concurrency (PostgreSQL: SQLite has no row locks to test) -----------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are a PostgreSQL matter")
@pytest.mark.django_db(transaction=True)
def test_two_tabs_filing_at_once_file_one_request():
    from gdpr.requests.member import OpenRequestExists, member_request_file

    user = UserFactory()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def file_one() -> None:
        try:
            barrier.wait()
            member_request_file(user, kind=RequestKind.ACCESS)
            outcomes.append("filed")
        except OpenRequestExists:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=file_one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["filed", "refused"]
    assert DataSubjectRequest.objects.filter(subject=user).count() == 1
