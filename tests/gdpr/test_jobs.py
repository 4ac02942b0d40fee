"""Scheduled retention jobs: what is past its date goes, the rest stays, every run is
logged, a second run does nothing and two runs at once do the work once."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.utils import timezone

from accounts.models import LoginEvent, User
from billing.models import Contract
from gdpr.models import RetentionRun
from gdpr.retention.jobs import RetentionJob, register_job, registered_jobs, run_all_jobs, run_job
from gdpr.tasks import run_retention_jobs
from organizations.models import MemberDataView, MemberListExport, Membership
from tests.billing.factories import contract_for, invoice_for
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 3, 1, 3, 0, tzinfo=datetime.UTC)


def test_every_app_registers_its_jobs():
    names = {job.name for job in registered_jobs()}
    assert {
        "accounts.login_events",
        "accounts.unconfirmed_signups",
        "organizations.ended_memberships",
        "organizations.erased_memberships",
        "organizations.unaccepted_invitations",
        "billing.contracts_of_ended_memberships",
        "gdpr.vouchers_past_retention",
        "gdpr.consent_proofs",
        "gdpr.expired_exports",
        "gdpr.unlinked_requests",
    } <= names


def test_login_history_past_its_period_goes_and_each_run_is_logged(member, settings):
    settings.LOGIN_EVENT_RETENTION_DAYS = 90
    old = LoginEvent.objects.create(
        user=member, outcome="success", occurred_at=NOW - datetime.timedelta(days=91)
    )
    recent = LoginEvent.objects.create(
        user=member, outcome="success", occurred_at=NOW - datetime.timedelta(days=89)
    )
    run = run_job("accounts.login_events", now=NOW)
    assert run.status == RetentionRun.Status.DONE
    assert run.counts == {"accounts.LoginEvent": 1}
    assert run.finished_at is not None
    assert not LoginEvent.objects.filter(pk=old.pk).exists()
    assert LoginEvent.objects.filter(pk=recent.pk).exists()

    again = run_job("accounts.login_events", now=NOW)
    assert again.counts == {}
    assert RetentionRun.objects.filter(job="accounts.login_events").count() == 2


def test_signups_never_confirmed_go_after_the_period(settings):
    settings.UNCONFIRMED_SIGNUP_RETENTION_DAYS = 30
    stale = User.objects.create_user("stale@example.fi", "x-pass-1234")
    User.objects.filter(pk=stale.pk).update(date_joined=NOW - datetime.timedelta(days=31))
    fresh = User.objects.create_user("fresh@example.fi", "x-pass-1234")
    User.objects.filter(pk=fresh.pk).update(date_joined=NOW - datetime.timedelta(days=29))
    confirmed = UserFactory()
    User.objects.filter(pk=confirmed.pk).update(date_joined=NOW - datetime.timedelta(days=400))
    staff = User.objects.create_user("staff@example.fi", "x-pass-1234", is_staff=True)
    User.objects.filter(pk=staff.pk).update(date_joined=NOW - datetime.timedelta(days=400))
    EmailAddress.objects.create(user=stale, email=stale.email, verified=False, primary=True)

    run = run_job("accounts.unconfirmed_signups", now=NOW)

    assert run.counts == {"accounts.User": 1}
    assert not User.objects.filter(pk=stale.pk).exists()
    assert not EmailAddress.objects.filter(email="stale@example.fi").exists()
    assert User.objects.filter(pk__in=[fresh.pk, confirmed.pk, staff.pk]).count() == 3
    assert run_job("accounts.unconfirmed_signups", now=NOW).counts == {}


def test_an_unconfirmed_signup_something_protects_does_not_stop_the_others(settings, monkeypatch):
    from django.db.models import ProtectedError

    settings.UNCONFIRMED_SIGNUP_RETENTION_DAYS = 30
    kept = User.objects.create_user("kept@example.fi", "x-pass-1234")
    gone = User.objects.create_user("gone@example.fi", "x-pass-1234")
    User.objects.filter(pk__in=[kept.pk, gone.pk]).update(
        date_joined=NOW - datetime.timedelta(days=31)
    )
    delete = User.delete

    def protected(self, *args, **kwargs):
        if self.pk == kept.pk:
            raise ProtectedError("an invoice points at it", set())
        return delete(self, *args, **kwargs)

    monkeypatch.setattr(User, "delete", protected)
    run = run_job("accounts.unconfirmed_signups", now=NOW)
    assert run.status == RetentionRun.Status.DONE
    assert run.counts == {"accounts.User": 1}
    assert list(User.objects.filter(email__in=["kept@example.fi", "gone@example.fi"])) == [kept]


def test_a_run_left_running_by_a_stopped_worker_is_closed_and_failures_are_flagged():
    from django.utils import timezone

    from gdpr.retention.jobs import failing_jobs

    dead = RetentionRun.objects.create(
        job="accounts.login_events", started_at=timezone.now() - datetime.timedelta(hours=7)
    )
    running = RetentionRun.objects.create(
        job="accounts.login_events", started_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert run_job("accounts.login_events", now=NOW).status == RetentionRun.Status.DONE
    dead.refresh_from_db()
    assert dead.status == RetentionRun.Status.FAILED
    assert dead.error
    running.refresh_from_db()  # recent enough to be alive somewhere: left alone
    assert running.status == RetentionRun.Status.RUNNING
    # The failure is history: the latest run succeeded.
    assert failing_jobs() == []

    def broken(now):
        raise RuntimeError("disk full")

    register_job(RetentionJob(name="aaa.broken", label="Broken", run=broken))
    try:
        run_job("aaa.broken", now=NOW, raise_errors=False)
        assert failing_jobs() == ["aaa.broken"]
    finally:
        from gdpr.retention import jobs

        jobs._jobs.pop("aaa.broken")


@pytest.fixture
def club():
    return organization_with_admin(name="Retention Club ry")


def end(membership: Membership, *, days_ago: int) -> Membership:
    membership.status = Membership.Status.ENDED
    membership.ended_on = NOW.date() - datetime.timedelta(days=days_ago)
    membership.save(update_fields=["status", "ended_on"])
    return membership


def ended(club, *, days_ago: int) -> Membership:
    return end(add_member(club), days_ago=days_ago)


def test_ended_memberships_go_after_the_settling_period_unless_invoices_need_them(club, settings):
    settings.ENDED_MEMBERSHIP_RETENTION_DAYS = 365
    gone = ended(club, days_ago=366)
    MemberDataView.objects.create(organization=club, subject=gone.user, channel="detail")
    stays = add_member(club)
    export = MemberListExport.objects.create(
        organization=club, member_ids=[gone.user_id, stays.user_id]
    )
    alone = MemberListExport.objects.create(organization=club, member_ids=[gone.user_id])
    with_invoice = ended(club, days_ago=400)
    invoice_for(with_invoice)
    with_contract = add_member(club)
    contract = contract_for(with_contract)
    end(with_contract, days_ago=400)
    Contract.objects.filter(pk=contract.pk).update(
        terminated_on=NOW.date() - datetime.timedelta(days=400)
    )
    recent = ended(club, days_ago=364)
    active = add_member(club)

    runs = run_all_jobs(now=NOW)

    assert all(run.status == RetentionRun.Status.DONE for run in runs)
    assert not Membership.objects.filter(pk=gone.pk).exists()
    assert not MemberDataView.objects.filter(subject=gone.user).exists()
    # Out of the logged exports too: an export naming nobody else goes.
    export.refresh_from_db()
    assert export.member_ids == [stays.user_id]
    assert not MemberListExport.objects.filter(pk=alone.pk).exists()
    assert Membership.objects.filter(pk=with_invoice.pk).exists()
    assert not Contract.objects.filter(pk=contract.pk).exists()
    assert not Membership.objects.filter(pk=with_contract.pk).exists()
    assert Membership.objects.filter(pk__in=[recent.pk, active.pk]).count() == 2

    second = run_all_jobs(now=NOW)
    assert all(run.counts == {} for run in second)


def test_a_failing_job_is_logged_and_the_others_still_run(monkeypatch):
    def broken(now):
        raise RuntimeError("disk full")

    register_job(RetentionJob(name="aaa.broken", label="Broken", run=broken))
    try:
        runs = run_all_jobs(now=NOW)
    finally:
        from gdpr.retention import jobs

        jobs._jobs.pop("aaa.broken")
    failed = [run for run in runs if run.job == "aaa.broken"]
    assert failed[0].status == RetentionRun.Status.FAILED
    assert "disk full" in failed[0].error
    assert len(runs) > 1
    assert all(run.status == RetentionRun.Status.DONE for run in runs if run.job != "aaa.broken")


def test_the_scheduled_task_runs_every_job():
    result = run_retention_jobs.apply().get()
    assert set(result) == {job.name for job in registered_jobs()}
    assert RetentionRun.objects.count() == len(registered_jobs())


def test_the_scheduled_task_delivered_twice_does_each_job_once(settings):
    """Two workers given the same daily run one after the other: the second skips every
    job the first finished within RETENTION_RERUN_AFTER_MINUTES."""
    settings.RETENTION_RERUN_AFTER_MINUTES = 60
    run_retention_jobs.apply().get()
    run_retention_jobs.apply().get()
    names = {job.name for job in registered_jobs()}
    for name in names:
        statuses = sorted(RetentionRun.objects.filter(job=name).values_list("status", flat=True))
        assert statuses == [RetentionRun.Status.DONE, RetentionRun.Status.SKIPPED], name
    # Once the interval has passed, the next daily run does the work again.
    RetentionRun.objects.update(finished_at=timezone.now() - datetime.timedelta(minutes=61))
    run_retention_jobs.apply().get()
    assert RetentionRun.objects.filter(status=RetentionRun.Status.DONE).count() == 2 * len(names)


def test_a_run_by_hand_is_not_held_back_by_a_recent_one():
    run_job("gdpr.expired_exports", now=NOW)
    assert run_job("gdpr.expired_exports", now=NOW).status == RetentionRun.Status.DONE


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_do_the_work_once():
    calls = []
    started = threading.Event()

    def slow(now):
        calls.append(now)
        started.set()
        time.sleep(1.5)
        return {"test.Thing": 1}

    register_job(RetentionJob(name="test.slow", label="Slow", run=slow))
    results = []

    def worker():
        from django.db import connection as thread_connection

        try:
            results.append(run_job("test.slow", now=NOW))
        finally:
            thread_connection.close()

    try:
        first = threading.Thread(target=worker)
        first.start()
        assert started.wait(5)
        second = threading.Thread(target=worker)
        second.start()
        first.join()
        second.join()
    finally:
        from gdpr.retention import jobs

        jobs._jobs.pop("test.slow")
    assert len(calls) == 1
    statuses = sorted(run.status for run in results)
    assert statuses == [RetentionRun.Status.DONE, RetentionRun.Status.SKIPPED]
