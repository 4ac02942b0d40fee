"""Retention jobs in the admin: the list of the registered jobs with their last runs, and
"run now" (one job, or every due job) through the runner's own lock and log, for staff
with the permission only."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import LoginEvent, User
from gdpr.models import RetentionRun
from gdpr.retention.jobs import _lock_key, registered_jobs
from gdpr.retention.services import retention_run_start, retention_runs_carry_out
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

JOBS_URL = "admin:gdpr_retentionrun_jobs"
RUN_URL = "admin:gdpr_retentionrun_run_now"
LOGIN_EVENTS = "accounts.login_events"


@pytest.fixture
def controller(db) -> User:
    return StaffFactory(email="laura.controller@example.fi", preferred_language="en")


@pytest.fixture
def controller_client(client, controller):
    client.force_login(controller)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _old_login_event(member: User) -> LoginEvent:
    return LoginEvent.objects.create(
        user=member,
        outcome="success",
        occurred_at=timezone.now() - datetime.timedelta(days=3650),
    )


def test_it_runs_one_job_now_logging_who_started_it(
    controller_client, controller, member, django_capture_on_commit_callbacks
):
    old = _old_login_event(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = controller_client.post(reverse(RUN_URL), {"job": LOGIN_EVENTS})
    assert response.status_code == 302
    assert response["Location"] == reverse(JOBS_URL)
    run = RetentionRun.objects.get(job=LOGIN_EVENTS)
    assert run.started_by == controller
    assert run.status == RetentionRun.Status.DONE
    assert run.counts == {"accounts.LoginEvent": 1}
    assert not LoginEvent.objects.filter(pk=old.pk).exists()
    assert LogEntry.objects.filter(
        user=controller, object_id=str(run.pk), action_flag=ADDITION
    ).exists()
    assert any("Started" in message for message in messages_of(response))


def test_it_runs_the_due_jobs_and_leaves_those_run_today(
    controller_client, django_capture_on_commit_callbacks
):
    RetentionRun.objects.create(
        job=LOGIN_EVENTS, status=RetentionRun.Status.DONE, finished_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        controller_client.post(reverse(RUN_URL), {"due": "on"})
    started = set(
        RetentionRun.objects.filter(started_by__isnull=False).values_list("job", flat=True)
    )
    assert started == {job.name for job in registered_jobs()} - {LOGIN_EVENTS}
    # One task, queued once the request has committed.
    assert len(callbacks) == 1


def test_a_run_asked_for_is_carried_out_once(controller, member):
    _old_login_event(member)
    run = retention_run_start(names=[LOGIN_EVENTS], started_by=controller).queued[0]
    assert run.status == RetentionRun.Status.RUNNING
    assert [done.pk for done in retention_runs_carry_out([run.pk])] == [run.pk]
    # A second delivery of the task leaves the run as it was.
    assert retention_runs_carry_out([run.pk]) == []
    run.refresh_from_db()
    assert run.status == RetentionRun.Status.DONE
    assert run.counts == {"accounts.LoginEvent": 1}


def test_it_refuses_staff_without_the_permission(client, django_capture_on_commit_callbacks):
    clerk = StaffFactory(is_superuser=False, preferred_language="en")
    clerk.user_permissions.add(Permission.objects.get(codename="view_retentionrun"))
    client.force_login(clerk)
    page = client.get(reverse(JOBS_URL))
    assert page.status_code == 200
    assert reverse(RUN_URL) not in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(RUN_URL), {"job": LOGIN_EVENTS})
    assert response.status_code == 403
    assert not RetentionRun.objects.exists()


def test_staff_with_the_permission_may_run_a_job(client, django_capture_on_commit_callbacks):
    operator = StaffFactory(is_superuser=False, preferred_language="en")
    operator.user_permissions.add(
        Permission.objects.get(codename="view_retentionrun"),
        Permission.objects.get(codename="run_retention_jobs"),
    )
    client.force_login(operator)
    assert reverse(RUN_URL) in client.get(reverse(JOBS_URL)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse(RUN_URL), {"job": LOGIN_EVENTS})
    assert RetentionRun.objects.get(job=LOGIN_EVENTS).started_by == operator


def test_it_runs_only_on_post(controller_client):
    assert controller_client.get(reverse(RUN_URL), {"job": LOGIN_EVENTS}).status_code == 405
    assert not RetentionRun.objects.exists()


def test_it_refuses_an_unknown_job_without_an_error(controller_client):
    for data in ({"job": "no.such_job"}, {}):
        response = controller_client.post(reverse(RUN_URL), data)
        assert response.status_code == 302
        assert messages_of(response)
    assert not RetentionRun.objects.exists()


def test_it_needs_the_csrf_token(controller):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(controller)
    assert client.post(reverse(RUN_URL), {"job": LOGIN_EVENTS}).status_code == 403
    assert not RetentionRun.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks")
@pytest.mark.django_db(transaction=True)
def test_a_job_already_running_is_not_started_again(client):
    controller = StaffFactory(preferred_language="en")
    client.force_login(controller)
    holding, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(LOGIN_EVENTS)])
                holding.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert holding.wait(timeout=30)
    try:
        response = client.post(reverse(RUN_URL), {"job": LOGIN_EVENTS})
    finally:
        release.set()
        thread.join(timeout=30)
    assert not RetentionRun.objects.filter(job=LOGIN_EVENTS).exists()
    assert any("Already running" in message for message in messages_of(response))
    # Once the other run has let go, the job starts.
    client.post(reverse(RUN_URL), {"job": LOGIN_EVENTS})
    assert RetentionRun.objects.get(job=LOGIN_EVENTS).started_by == controller


def _jobs_page_queries(client, django_assert_max_num_queries, budget: int) -> str:
    with django_assert_max_num_queries(budget):
        response = client.get(reverse(JOBS_URL))
    assert response.status_code == 200
    return response.content.decode()


def test_the_jobs_list_shows_each_jobs_last_run_for_a_fixed_number_of_queries(
    controller_client, controller, django_assert_max_num_queries
):
    jobs = [job.name for job in registered_jobs()]
    RetentionRun.objects.create(
        job=jobs[0], status=RetentionRun.Status.DONE, counts={"accounts.LoginEvent": 4}
    )
    page = _jobs_page_queries(controller_client, django_assert_max_num_queries, 12)
    assert "Never run" in page

    now = timezone.now()
    for index, name in enumerate(jobs):
        RetentionRun.objects.create(
            job=name,
            status=RetentionRun.Status.DONE,
            started_at=now - datetime.timedelta(days=2),
            finished_at=now - datetime.timedelta(days=2),
        )
        RetentionRun.objects.create(
            job=name,
            status=RetentionRun.Status.FAILED if index == 0 else RetentionRun.Status.DONE,
            started_at=now,
            finished_at=now,
            error="OperationalError: the disk is full" if index == 0 else "",
            counts={} if index == 0 else {"accounts.LoginEvent": index},
            started_by=controller,
        )
    page = _jobs_page_queries(controller_client, django_assert_max_num_queries, 12)
    assert "Never run" not in page
    assert "OperationalError: the disk is full" in page
    assert "Failed" in page
    assert "login events" in page.lower() or "Login event" in page
    assert "started by" in page
