"""The controller's desk in the Django admin: every page renders for the controller,
nobody else gets in, urgency is highlighted and filterable, each step runs through its
service, the pages cost the same queries however long a request's history, and the proof
records cannot be changed or deleted, not even by a superuser."""

from __future__ import annotations

import datetime
import sys
import types
from html import unescape

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from gdpr.erasure.hooks import Audience
from gdpr.models import (
    AuditEntry,
    AuditEntryImmutable,
    Consent,
    ControllerDetails,
    DataExport,
    DataSubjectRequest,
    Disclosure,
    ExportDownload,
    IdentityMethod,
    MarketingBan,
    NoticeAcknowledgement,
    NoticeVersion,
    ProcessingRestriction,
    RecipientNotice,
    RequestChannel,
    RequestEvent,
    RequestKind,
    RequestStatus,
    RetentionRun,
    Suppression,
)
from gdpr.requests import services
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .factories import DataSubjectRequestFactory

pytestmark = pytest.mark.django_db

Action = RequestEvent.Action
GDPR_MODELS = sorted(
    (m for m in admin.site._registry if m._meta.app_label == "gdpr"),
    key=lambda m: m._meta.model_name,
)


@pytest.fixture(autouse=True)
def private_storage(monkeypatch, tmp_path) -> FileSystemStorage:
    storage = FileSystemStorage(location=tmp_path / "private", base_url=None)
    monkeypatch.setattr(DataSubjectRequest._meta.get_field("letter"), "storage", storage)
    return storage


@pytest.fixture
def controller(db) -> User:
    return StaffFactory(email="laura.controller@example.fi", preferred_language="en")


