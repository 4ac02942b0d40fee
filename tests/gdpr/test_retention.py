"""What an erasure kept goes when its date has passed: once, whoever runs the job.

The vouchers are billing's job, the memberships an erasure left empty organizations', the
consents kept as proof gdpr's: ``retention_purge`` runs the three, in their order."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from billing import services as billing
from billing.models import Invoice, InvoiceLine, Payment, Reminder
from billing.retention import VOUCHERS_JOB, purge_vouchers_past_retention
from gdpr.erasure.services import erasure_execute
from gdpr.models import (
    AuditEntry,
    Consent,
    DataSubjectRequest,
    RequestChannel,
    RequestEvent,
    RequestKind,
    RequestStatus,
    RetentionRun,
)
from gdpr.requests.services import request_file
from gdpr.retention.jobs import _lock_key, registered_jobs, run_job, run_jobs
from gdpr.retention.purges import CONSENTS_JOB, REQUESTS_JOB
from organizations.models import Membership
from organizations.retention import ERASED_MEMBERSHIPS_JOB
from tests.billing.factories import bank_account, invoice_for
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin

ON_POSTGRES = connection.vendor == "postgresql"
# Vouchers issued in 2026 of a calendar-year organization are kept until 31.12.2032.
RETAINED_UNTIL = datetime.date(2032, 12, 31)


def retention_purge(*, now: datetime.datetime) -> dict[str, int]:
    """The purges of what an erasure kept, once each (logged like the scheduled runs)."""
    return run_jobs([VOUCHERS_JOB, ERASED_MEMBERSHIPS_JOB, CONSENTS_JOB], now=now)


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(3, 0)))


AFTER = at(RETAINED_UNTIL + datetime.timedelta(days=1))
ON_THE_DAY = at(RETAINED_UNTIL)


def erased_member_with_vouchers() -> dict:
    """A member with an invoice (paid in part, reminded), a credited invoice with its credit
    note and a consent — then erased. Returns the ids of what was kept."""
    user = UserFactory()
    admin = UserFactory()
    organization = organization_with_admin(admin, name="Säilytyskerho ry")
    bank_account(organization)
    membership = add_member(organization, user)
    invoice = invoice_for(membership, send=True, actor=admin)
    billing.payment_record(
        organization=organization,
        amount=Decimal("10.00"),
        paid_on=datetime.date(2026, 3, 10),
        invoice=invoice,
        actor=admin,
    )
    billing.reminder_record(
        invoice=invoice, sent_on=datetime.date(2026, 3, 20), fee=Decimal("5"), actor=admin
    )
    credited = invoice_for(membership, send=True, actor=admin)
    credit_note = billing.invoice_credit(invoice=credited, actor=admin)
    Consent.objects.create(
        user=user, purpose="newsletter", text_version="1", text_shown="Kyllä", language="fi"
    )
    request = request_file(subject=user, kind=RequestKind.ERASURE, actor=user)
    DataSubjectRequest.objects.filter(pk=request.pk).update(status=RequestStatus.IN_PROGRESS)
    erasure_execute(request, actor=StaffFactory())
    return {
        "membership": membership.pk,
        "invoices": {invoice.pk, credited.pk, credit_note.pk},
        "organization": organization,
        "admin": admin,
    }


def kept_counts(kept: dict) -> dict[str, int]:
    invoices = Invoice.objects.filter(pk__in=kept["invoices"])
    return {
        "invoices": invoices.count(),
        "lines": InvoiceLine.objects.filter(invoice__in=kept["invoices"]).count(),
        "payments": Payment.objects.filter(invoice__in=kept["invoices"]).count(),
        "reminders": Reminder.objects.filter(invoice__in=kept["invoices"]).count(),
        "consents": Consent.objects.filter(user__isnull=True).count(),
        "membership": Membership.objects.filter(pk=kept["membership"]).count(),
    }


EVERYTHING_KEPT = {
    "invoices": 3,
    "lines": 3,
    "payments": 1,
    "reminders": 1,
    "consents": 1,
    "membership": 1,
}
NOTHING_LEFT = dict.fromkeys(EVERYTHING_KEPT, 0)
PURGED = {
    "billing.Invoice": 3,
    "billing.InvoiceLine": 3,
    "billing.Payment": 1,
    "billing.Reminder": 1,
    "organizations.Membership": 1,
    "gdpr.Consent": 1,
}


@pytest.mark.django_db
def test_the_jobs_are_registered_for_the_daily_run():
    names = {job.name for job in registered_jobs()}
    assert {VOUCHERS_JOB, ERASED_MEMBERSHIPS_JOB, CONSENTS_JOB} <= names


@pytest.mark.django_db
def test_nothing_goes_before_its_date():
    kept = erased_member_with_vouchers()
    assert kept_counts(kept) == EVERYTHING_KEPT
    assert retention_purge(now=timezone.now()) == {}
    assert kept_counts(kept) == EVERYTHING_KEPT
    # The consent's proof period (three years) ends first; the vouchers stay to their day.
    assert retention_purge(now=ON_THE_DAY) == {"gdpr.Consent": 1}
    assert kept_counts(kept) == {**EVERYTHING_KEPT, "consents": 0}


@pytest.mark.django_db
def test_everything_goes_after_its_date_and_a_second_run_finds_nothing():
    kept = erased_member_with_vouchers()
    assert retention_purge(now=AFTER) == PURGED
    assert kept_counts(kept) == NOTHING_LEFT
    assert retention_purge(now=AFTER) == {}
    # In the order of the daily run: the membership once its vouchers are gone.
    jobs = [CONSENTS_JOB, VOUCHERS_JOB, ERASED_MEMBERSHIPS_JOB]
    runs = list(RetentionRun.objects.filter(job__in=jobs).order_by("pk"))
    assert [run.job for run in runs] == jobs * 2
    assert [run.status for run in runs] == [RetentionRun.Status.DONE] * 6
    assert [run.counts for run in runs[:3]] == [
        {"gdpr.Consent": 1},
        {label: n for label, n in PURGED.items() if label.startswith("billing.")},
        {"organizations.Membership": 1},
    ]


@pytest.mark.django_db
def test_the_trail_keeps_no_values_of_purged_vouchers():
    kept = erased_member_with_vouchers()
    retention_purge(now=AFTER)
    left = AuditEntry.objects.filter(
        model="billing.invoice", object_id__in=[str(pk) for pk in kept["invoices"]]
    )
    assert left.exists()
    assert all(entry.changes == {} for entry in left)


@pytest.mark.django_db
def test_an_open_claim_of_a_person_not_erased_stays_past_its_date():
    user = UserFactory()
    organization = organization_with_admin(name="Elävien kerho ry")
    bank_account(organization)
    membership = add_member(organization, user)
    invoice = invoice_for(membership, send=True)
    assert retention_purge(now=AFTER) == {}
    assert Invoice.objects.filter(pk=invoice.pk).exists()


@pytest.mark.django_db
def test_settled_vouchers_of_anyone_go_after_their_date_and_then_the_ended_membership():
    admin = UserFactory()
    organization = organization_with_admin(admin, name="Kirjanpitokerho ry")
    bank_account(organization)
    membership = add_member(organization, UserFactory())
    paid = invoice_for(membership, send=True, actor=admin)
    billing.payment_record(
        organization=organization,
        amount=paid.total,
        paid_on=datetime.date(2026, 3, 10),
        invoice=paid,
        actor=admin,
    )
    unmatched = billing.payment_record(
        organization=organization,
        amount=Decimal("12.00"),
        paid_on=datetime.date(2026, 4, 1),
        reference="RF18539007547034",
        actor=admin,
    )
    paid.refresh_from_db()
    assert paid.status == Invoice.Status.PAID
    Membership.objects.filter(pk=membership.pk).update(
        status=Membership.Status.ENDED, ended_on=datetime.date(2026, 6, 30)
    )

    assert retention_purge(now=ON_THE_DAY) == {}
    assert Invoice.objects.filter(pk=paid.pk).exists()

    assert retention_purge(now=AFTER) == {
        "billing.Invoice": 1,
        "billing.InvoiceLine": 1,
        "billing.Payment": 2,
    }
    assert not Payment.objects.filter(pk=unmatched.pk).exists()
    # Nothing points at the ended membership any more: its own job takes it.
    assert run_job("organizations.ended_memberships", now=AFTER).counts == {
        "organizations.Membership": 1
    }
    assert retention_purge(now=AFTER) == {}


@pytest.mark.django_db
def test_a_voucher_waits_for_its_payment_and_credit_note_to_be_due():
    kept = erased_member_with_vouchers()
    Payment.objects.filter(invoice__in=kept["invoices"]).update(
        retain_until=datetime.date(2033, 12, 31)
    )
    counts = retention_purge(now=AFTER)
    # The credited invoice and its credit note go; the paid one waits for its payment.
    assert counts["billing.Invoice"] == 2
    assert Invoice.objects.filter(pk__in=kept["invoices"]).count() == 1
    assert Membership.objects.filter(pk=kept["membership"]).exists()
    counts = retention_purge(now=at(datetime.date(2034, 1, 1)))
    assert counts["billing.Invoice"] == 1
    assert counts["organizations.Membership"] == 1


# --- Two workers at once (PostgreSQL: real locks) ------------------------------------------

needs_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="row and advisory locks")


def _in_thread(target, *args) -> threading.Thread:
    def run() -> None:
        try:
            target(*args)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_do_the_work_once():
    kept = erased_member_with_vouchers()
    start = threading.Barrier(2)
    runs: list[RetentionRun] = []
    errors: list[BaseException] = []

    def worker() -> None:
        start.wait()
        try:
            runs.append(run_job(VOUCHERS_JOB, now=AFTER))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [_in_thread(worker) for _ in range(2)]
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(runs) == 2
    total: dict[str, int] = {}
    for run in runs:
        for label, n in run.counts.items():
            total[label] = total.get(label, 0) + n
    assert total == {k: v for k, v in PURGED.items() if k.startswith("billing.")}
    assert kept_counts(kept)["invoices"] == 0
    # The membership the vouchers kept is free to go with organizations' job.
    assert run_job(ERASED_MEMBERSHIPS_JOB, now=AFTER).counts == {"organizations.Membership": 1}


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_run_while_another_holds_the_job_is_skipped():
    kept = erased_member_with_vouchers()
    holding, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(VOUCHERS_JOB)])
            holding.set()
            release.wait(timeout=30)

    thread = _in_thread(other_worker)
    assert holding.wait(timeout=30)
    try:
        run = run_job(VOUCHERS_JOB, now=AFTER)
    finally:
        release.set()
        thread.join(timeout=30)
    assert run.status == RetentionRun.Status.SKIPPED
    assert kept_counts(kept)["invoices"] == 3


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_rows_another_run_holds_are_skipped_not_waited_for():
    kept = erased_member_with_vouchers()
    holding, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        with transaction.atomic():
            list(Invoice.objects.select_for_update().filter(pk__in=kept["invoices"]))
            holding.set()
            release.wait(timeout=30)

    thread = _in_thread(other_worker)
    assert holding.wait(timeout=30)
    try:
        with transaction.atomic():
            counts = purge_vouchers_past_retention(AFTER)
    finally:
        release.set()
        thread.join(timeout=30)
    assert "billing.Invoice" not in counts
    assert kept_counts(kept)["invoices"] == 3


# --- Invitations nobody accepted --------------------------------------------------------


@pytest.mark.django_db
def test_an_invitation_nobody_accepted_goes_after_its_period_with_its_mail():
    from communications.models import CommunicationRecord
    from communications.services import communication_log_email
    from organizations import services as organizations

    admin = UserFactory()
    organization = organization_with_admin(admin, name="Kutsukerho ry")
    pending = organizations.invitation_create(
        organization=organization, email="ei.vastannut@example.fi", name="Eino", actor=admin
    )
    fresh = organizations.invitation_create(
        organization=organization, email="uusi@example.fi", actor=admin
    )
    for invited in (pending, fresh):
        communication_log_email(
            organization=organization,
            subject=None,
            counterpart=invited.invitation.membership.email,
            subject_line="Kutsu",
            related=invited.invitation,
        )
    expired = timezone.now() - datetime.timedelta(days=31)
    pending.invitation.__class__.objects.filter(pk=pending.invitation.pk).update(expires_at=expired)
    job = "organizations.unaccepted_invitations"
    # 30 days after the link expired: still there for the admin to see and invite again.
    assert run_job(job, now=expired + datetime.timedelta(days=29)).counts == {}
    assert run_job(job).counts == {
        "organizations.Membership": 1,
        "organizations.Invitation": 1,
        "communications.CommunicationRecord": 1,
    }
    assert not Membership.objects.filter(email="ei.vastannut@example.fi").exists()
    assert Membership.objects.filter(email="uusi@example.fi").exists()
    assert list(CommunicationRecord.objects.values_list("counterpart", flat=True)) == [
        "uusi@example.fi"
    ]
    assert run_job(job).counts == {}


# --- Requests of people without an account ----------------------------------------------


@pytest.mark.django_db
def test_a_closed_request_without_an_account_keeps_only_the_facts_after_its_period(
    settings, monkeypatch, tmp_path, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile

    from tests.gdpr.distinctive import use_private_storage

    use_private_storage(monkeypatch, tmp_path)
    staff = StaffFactory()
    request = request_file(
        subject=None,
        kind=RequestKind.ACCESS,
        actor=staff,
        channel=RequestChannel.LETTER,
        subject_name="Kirjeen Kirjoittaja",
        subject_email="kirje@example.fi",
        details="Mitä tietoja minusta on?",
        letter=ContentFile(b"allekirjoitettu kirje", name="kirje.txt"),
    )
    letter = request.letter.name
    from communications.models import CommunicationRecord
    from communications.services import communication_log_email

    communication_log_email(
        organization=None,
        subject=None,
        counterpart="kirje@example.fi",
        subject_line="Pyyntösi on vastaanotettu",
        related=request,
    )
    closed = timezone.now() - datetime.timedelta(days=10)
    DataSubjectRequest.objects.filter(pk=request.pk).update(
        status=RequestStatus.REFUSED, closed_at=closed, refusal_reason="Kirjoittaja ei vastannut."
    )
    RequestEvent.objects.create(request=request, action="note", note="Soitettu Kirjoittajalle")
    open_one = request_file(
        subject=None, kind=RequestKind.ERASURE, actor=staff, subject_name="Avoin Pyyntö"
    )
    settings.PRIVACY_REQUEST_RETENTION_YEARS = 3
    three_years_on = closed.replace(year=closed.year + 3)
    assert run_job(REQUESTS_JOB, now=three_years_on - datetime.timedelta(days=1)).counts == {}
    with django_capture_on_commit_callbacks(execute=True):
        run = run_job(REQUESTS_JOB, now=three_years_on + datetime.timedelta(days=1))
    assert run.counts == {"gdpr.DataSubjectRequest": 1}
    request.refresh_from_db()
    assert (request.kind, request.status, request.closed_at) == (
        RequestKind.ACCESS,
        RequestStatus.REFUSED,
        closed,
    )
    assert request.subject_name == request.subject_email == request.details == ""
    assert request.refusal_reason == "" and not request.letter
    assert not request.letter.storage.exists(letter)
    assert not request.events.exclude(note="").exists()
    assert not CommunicationRecord.objects.filter(counterpart="kirje@example.fi").exists()
    trail = AuditEntry.objects.filter(model="gdpr.datasubjectrequest", object_id=str(request.pk))
    assert trail.exists()
    assert "Kirjoittaja" not in str(list(trail.values_list("changes", flat=True)))
    open_one.refresh_from_db()
    assert open_one.subject_name == "Avoin Pyyntö"
    later = three_years_on + datetime.timedelta(days=2)
    assert run_job(REQUESTS_JOB, now=later).counts == {}
