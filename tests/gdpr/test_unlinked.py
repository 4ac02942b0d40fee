"""Records no account points at: a bank payment that matched no invoice and a call logged
before the person signed up are found under the person's details on the desk, attached
to their request, and from then on exported and erased (or kept) like the rest."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing import services as billing
from billing.models import Payment
from communications.models import CommunicationRecord
from communications.services import communication_record
from gdpr.declarations import entry_for
from gdpr.erasure.answer import attached_after_erasure
from gdpr.erasure.services import erasure_execute, erasure_plan
from gdpr.exports import archive as export_archive
from gdpr.exports import services as exports
from gdpr.models import (
    AttachedRecord,
    DataExport,
    DataSubjectRequest,
    RequestEvent,
    RequestKind,
    RequestStatus,
)
from gdpr.requests import services
from gdpr.requests.base import RequestError
from gdpr.requests.services import request_file
from gdpr.unlinked.search import normalise_phone, unlinked_candidates
from gdpr.unlinked.services import record_detach, records_attach
from tests.billing.camt054_builder import build_camt054
from tests.billing.factories import bank_account, invoice_for
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

IBAN = "FI5542345670000081"
OTHER_IBAN = "FI4950009420028730"


@pytest.fixture(autouse=True)
def private_storage(monkeypatch, tmp_path) -> FileSystemStorage:
    storage = FileSystemStorage(location=tmp_path / "private", base_url=None)
    monkeypatch.setattr(DataSubjectRequest._meta.get_field("letter"), "storage", storage)
    monkeypatch.setattr(DataExport._meta.get_field("file"), "storage", storage)
    monkeypatch.setattr(CommunicationRecord._meta.get_field("attachment"), "storage", storage)
    return storage


class World:
    """Maija, a member who paid her invoice from her account; before that, money came from
    that account with a reference nobody knew, and the club logged her call and an email
    under her address before she had an account. Pekka, someone else, has the same."""

    def __init__(self) -> None:
        self.admin = UserFactory()
        self.staff = StaffFactory(preferred_language="en")
        self.maija = UserFactory(
            first_name="Maija",
            last_name="Meikäläinen",
            email="maija.meikalainen@example.fi",
            phone="+358401234567",
            street_address="Kotikatu 5 A 7",
            preferred_language="en",
        )
        self.pekka = UserFactory(first_name="Pekka", last_name="Virtanen", phone="+358507654321")
        self.club = organization_with_admin(self.admin, name="Kerho ry")
        bank_account(self.club)
        iban = self.club.bank_accounts.get().iban
        invoice = invoice_for(add_member(self.club, self.maija), send=True)
        summary = billing.payments_import(
            organization=self.club,
            actor=self.admin,
            data=build_camt054(
                account_iban=iban,
                payments=[
                    # Her invoice, paid from her account: the account is hers.
                    {
                        "amount": invoice.total,
                        "reference": invoice.reference,
                        "payer_name": "MEIKALAINEN MAIJA",
                        "payer_iban": "FI55 4234 5670 0000 81",
                        "booking_date": datetime.date(2026, 3, 3),
                    },
                    # Money with an unknown reference, from her account, her name reversed.
                    {
                        "amount": Decimal("40.00"),
                        "reference": "RF18539007547034",
                        "payer_name": "MEIKÄLÄINEN MAIJA",
                        "payer_iban": IBAN,
                        "booking_date": datetime.date(2026, 3, 4),
                    },
                    # From her account under another name (her bank shortened it).
                    {
                        "amount": Decimal("15.00"),
                        "payer_name": "M MEIKALAINEN",
                        "payer_iban": IBAN,
                        "booking_date": datetime.date(2026, 3, 5),
                    },
                    # Pekka's: nothing of Maija's.
                    {
                        "amount": Decimal("25.00"),
                        "payer_name": "VIRTANEN PEKKA",
                        "payer_iban": OTHER_IBAN,
                        "booking_date": datetime.date(2026, 3, 6),
                    },
                ],
            ),
        )
        assert len(summary.matched) == 1
        self.matched = summary.matched[0]
        self.unmatched, self.by_iban, self.pekkas_payment = summary.unmatched
        self.call = communication_record(
            organization=self.club,
            subject=None,
            counterpart="Soittaja 040-123 4567",
            channel=CommunicationRecord.Channel.PHONE,
            direction=CommunicationRecord.Direction.INCOMING,
            summary="Kysyi jäsenyydestä.",
            actor=self.admin,
        )
        self.mail = communication_record(
            organization=self.club,
            subject=None,
            counterpart="Maija M. <MAIJA.MEIKALAINEN@example.fi>",
            channel=CommunicationRecord.Channel.EMAIL,
            direction=CommunicationRecord.Direction.INCOMING,
            summary="Tervetuloa kerhoon.",
            actor=self.admin,
        )
        self.pekkas_call = communication_record(
            organization=self.club,
            subject=None,
            counterpart="Pekka Virtanen, 050 765 4321",
            channel=CommunicationRecord.Channel.PHONE,
            direction=CommunicationRecord.Direction.INCOMING,
            # A first name alone is no one's.
            summary="Kysyi Maijasta ja Maijan lennoista.",
            actor=self.admin,
        )
        self.request = request_file(subject=self.maija, kind=RequestKind.ACCESS, actor=self.maija)

    @staticmethod
    def key(obj) -> str:
        return f"{obj._meta.label_lower}:{obj.pk}"

    def found(self, request: DataSubjectRequest | None = None) -> set[str]:
        return {c.key for c in unlinked_candidates(request=request or self.request)}

    def attach_all(self, request: DataSubjectRequest | None = None) -> None:
        request = request or self.request
        records_attach(
            request=request,
            rows=[self.key(o) for o in (self.unmatched, self.by_iban, self.call, self.mail)],
            actor=self.staff,
        )


@pytest.fixture
def world() -> World:
    return World()


# --- The search -------------------------------------------------------------------------


def test_it_finds_the_payments_and_the_calls_under_the_persons_details(world):
    found = unlinked_candidates(request=world.request)

    assert {c.key for c in found} == {
        world.key(world.unmatched),
        world.key(world.by_iban),
        world.key(world.call),
        world.key(world.mail),
    }
    matched = {c.key: set(c.matched) for c in found}
    assert matched[world.key(world.unmatched)] == {"name", "IBAN"}
    assert matched[world.key(world.by_iban)] == {"IBAN"}
    assert matched[world.key(world.call)] == {"phone number"}
    assert matched[world.key(world.mail)] == {"email address"}


def test_the_import_keeps_the_payers_account_without_spaces(world):
    assert Payment.objects.get(pk=world.matched.pk).payer_iban == IBAN
    assert world.pekkas_payment.payer_iban == OTHER_IBAN


def test_another_persons_rows_are_not_found(world):
    pekkas = request_file(subject=world.pekka, kind=RequestKind.ACCESS, actor=world.pekka)

    assert world.key(world.pekkas_payment) not in world.found()
    assert world.key(world.pekkas_call) not in world.found()
    # Pekka's search finds his own, none of Maija's.
    assert world.found(pekkas) == {world.key(world.pekkas_payment), world.key(world.pekkas_call)}


def test_rows_already_the_persons_are_not_candidates(world):
    # The matched payment is hers through her invoice.
    assert world.key(world.matched) not in world.found()
    world.attach_all()
    assert world.found() == set()


def test_phone_numbers_compare_in_every_format():
    assert normalise_phone("+358 40 123 4567") == "401234567"
    assert normalise_phone("040-1234567") == "401234567"
    assert normalise_phone("(040) 123 45 67") == "401234567"


def test_a_request_naming_no_account_finds_nothing(world):
    letter = request_file(
        subject=None,
        kind=RequestKind.ACCESS,
        actor=world.staff,
        subject_name="Maija Meikäläinen",
        subject_email="maija.meikalainen@example.fi",
    )
    assert unlinked_candidates(request=letter) == []


# --- Attaching and detaching ------------------------------------------------------------


def test_attached_rows_count_as_the_persons(world):
    payments = entry_for(Payment)
    records = entry_for(CommunicationRecord)
    assert not payments.rows_for(world.maija).filter(pk=world.unmatched.pk).exists()

    world.attach_all()

    assert set(payments.rows_for(world.maija)) == {world.matched, world.unmatched, world.by_iban}
    assert {world.call, world.mail} <= set(records.rows_for(world.maija))
    assert world.pekkas_call not in set(records.rows_for(world.maija))
    # Pekka's rows are not hers, nor hers his.
    assert set(payments.rows_for(world.pekka)) == set()
    event = RequestEvent.objects.get(
        request=world.request, action=RequestEvent.Action.RECORDS_ATTACHED
    )
    assert event.actor == world.staff
    assert event.internal
    # The trail names kinds and counts, not the person's values.
    assert "Meik" not in event.note and IBAN not in event.note


def test_only_candidates_can_be_attached(world):
    with pytest.raises(RequestError):
        records_attach(
            request=world.request, rows=[world.key(world.pekkas_payment)], actor=world.staff
        )
    with pytest.raises(RequestError):
        records_attach(request=world.request, rows=["billing.payment:abc"], actor=world.staff)
    with pytest.raises(RequestError):
        records_attach(request=world.request, rows=[], actor=world.staff)
    assert not AttachedRecord.objects.exists()


def test_detaching_makes_the_row_nobodys_again(world):
    world.attach_all()
    attached = AttachedRecord.objects.get(
        content_type=ContentType.objects.get_for_model(Payment), object_id=str(world.unmatched.pk)
    )

    record_detach(request=world.request, attached_id=attached.pk, actor=world.staff)

    assert not entry_for(Payment).rows_for(world.maija).filter(pk=world.unmatched.pk).exists()
    assert world.key(world.unmatched) in world.found()
    assert RequestEvent.objects.filter(
        request=world.request, action=RequestEvent.Action.RECORD_DETACHED, actor=world.staff
    ).exists()
    with pytest.raises(RequestError):
        record_detach(request=world.request, attached_id=attached.pk, actor=world.staff)


def test_a_closed_request_takes_no_attachments(world):
    DataSubjectRequest.objects.filter(pk=world.request.pk).update(status=RequestStatus.COMPLETED)
    world.request.refresh_from_db()
    with pytest.raises(RequestError):
        world.attach_all()


# --- Export and erasure -----------------------------------------------------------------


def test_attached_rows_are_in_the_export_and_its_report_says_where_they_came_from(
    world, monkeypatch
):
    world.attach_all()
    monkeypatch.setattr(export_archive, "html_to_pdf", lambda html: b"%PDF-1.7 test")
    export = DataExport.objects.create(request=world.request, subject=world.maija, language="en")

    exports.export_build(export.pk)

    export.refresh_from_db()
    assert export.status == DataExport.Status.READY, export.error
    with export.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    data = json.loads(archive.read("data.json"))
    payments = {row["id"] for row in data["records"]["billing.Payment"]["rows"]}
    assert payments == {world.matched.pk, world.unmatched.pk, world.by_iban.pk}
    records = {row["id"] for row in data["records"]["communications.CommunicationRecord"]["rows"]}
    assert {world.call.pk, world.mail.pk} <= records
    assert world.pekkas_call.pk not in records
    assert b"VIRTANEN PEKKA" not in archive.read("data.json")
    report = archive.read("report.html").decode()
    assert "we found them under your name" in report
    assert "payments: 2" in report


def test_attached_rows_are_erased_or_kept_like_the_rest_and_the_answer_says_so(
    world, django_capture_on_commit_callbacks
):
    world.attach_all()
    erasure = request_file(subject=world.maija, kind=RequestKind.ERASURE, actor=world.maija)
    DataSubjectRequest.objects.filter(pk=erasure.pk).update(status=RequestStatus.IN_PROGRESS)
    erasure.refresh_from_db()

    plan = erasure_plan(world.maija)
    kept = {(k.model, k.object_id) for k in plan.kept}
    # Payments are vouchers: kept until their date, on the Accounting Act.
    assert ("billing.Payment", str(world.unmatched.pk)) in kept
    assert ("billing.Payment", str(world.by_iban.pk)) in kept
    assert {item["model"]: item["count"] for item in plan.attached} == {
        "billing.Payment": 2,
        "communications.CommunicationRecord": 2,
    }
    with django_capture_on_commit_callbacks(execute=True):
        outcome = erasure_execute(erasure, actor=world.staff)

    assert not CommunicationRecord.objects.filter(pk__in=[world.call.pk, world.mail.pk]).exists()
    assert CommunicationRecord.objects.filter(pk=world.pekkas_call.pk).exists()
    assert Payment.objects.filter(pk=world.unmatched.pk).exists()
    assert outcome.summary["attached"] == {
        "billing.Payment": 2,
        "communications.CommunicationRecord": 2,
    }
    erasure.refresh_from_db()
    answer = {str(item["name"]): item["count"] for item in attached_after_erasure(erasure.outcome)}
    assert answer == {"payments": 2, "communication records": 2}


def test_the_answer_mail_says_the_records_were_found_under_the_persons_details(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    world.attach_all()
    erasure = request_file(subject=world.maija, kind=RequestKind.ERASURE, actor=world.maija)
    DataSubjectRequest.objects.filter(pk=erasure.pk).update(status=RequestStatus.IN_PROGRESS)
    erasure.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        erasure_execute(erasure, actor=world.staff)
        erasure.refresh_from_db()
        mailoutbox.clear()
        # The address and language as the desk takes them before the erasure runs.
        services.request_complete(
            erasure,
            response="Done.",
            actor=world.staff,
            notify_to="maija.meikalainen@example.fi",
            notify_language="en",
        )
    (answer,) = [m for m in mailoutbox if m.to == ["maija.meikalainen@example.fi"]]
    body = answer.body
    assert "not linked to your account" in body
    assert "Communication records: 2" in body


# --- The desk ---------------------------------------------------------------------------


def change_url(request: DataSubjectRequest) -> str:
    return reverse("admin:gdpr_datasubjectrequest_change", args=[request.pk])


def attach_url(request: DataSubjectRequest) -> str:
    return reverse("admin:gdpr_datasubjectrequest_attach", args=[request.pk])


def detach_url(request: DataSubjectRequest) -> str:
    return reverse("admin:gdpr_datasubjectrequest_detach", args=[request.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_desk_lists_candidates_and_attaches_and_detaches_them(client, world):
    client.force_login(world.staff)
    page = client.get(change_url(world.request)).content.decode()
    assert 'id="gdpr-unlinked"' in page
    assert f'value="{world.key(world.unmatched)}"' in page
    assert f'value="{world.key(world.pekkas_payment)}"' not in page

    response = client.post(
        attach_url(world.request),
        {"rows": [world.key(world.unmatched), world.key(world.call)]},
        follow=True,
    )
    assert response.status_code == 200
    assert AttachedRecord.objects.filter(request=world.request).count() == 2
    assert "Records attached: 2. They now count as the person's data." in messages_of(response)

    attached = AttachedRecord.objects.get(object_id=str(world.call.pk))
    page = client.get(change_url(world.request)).content.decode()
    assert f'name="attached" value="{attached.pk}"' in page
    response = client.post(detach_url(world.request), {"attached": attached.pk})
    assert response.status_code == 302
    assert not AttachedRecord.objects.filter(pk=attached.pk).exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"rows": "billing.payment:999999"},
        {"rows": "nonsense"},
        {"rows": "x" * 5000},
    ],
)
def test_bad_attach_input_is_a_message_never_a_500(client, world, data):
    client.force_login(world.staff)
    response = client.post(attach_url(world.request), data, follow=True)
    assert response.status_code == 200
    assert messages_of(response)
    assert not AttachedRecord.objects.exists()


@pytest.mark.parametrize("value", ["", "abc", "-1", "99999999999999999999999", "0"])
def test_bad_detach_input_is_a_message_never_a_500(client, world, value):
    world.attach_all()
    client.force_login(world.staff)
    response = client.post(detach_url(world.request), {"attached": value}, follow=True)
    assert response.status_code == 200
    assert "That record is not attached to this request." in messages_of(response)
    assert AttachedRecord.objects.count() == 4


def test_outsiders_cannot_attach(client, world):
    # Not signed in: to the login page.
    response = client.post(attach_url(world.request), {"rows": world.key(world.unmatched)})
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    # A member, not staff: the same.
    client.force_login(world.maija)
    response = client.post(attach_url(world.request), {"rows": world.key(world.unmatched)})
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    # Staff without the right to handle requests: refused.
    client.force_login(StaffFactory(is_superuser=False))
    response = client.post(attach_url(world.request), {"rows": world.key(world.unmatched)})
    assert response.status_code == 403
    assert not AttachedRecord.objects.exists()


def test_an_unknown_request_is_404_and_get_is_405(client, world):
    client.force_login(world.staff)
    assert (
        client.post(attach_url(world.request).replace(str(world.request.pk), "999999")).status_code
        == 404
    )
    assert client.get(attach_url(world.request)).status_code == 405
    assert client.get(detach_url(world.request)).status_code == 405


def test_attach_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.staff)
    response = client.post(attach_url(world.request), {"rows": world.key(world.unmatched)})
    assert response.status_code == 403
    assert not AttachedRecord.objects.exists()


def _queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_desk_section_costs_the_same_queries_however_many_rows(client, world):
    client.force_login(world.staff)
    # One row of each kind attached: the section reads each kind's rows in one query.
    records_attach(
        request=world.request,
        rows=[world.key(world.call), world.key(world.unmatched)],
        actor=world.staff,
    )
    few = _queries(client, change_url(world.request))
    for n in range(6):
        communication_record(
            organization=world.club,
            subject=None,
            counterpart=f"Maija Meikäläinen ({n})",
            channel=CommunicationRecord.Channel.PHONE,
            direction=CommunicationRecord.Direction.INCOMING,
            summary="",
            actor=world.admin,
        )
    billing.payment_record(
        organization=world.club,
        amount=Decimal("5.00"),
        paid_on=datetime.date(2026, 3, 9),
        payer_name="Maija Meikäläinen",
        payer_iban=IBAN,
        actor=world.admin,
    )
    records_attach(
        request=world.request,
        rows=[world.key(world.mail), world.key(world.by_iban)],
        actor=world.staff,
    )
    page = client.get(change_url(world.request)).content.decode()
    assert page.count('name="rows"') == 7
    assert page.count('name="attached"') == 4
    assert _queries(client, change_url(world.request)) == few