@pytest.fixture
def controller_client(client, controller):
    client.force_login(controller)
    return client


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def step_url(request: DataSubjectRequest, step: str) -> str:
    return reverse(f"admin:gdpr_datasubjectrequest_{step}", args=[request.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def one_of_each(member: User, controller: User) -> dict[type, object]:
    """A row of every gdpr model the admin shows."""
    request = DataSubjectRequestFactory(subject=member, kind=RequestKind.ACCESS)
    services.request_event_log(request, Action.RECEIVED, actor=member)
    export = DataExport.objects.create(request=request, subject=member)
    version = NoticeVersion.objects.create(number=1, content_hash="x", content={"fi": {}})
    disclosure = Disclosure.objects.create(
        kind=Disclosure.Kind.AUTHORITY,
        recipient_name="Traficom",
        purpose="Licences",
        legal_basis="Aviation Act",
        categories=[],
        starts_on=datetime.date(2026, 1, 1),
    )
    return {
        DataSubjectRequest: request,
        DataExport: export,
        ExportDownload: ExportDownload.objects.create(export=export, downloaded_by=controller),
        MarketingBan: MarketingBan.objects.create(user=member, channel="email"),
        Suppression: Suppression.objects.create(channel="email", key="a" * 64),
        Consent: Consent.objects.create(
            user=member, purpose="newsletter", text_version="1", text_shown="Yes", language="fi"
        ),
        ProcessingRestriction: ProcessingRestriction.objects.create(
            user=member, request=request, reason="Accuracy contested"
        ),
        Disclosure: disclosure,
        RecipientNotice: RecipientNotice.objects.create(request=request, recipient_name="Club"),
        AuditEntry: AuditEntry.objects.create(
            action=AuditEntry.Action.CHANGED, model="accounts.user", object_id=str(member.pk)
        ),
        ControllerDetails: ControllerDetails.objects.create(name="Ilmailuliitto"),
        NoticeVersion: version,
        NoticeAcknowledgement: NoticeAcknowledgement.objects.create(
            user=member, version=version, context="signup"
        ),
        RetentionRun: RetentionRun.objects.create(job="purge", counts={"billing.invoice": 2}),
    }


# --- Who gets in --------------------------------------------------------------------------


def test_every_gdpr_admin_page_renders_for_the_controller(controller_client, member, controller):
    objects = one_of_each(member, controller)
    assert set(GDPR_MODELS) <= set(objects)
    for model in GDPR_MODELS:
        response = controller_client.get(changelist_url(model))
        assert response.status_code == 200, model
        response = controller_client.get(change_url(objects[model]))
        assert response.status_code == 200, model
        response = controller_client.get(changelist_url(model), {"q": "x"})
        assert response.status_code == 200, model


@pytest.mark.parametrize("model", [DataSubjectRequest, Disclosure])
def test_the_add_forms_render(controller_client, model):
    response = controller_client.get(
        reverse(f"admin:gdpr_{model._meta.model_name}_add"),
    )
    assert response.status_code == 200


def test_the_request_is_not_registered_for_its_steps_alone():
    # Steps are shown with their request only, read-only.
    assert RequestEvent not in admin.site._registry


def test_members_and_anonymous_visitors_are_kept_out(client, member_client, member):
    request = DataSubjectRequestFactory(subject=member, letter="gdpr/letters/x.pdf")
    urls = [
        reverse("admin:index"),
        reverse("admin:app_list", args=["gdpr"]),
        changelist_url(DataSubjectRequest),
        change_url(request),
        step_url(request, "verify"),
        step_url(request, "refuse"),
        step_url(request, "letter"),
        changelist_url(AuditEntry),
    ]
    for http in (client, member_client):
        for url in urls:
            response = http.get(url)
            assert response.status_code == 302, url
            assert "/admin/login/" in response["Location"]
        response = http.post(step_url(request, "refuse"), {"reason": "No."})
        assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED


def test_staff_with_a_password_alone_are_refused(client, member):
    client.force_login(StaffFactory(totp=False))
    request = DataSubjectRequestFactory(subject=member)
    response = client.get(step_url(request, "verify"))
    assert response.status_code == 403
    assert "accounts/admin_refused.html" in [t.name for t in response.templates]


@pytest.fixture
def clerk_client(client) -> tuple:
    """Staff who may look at requests but not handle them."""
    clerk = StaffFactory(is_superuser=False)
    clerk.user_permissions.add(Permission.objects.get(codename="view_datasubjectrequest"))
    client.force_login(clerk)
    return client


def test_staff_who_may_only_view_cannot_take_steps(clerk_client, member):
    request = DataSubjectRequestFactory(subject=member)
    assert clerk_client.get(change_url(request)).status_code == 200
    assert clerk_client.get(step_url(request, "verify")).status_code == 403
    response = clerk_client.post(
        step_url(request, "verify"), {"method": IdentityMethod.SIGNED_IN, "note": ""}
    )
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED
    # No step buttons on the page either.
    assert step_url(request, "verify") not in clerk_client.get(change_url(request)).content.decode()


def test_staff_with_no_gdpr_permission_see_no_request(client, member):
    other = StaffFactory(is_superuser=False)
    client.force_login(other)
    request = DataSubjectRequestFactory(subject=member, letter="gdpr/letters/x.pdf")
    assert client.get(changelist_url(DataSubjectRequest)).status_code == 403
    assert client.get(step_url(request, "letter")).status_code == 404
    assert client.get(step_url(request, "note")).status_code == 403
    assert "gdpr-counts" not in client.get(reverse("admin:index")).content.decode()


# --- The list: urgency, filters, search ---------------------------------------------------


def _due(days: int, **kwargs) -> DataSubjectRequest:
    today = timezone.localdate()
    return DataSubjectRequestFactory(due_on=today + datetime.timedelta(days=days), **kwargs)


def test_overdue_and_due_soon_requests_are_highlighted(controller_client):
    overdue = _due(-2, subject_name="Olli Myöhässä")
    soon = _due(3, subject_name="Sanna Pian")
    fine = _due(25, subject_name="Pekka Ajoissa")
    closed = _due(-9, subject_name="Kaisa Valmis", status=RequestStatus.COMPLETED)
    html = controller_client.get(changelist_url(DataSubjectRequest)).content.decode()

    def row_of(request: DataSubjectRequest) -> str:
        start = html.index(f'href="{change_url(request)}"')
        return html[start : html.index("</tr>", start)]

    assert "gdpr-deadline--overdue" in row_of(overdue)
    assert "gdpr-deadline--due_soon" in row_of(soon)
    assert "gdpr-deadline--ok" in row_of(fine)
    assert "gdpr-deadline--closed" in row_of(closed)
    # The highlight is a class from the stylesheet, never an inline style (CSP).
    assert "gdpr/admin.css" in html
    assert 'style="' not in row_of(overdue)


def test_the_deadline_and_handler_filters(controller_client, controller):
    overdue = _due(-2)
    soon = _due(3, handler=controller)
    extended = _due(-5, extended_due_on=timezone.localdate() + datetime.timedelta(days=30))
    _due(-9, status=RequestStatus.REFUSED)

    def listed(**params) -> set[int]:
        response = controller_client.get(changelist_url(DataSubjectRequest), params)
        assert response.status_code == 200
        return {r.pk for r in response.context["cl"].result_list}

    assert listed(deadline="overdue") == {overdue.pk}
    assert listed(deadline="due_soon") == {soon.pk}
    assert listed(deadline="extended") == {extended.pk}
    assert listed(handler="me") == {soon.pk}
    assert listed(open="yes") == {overdue.pk, soon.pk, extended.pk}


def test_it_finds_a_request_by_email_name_or_public_id(controller_client, member):
    mine = DataSubjectRequestFactory(subject=member)
    other = DataSubjectRequestFactory(subject=None, subject_name="Ville Kirje", subject_email="")

    def found(q: str) -> set[int]:
        response = controller_client.get(changelist_url(DataSubjectRequest), {"q": q})
        return {r.pk for r in response.context["cl"].result_list}

    assert found(member.email) == {mine.pk}
    assert found("kirje") == {other.pk}
    assert found(str(other.public_id)) == {other.pk}


def test_the_index_counts_open_overdue_and_due_soon(controller_client):
    _due(-2)
    _due(-1)
    _due(3)
    _due(20)
    for url in (reverse("admin:index"), reverse("admin:app_list", args=["gdpr"])):
        html = controller_client.get(url).content.decode()
        assert "gdpr-counts" in html
        assert "?deadline=overdue" in html
        counts = controller_client.get(url).context["counts"]
        assert counts == {"open": 4, "overdue": 2, "due_soon": 1}


# --- Query budgets ------------------------------------------------------------------------


def _count_queries(client, url: str) -> int:
    client.get(url)  # the session's first request writes the session record: not the page
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_changelist_costs_the_same_queries_however_many_requests(
    controller_client, controller, django_assert_max_num_queries
):
    for days in range(3):
        _due(days, handler=controller)
    few = _count_queries(controller_client, changelist_url(DataSubjectRequest))
    for days in range(30):
        _due(days - 10, handler=controller)
    many = _count_queries(controller_client, changelist_url(DataSubjectRequest))
    assert many == few
    with django_assert_max_num_queries(20):
        controller_client.get(changelist_url(DataSubjectRequest))


def test_the_change_view_costs_the_same_queries_however_long_the_history(
    controller_client, controller, member, django_assert_max_num_queries
):
    request = DataSubjectRequestFactory(subject=member, handler=controller)
    services.request_event_log(request, Action.RECEIVED, actor=member)
    few = _count_queries(controller_client, change_url(request))
    for i in range(40):
        actor = StaffFactory() if i % 2 else controller
        services.request_note(request, note=f"Note {i}", actor=actor)
        RecipientNotice.objects.create(request=request, recipient_name=f"Club {i}")
    many = _count_queries(controller_client, change_url(request))
    assert many == few
    with django_assert_max_num_queries(30):
        controller_client.get(change_url(request))


# --- Nothing on the desk is edited or deleted directly -----------------------------------


def test_a_request_cannot_be_edited_or_deleted_in_the_admin(controller_client, member):
    request = DataSubjectRequestFactory(subject=member)
    response = controller_client.get(change_url(request))
    html = response.content.decode()
    assert 'name="_save"' not in html
    assert 'name="status"' not in html
    response = controller_client.post(change_url(request), {"status": RequestStatus.COMPLETED})
    assert response.status_code == 403
    delete = reverse("admin:gdpr_datasubjectrequest_delete", args=[request.pk])
    assert controller_client.post(delete, {"post": "yes"}).status_code == 403
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED


def test_request_steps_cannot_be_added_changed_or_deleted_through_the_request(
    controller_client, member
):
    request = DataSubjectRequestFactory(subject=member)
    event = services.request_event_log(request, Action.RECEIVED, actor=member, note="Original")
    html = controller_client.get(change_url(request)).content.decode()
    assert "Original" in html
    assert 'name="events-0-note"' not in html
    assert "events-0-DELETE" not in html
    response = controller_client.post(
        change_url(request),
        {
            "events-TOTAL_FORMS": "1",
            "events-INITIAL_FORMS": "1",
            "events-0-id": str(event.pk),
            "events-0-note": "Rewritten",
            "events-0-DELETE": "on",
        },
    )
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.note == "Original"


def test_audit_entries_cannot_be_changed_or_deleted_even_by_a_superuser(
    controller_client, controller
):
    assert controller.is_superuser
    entry = AuditEntry.objects.create(
        action=AuditEntry.Action.CHANGED,
        model="accounts.user",
        object_id="42",
        changes={"city": ["Oulu", "Turku"]},
    )
    response = controller_client.get(change_url(entry))
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert controller_client.post(change_url(entry), {"object_id": "43"}).status_code == 403
    delete = reverse("admin:gdpr_auditentry_delete", args=[entry.pk])
    assert controller_client.get(delete).status_code == 403
    assert controller_client.post(delete, {"post": "yes"}).status_code == 403
    assert controller_client.get(reverse("admin:gdpr_auditentry_add")).status_code == 403
    response = controller_client.post(
        changelist_url(AuditEntry),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    entry.refresh_from_db()
    assert entry.object_id == "42"
    model_admin = admin.site._registry[AuditEntry]
    request = response.wsgi_request
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    assert model_admin.get_actions(request) == {}
    # And below the admin: the model refuses too.
    with pytest.raises(AuditEntryImmutable):
        entry.delete()


def test_the_audit_trail_filters_by_action_record_type_and_date(controller_client):
    AuditEntry.objects.create(
        action=AuditEntry.Action.CHANGED, model="accounts.user", object_id="7"
    )
    AuditEntry.objects.create(
        action=AuditEntry.Action.DELETED, model="billing.invoice", object_id="8"
    )
    url = changelist_url(AuditEntry)

    def listed(**params) -> set[str]:
        response = controller_client.get(url, params)
        assert response.status_code == 200
        return {e.object_id for e in response.context["cl"].result_list}

    assert listed(action="deleted") == {"8"}
    assert listed(q="7") == {"7"}
    assert listed(model="billing.invoice") == {"8"}
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    assert {"7", "8"} <= listed(at__gte=str(midnight))


@pytest.mark.parametrize("model", [Consent, MarketingBan, Suppression, ExportDownload])
def test_proof_records_are_read_only(controller_client, member, controller, model):
    obj = one_of_each(member, controller)[model]
    model_admin = admin.site._registry[model]
    request = controller_client.get(changelist_url(model)).wsgi_request
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, obj)
    assert not model_admin.has_delete_permission(request, obj)


@pytest.mark.parametrize(
    ("model", "field"), [(MarketingBan, "lifted_at"), (Consent, "withdrawn_at")]
)
def test_bans_and_consents_filter_by_in_force(controller_client, member, controller, model, field):
    in_force = one_of_each(member, controller)[model]
    ended = model.objects.get(pk=in_force.pk)
    ended.pk = None
    setattr(ended, field, timezone.now())
    ended.save()

    def listed(value: str) -> list:
        response = controller_client.get(changelist_url(model), {f"{field}__isempty": value})
        return list(response.context["cl"].result_list)

    assert listed("1") == [in_force]
    assert listed("0") == [ended]


# --- The signed letter --------------------------------------------------------------------


def test_the_letter_is_downloaded_by_staff_only(controller_client, client, member, private_storage):
    request = DataSubjectRequestFactory(subject=member)
    request.letter.save("kirje.pdf", ContentFile(b"%PDF signed letter"), save=True)
    html = controller_client.get(change_url(request)).content.decode()
    assert step_url(request, "letter") in html

    response = controller_client.get(step_url(request, "letter"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF signed letter"
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]

    client.logout()
    client.force_login(member)
    response = client.get(step_url(request, "letter"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_missing_letter_is_a_404(controller_client, member):
    request = DataSubjectRequestFactory(subject=member)
    assert controller_client.get(step_url(request, "letter")).status_code == 404
    assert controller_client.get(step_url(DataSubjectRequest(pk=999), "letter")).status_code == 404


# --- Entering a request that came by letter ----------------------------------------------


def test_the_controller_enters_a_letter(
    controller_client,
    controller,
    member,
    private_storage,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    received = timezone.localtime() - datetime.timedelta(days=4)
    with django_capture_on_commit_callbacks(execute=True):
        response = controller_client.post(
            reverse("admin:gdpr_datasubjectrequest_add"),
            {
                "kind": RequestKind.ERASURE,
                "channel": RequestChannel.LETTER,
                "received_at_0": received.strftime("%Y-%m-%d"),
                "received_at_1": "10:00:00",
                "subject": str(member.pk),
                "subject_name": "",
                "subject_email": "",
                "details": "Poistakaa tietoni.",
                "letter": SimpleUploadedFile("kirje.pdf", b"%PDF-1.4", "application/pdf"),
                "organization": "",
                "rectification_value": "",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    request = DataSubjectRequest.objects.get()
    assert response["Location"] == change_url(request)
    assert request.channel == RequestChannel.LETTER
    assert request.subject == member
    assert timezone.localdate(request.received_at) == received.date()
    assert request.due_on == services.request_due_on(request.received_at)
    assert private_storage.exists(request.letter.name)
    received_step = request.events.get(action=Action.RECEIVED)
    assert received_step.actor == controller
    assert [m.to for m in mailoutbox] == [[member.email]]


def test_a_bad_entry_is_shown_on_the_form_not_saved(controller_client):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = controller_client.post(
        reverse("admin:gdpr_datasubjectrequest_add"),
        {
            "kind": RequestKind.ACCESS,
            "channel": RequestChannel.PHONE,
            "received_at_0": tomorrow.isoformat(),
            "received_at_1": "10:00:00",
            "subject": "",
            "subject_name": "Ville Puhelin",
            "subject_email": "",
            "details": "Soitti.",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "received_at" in errors
    assert "subject_email" in errors
    assert "Ville Puhelin" in response.content.decode()
    assert not DataSubjectRequest.objects.exists()


# --- The steps ----------------------------------------------------------------------------


def test_the_controller_walks_an_access_request_through_the_steps(
    controller_client, controller, member, django_capture_on_commit_callbacks, mailoutbox
):
    request = services.request_file(subject=member, kind=RequestKind.ACCESS, actor=member)
    page = controller_client.get(change_url(request)).content.decode()
    assert step_url(request, "verify") in page
    assert step_url(request, "complete") not in page

    assert controller_client.get(step_url(request, "verify")).status_code == 200
    response = controller_client.post(
        step_url(request, "verify"),
        {"method": IdentityMethod.SIGNED_IN, "note": "Filed while signed in."},
    )
    assert response.status_code == 302
    assert response["Location"] == change_url(request)

    response = controller_client.post(step_url(request, "start"), {})
    assert response.status_code == 302
    export = DataExport.objects.get(request=request)

    # Not ready yet: the answer is refused on the form, which keeps what was written.
    response = controller_client.post(step_url(request, "complete"), {"response": "Here."})
    assert response.status_code == 200
    assert "export is not ready" in response.content.decode()
    assert "Here.</textarea>" in response.content.decode()

    now = timezone.now()
    DataExport.objects.filter(pk=export.pk).update(
        status=DataExport.Status.READY, ready_at=now, expires_at=now + datetime.timedelta(days=7)
    )
    page = controller_client.get(change_url(request)).content.decode()
    assert reverse("gdpr:export_download", kwargs={"export_id": export.pk}) in page

    with django_capture_on_commit_callbacks(execute=True):
        response = controller_client.post(
            step_url(request, "complete"), {"response": "Your data is attached."}
        )
    assert response.status_code == 302
    assert "Request completed; the answer has been sent." in messages_of(response)
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    assert [e.actor for e in request.events.exclude(action=Action.RECEIVED)] == [controller] * (
        request.events.count() - 1
    )
    assert mailoutbox[-1].to == [member.email]


def test_a_failed_export_can_be_built_again_from_the_desk(controller_client, controller, member):
    request = services.request_file(subject=member, kind=RequestKind.ACCESS, actor=member)
    services.request_verify_identity(
        request, method=IdentityMethod.SIGNED_IN, note="", actor=controller
    )
    services.request_start(request, actor=controller)
    assert (
        step_url(request, "retry_export")
        not in controller_client.get(change_url(request)).content.decode()
    )
    DataExport.objects.filter(request=request).update(
        status=DataExport.Status.FAILED, error="Disk full"
    )
    page = controller_client.get(change_url(request)).content.decode()
    assert step_url(request, "retry_export") in page
    assert "Disk full" in page
    response = controller_client.post(step_url(request, "retry_export"), {})
    assert response.status_code == 302
    assert request.events.filter(action=Action.EXPORT_REQUESTED).count() == 2


def test_a_step_the_state_does_not_allow_is_a_message_not_a_500(controller_client, member):
    request = DataSubjectRequestFactory(subject=member)
    response = controller_client.post(step_url(request, "start"), {})
    assert response.status_code == 200
    assert "not possible" in response.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED


def test_assign_to_me_note_extend_and_refuse(
    controller_client, controller, member, django_capture_on_commit_callbacks, mailoutbox
):
    request = DataSubjectRequestFactory(subject=member)
    response = controller_client.post(step_url(request, "assign"), {"handler": "", "to_me": "1"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.handler == controller

    controller_client.post(step_url(request, "note"), {"note": "Soitin takaisin."})
    assert request.events.get(action=Action.NOTE).note == "Soitin takaisin."

    with django_capture_on_commit_callbacks(execute=True):
        controller_client.post(
            step_url(request, "extend"), {"months": "2", "reason": "Laaja.", "told_by": "email"}
        )
    request.refresh_from_db()
    assert request.extended_due_on is not None
    # Extended once: the button is gone and a second try is refused on the form.
    assert (
        step_url(request, "extend")
        not in controller_client.get(change_url(request)).content.decode()
    )
    response = controller_client.post(
        step_url(request, "extend"), {"months": "1", "reason": "X", "told_by": "email"}
    )
    assert "only once" in response.content.decode()

    response = controller_client.post(step_url(request, "refuse"), {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    with django_capture_on_commit_callbacks(execute=True):
        controller_client.post(step_url(request, "refuse"), {"reason": "Ei perusteita."})
    request.refresh_from_db()
    assert request.status == RequestStatus.REFUSED
    assert "tietosuojavaltuutetulle" in mailoutbox[-1].body


def test_the_letter_is_kept_until_its_deletion_is_confirmed(
    controller_client, member, private_storage
):
    request = DataSubjectRequestFactory(subject=member)
    request.letter.save("kirje.pdf", ContentFile(b"%PDF"), save=True)
    response = controller_client.post(step_url(request, "delete_letter"), {})
    assert response.status_code == 200
    assert "confirm" in response.context["form"].errors
    assert private_storage.exists(request.letter.name)


def test_the_letter_can_be_deleted_once_handled(
    controller_client, controller, member, private_storage, django_capture_on_commit_callbacks
):
    request = DataSubjectRequestFactory(subject=member)
    request.letter.save("kirje.pdf", ContentFile(b"%PDF"), save=True)
    name = request.letter.name
    with django_capture_on_commit_callbacks(execute=True):
        response = controller_client.post(step_url(request, "delete_letter"), {"confirm": "on"})
    assert response.status_code == 302
    assert not private_storage.exists(name)
    assert request.events.get(action=Action.LETTER_DELETED).actor == controller


@pytest.fixture
def erasure_stub(monkeypatch):
    """Stand-in for engineer B's gdpr.erasure.services (tested in tests/gdpr/test_erasure*)."""
    calls: list = []
    grounds: list[str] = []

    audiences: list = []

    def erasure_plan(user, *, audience=None):
        audiences.append(audience)
        return f"PLAN FOR {user.pk}"

    def erasure_refusal_grounds(user):
        return list(grounds)

    def erasure_execute(request, *, actor, decisions=None):
        calls.append((request.pk, actor.pk))
        services.request_event_log(request, Action.ERASURE_EXECUTED, actor=actor)
        DataSubjectRequest.objects.filter(pk=request.pk).update(subject_email="", subject_name="")
        User.objects.filter(pk=request.subject_id).update(email=f"erased-{request.subject_id}@x")

    try:
        import gdpr.erasure.services as module
    except ImportError:
        module = types.ModuleType("gdpr.erasure.services")
        monkeypatch.setitem(sys.modules, "gdpr.erasure.services", module)
        import gdpr

        monkeypatch.setattr(gdpr, "erasure", module, raising=False)
    for function in (erasure_plan, erasure_refusal_grounds, erasure_execute):
        monkeypatch.setattr(module, function.__name__, function, raising=False)
    return types.SimpleNamespace(calls=calls, grounds=grounds, audiences=audiences)


def test_the_erasure_is_previewed_then_executed_and_answered(
    controller_client,
    controller,
    member,
    erasure_stub,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    request = services.request_file(subject=member, kind=RequestKind.ERASURE, actor=member)
    address = member.email
    # Before handling starts: a preview only.
    response = controller_client.get(step_url(request, "erasure"))
    assert response.status_code == 200
    assert response.context["erasure_plan"] == f"PLAN FOR {member.pk}"
    assert response.context["show_form"] is False
    # The controller's page reads of the person, not to them.
    assert erasure_stub.audiences == [Audience.CONTROLLER]

    services.request_verify_identity(
        request, method=IdentityMethod.SIGNED_IN, note="", actor=controller
    )
    services.request_start(request, actor=controller)
    response = controller_client.post(step_url(request, "erasure"), {"response": "Done."})
    assert response.status_code == 200  # the confirmation box is required
    assert "confirm" in response.context["form"].errors
    # The page names whose data goes (the intro says it cannot be undone).
    assert (request.subject_name or request.subject_email) in response.context["intro"]
    assert erasure_stub.calls == []

    with django_capture_on_commit_callbacks(execute=True):
        response = controller_client.post(
            step_url(request, "erasure"), {"response": "Tietosi on poistettu.", "confirm": "on"}
        )
    assert response.status_code == 302
    assert erasure_stub.calls == [(request.pk, controller.pk)]
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    # The answer reached the address the erasure removed.
    assert mailoutbox[-1].to == [address]
    assert "Tietosi on poistettu." in mailoutbox[-1].body


def test_the_erasure_runs_for_real_from_the_desk(
    controller_client, controller, member, django_capture_on_commit_callbacks, mailoutbox
):
    """With engineer B's gdpr.erasure.services itself: the preview renders its plan, and executing
    erases the person and answers them at the address they had."""
    address = member.email
    request = services.request_file(subject=member, kind=RequestKind.ERASURE, actor=member)
    services.request_verify_identity(
        request, method=IdentityMethod.SIGNED_IN, note="", actor=controller
    )
    services.request_start(request, actor=controller)
    response = controller_client.get(step_url(request, "erasure"))
    assert response.status_code == 200
    assert response.context["show_form"] is True
    answer = f"Hei {member.first_name.upper()}, tietosi ({address}) on poistettu."
    with django_capture_on_commit_callbacks(execute=True):
        response = controller_client.post(
            step_url(request, "erasure"), {"response": answer, "confirm": "on"}
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    assert request.events.filter(action=Action.ERASURE_EXECUTED, actor=controller).exists()
    assert not User.objects.filter(email=address).exists()
    assert mailoutbox[-1].to == [address]
    # The person reads the answer as written; what is kept of it names them no more.
    assert answer in mailoutbox[-1].body
    assert request.response == "Hei [erased], tietosi ([erased]) on poistettu."
    kept = [request.response, *request.events.values_list("note", flat=True)]
    audit = AuditEntry.objects.filter(model="gdpr.datasubjectrequest", object_id=str(request.pk))
    kept += [str(entry.changes) for entry in audit]
    for text in kept:
        assert member.first_name.lower() not in text.lower()
        assert address not in text


def test_an_erasure_with_grounds_to_refuse_is_not_executed(
    controller_client, controller, member, erasure_stub
):
    erasure_stub.grounds.append("Invoice 2026-14 is in collection.")
    request = services.request_file(subject=member, kind=RequestKind.ERASURE, actor=member)
    services.request_verify_identity(
        request, method=IdentityMethod.SIGNED_IN, note="", actor=controller
    )
    services.request_start(request, actor=controller)
    response = controller_client.get(step_url(request, "erasure"))
    assert "Invoice 2026-14 is in collection." in response.content.decode()
    assert response.context["show_form"] is False
    controller_client.post(step_url(request, "erasure"), {"response": "x", "confirm": "on"})
    assert erasure_stub.calls == []
    # The refusal form starts from the grounds.
    response = controller_client.get(step_url(request, "refuse"))
    assert response.context["form"].initial["reason"] == "Invoice 2026-14 is in collection."


def test_a_rectification_is_decided_from_the_desk(
    controller_client, controller, member, django_capture_on_commit_callbacks, mailoutbox
):
    club = organization_with_admin(UserFactory(), name="Malmin Ilmailukerho ry")
    add_member(club, member, member_number="77")
    request = services.request_enter(
        kind=RequestKind.RECTIFICATION,
        channel=RequestChannel.LETTER,
        received_at=timezone.now(),
        subject=member,
        details="Jäsennumeroni on väärin.",
        rectification_value="78",
        actor=controller,
        acknowledge=False,
    )
    # Entered by letter: identity first.
    assert (
        step_url(request, "rectification")
        not in controller_client.get(change_url(request)).content.decode()
    )
    services.request_verify_identity(
        request, method=IdentityMethod.SIGNED_LETTER, note="", actor=controller
    )
    response = controller_client.get(step_url(request, "rectification"))
    assert response.status_code == 200
    choices = dict(response.context["form"].fields["target"].choices)
    assert choices
    target = next(iter(choices))
    with django_capture_on_commit_callbacks(execute=True):
        response = controller_client.post(
            step_url(request, "rectification"),
            {"target": target, "value": "", "decision": "refuse", "reason": "Numero on oikein."},
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    request.refresh_from_db()
    assert request.status == RequestStatus.REFUSED
    assert request.rectification_target == target
    assert "Numero on oikein." in mailoutbox[-1].body


# --- The other models ---------------------------------------------------------------------


def test_a_restriction_is_lifted_through_the_service(controller_client, controller, member):
    request = services.request_file(subject=member, kind=RequestKind.RESTRICTION, actor=member)
    services.request_verify_identity(
        request, method=IdentityMethod.SIGNED_IN, note="", actor=controller
    )
    services.request_start(request, actor=controller)
    restriction = ProcessingRestriction.objects.get(user=member)
    asked = controller_client.post(
        changelist_url(ProcessingRestriction),
        {"action": "lift_restrictions", "_selected_action": [restriction.pk]},
    )
    # It asks first, naming the person and that they are told; nothing is lifted yet.
    assert asked.status_code == 200
    assert str(member) in asked.content.decode()
    assert asked.context["irreversible"]
    restriction.refresh_from_db()
    assert restriction.lifted_at is None
    response = controller_client.post(
        changelist_url(ProcessingRestriction),
        {"action": "lift_restrictions", "_selected_action": [restriction.pk], "confirm": "yes"},
        follow=True,
    )
    assert "1 restriction lifted." in messages_of(response)
    restriction.refresh_from_db()
    assert restriction.lifted_at is not None
    assert request.events.filter(action=Action.RESTRICTION_LIFTED, actor=controller).exists()


def test_a_disclosure_is_recorded_through_the_service(controller_client, controller, member):
    from gdpr import declarations as registry

    club = organization_with_admin(UserFactory(), name="Kerho ry")
    add_member(club, other := UserFactory())
    category = registry.categories()[0].key
    url = reverse("admin:gdpr_disclosure_add")
    data = {
        "kind": Disclosure.Kind.PARTNER,
        "recipient_name": "Vakuutus Oy",
        "recipient_email": "tietosuoja@vakuutus.example",
        "purpose": "Member insurance",
        "legal_basis": "",
        "categories": [category],
        "starts_on": "2026-01-01",
        "ends_on": "",
        "people": [str(member.pk)],
        "organization": str(club.pk),
    }
    response = controller_client.post(url, data)
    assert response.status_code == 200
    assert "end date" in response.content.decode()
    assert not Disclosure.objects.exists()

    response = controller_client.post(url, data | {"ends_on": "2026-12-31"})
    assert response.status_code == 302
    disclosure = Disclosure.objects.get()
    assert disclosure.recorded_by == controller
    assert disclosure.categories == [category]
    people = set(disclosure.subjects.values_list("pk", flat=True))
    assert {member.pk, other.pk} <= people

    # Afterwards only people are added; the record itself stays as recorded.
    page = controller_client.get(change_url(disclosure)).content.decode()
    assert 'name="recipient_name"' not in page
    assert 'name="people"' in page


def test_the_export_admin_links_a_ready_export(controller_client, member):
    request = DataSubjectRequestFactory(subject=member)
    export = DataExport.objects.create(
        request=request,
        subject=member,
        status=DataExport.Status.READY,
        progress=100,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    html = controller_client.get(changelist_url(DataExport)).content.decode()
    assert reverse("gdpr:export_download", kwargs={"export_id": export.pk}) in html
    assert '<progress class="gdpr-progress"' in html


def test_the_desk_warns_while_the_extension_notice_has_not_left(controller_client, member):
    request = DataSubjectRequestFactory(subject=member)
    DataSubjectRequest.objects.filter(pk=request.pk).update(
        extended_due_on=request.due_on + datetime.timedelta(days=30), extension_reason="Laaja."
    )
    page = controller_client.get(change_url(request)).content.decode()
    assert "has not yet been told of the extension" in page
    assert step_url(request, "tell_extension") in page
    response = controller_client.post(
        step_url(request, "tell_extension"),
        {"told_by": "letter", "told_note": "Kirje postitettu 3.12."},
    )
    assert response.status_code == 302
    page = controller_client.get(change_url(request)).content.decode()
    assert "has not yet been told of the extension" not in page
    assert step_url(request, "tell_extension") not in page


def test_the_admin_home_flags_a_retention_job_whose_last_run_failed(controller_client):
    from gdpr.models import RetentionRun

    home = reverse("admin:index")
    assert "gdpr-retention-alert" not in controller_client.get(home).content.decode()
    RetentionRun.objects.create(
        job="accounts.login_events", status=RetentionRun.Status.FAILED, error="disk full"
    )
    page = controller_client.get(home).content.decode()
    assert "gdpr-retention-alert" in page
    assert "accounts.login_events" in page
    # Where the job can be run again.
    assert reverse("admin:gdpr_retentionrun_jobs") in page
    RetentionRun.objects.create(job="accounts.login_events", status=RetentionRun.Status.DONE)
    assert "gdpr-retention-alert" not in controller_client.get(home).content.decode()


# --- What the controller reads of the person ----------------------------------------------


def erasure_in_progress(member: User, controller: User) -> DataSubjectRequest:
    request = services.request_file(subject=member, kind=RequestKind.ERASURE, actor=member)
    services.request_verify_identity(
        request, method=IdentityMethod.SIGNED_IN, note="", actor=controller
    )
    services.request_start(request, actor=controller)
    return request


def test_the_controllers_erasure_page_speaks_of_the_person_not_to_them(
    controller_client, controller, member
):
    organization_with_admin(member, name="Yksin ry")
    request = erasure_in_progress(member, controller)
    response = controller_client.get(step_url(request, "erasure"))
    assert response.status_code == 200
    page = unescape(response.content.decode())
    # The only-admin warning points at the decision right below it, not at what the person
    # could have done first.
    assert "Aino Virtanen is the only admin of Yksin ry" in page
    assert "decide below who becomes its admin" in page
    assert "Make another member an admin first" not in page
    assert "Aino Virtanen is the only admin of Yksin ry. Who becomes its admin?" in page
    assert "You are the only admin" not in page
    # The plan's own sentences and the apps' steps, in the third person.
    assert "The person's membership ends" in page
    assert "Kept without what identifies the person" in page
    for second_person in ("You are", "Your membership", "identifies you", "your records"):
        assert second_person not in page
    # The button does the erasure; the page's title only names it.
    assert 'value="Erase the person\'s data"' in page
    assert 'value="Erasure: preview and execution"' not in page
    # The counts' column is headed as a count, not as a number of something.
    assert '<th scope="col" class="num">Count</th>' in page
    assert ">Number</th>" not in page


def test_the_complete_page_of_an_access_request_tells_the_controller_how_the_person_downloads(
    controller_client, controller, member
):
    request = services.request_file(subject=member, kind=RequestKind.ACCESS, actor=member)
    services.request_verify_identity(
        request, method=IdentityMethod.SIGNED_IN, note="", actor=controller
    )
    services.request_start(request, actor=controller)
    now = timezone.now()
    export = DataExport.objects.get(request=request)
    DataExport.objects.filter(pk=export.pk).update(
        status=DataExport.Status.READY, ready_at=now, expires_at=now + datetime.timedelta(days=7)
    )
    for url in (step_url(request, "complete"), change_url(request)):
        page = unescape(controller_client.get(url).content.decode())
        assert "The person downloads the export from their privacy page" in page
        assert "Download the export (ZIP)" in page
        assert "Download your data" not in page
        assert "You will be asked to confirm your password" not in page


def test_the_request_page_shows_readable_fields_and_outcome(controller_client, member):
    request = DataSubjectRequestFactory(subject=member, kind=RequestKind.ERASURE)
    DataSubjectRequest.objects.filter(pk=request.pk).update(
        outcome={
            "executed_at": "2026-11-02T10:15:00+00:00",
            "summary": {
                "deleted": {"accounts.LoginEvent": 3},
                "anonymised": {},
                "kept": [],
                "held": [],
                "files": 2,
            },
            "recipients_notified": 1,
            "redaction_keys": ["deadbeefcafe"],
        }
    )
    page = unescape(controller_client.get(change_url(request)).content.decode())
    assert "Request reference" in page
    assert str(request.public_id) in page
    assert "Public id" not in page
    # No holder: a dash, never "None".
    holder = page.split("field-holder_display", 1)[1].split("</div>", 3)
    assert "—" in "".join(holder[:3])
    assert "None" not in "".join(holder[:3])
    # The outcome as sentences, not as the stored JSON.
    assert "Erased on 02.11.2026" in page
    assert "Stored files deleted: 2." in page
    assert "Recipients told of the erasure (Art. 19): 1." in page
    assert '"executed_at"' not in page
    assert "deadbeefcafe" not in page


def test_a_recipient_notice_names_its_request_readably(controller_client, member):
    request = DataSubjectRequestFactory(subject=member)
    notice = RecipientNotice.objects.create(request=request, recipient_name="Club")
    page = unescape(controller_client.get(changelist_url(RecipientNotice)).content.decode())
    assert "column-request_link" in page
    assert "Data-subject request" in page
    assert change_url(request) in page
    page = unescape(controller_client.get(change_url(notice)).content.decode())
    assert "Data-subject request" in page
    assert change_url(request) in page
