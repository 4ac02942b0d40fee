"""The order of the retention jobs: each after the jobs it names, the rest by name; a job
ordered against an unknown job, or a cycle, is an error at start-up."""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from billing.retention import CONTRACTS_JOB, VOUCHERS_JOB
from gdpr.models import RetentionRun
from gdpr.retention import jobs
from gdpr.retention.checks import check_retention_job_order
from gdpr.retention.jobs import (
    RetentionJob,
    RetentionOrderError,
    job_order_problems,
    register_job,
    registered_jobs,
    run_all_jobs,
    run_jobs,
)
from gdpr.retention.purges import CONSENTS_JOB, EXPORTS_JOB, REQUESTS_JOB
from organizations.retention import ENDED_MEMBERSHIPS_JOB, ERASED_MEMBERSHIPS_JOB

NOW = datetime.datetime(2027, 3, 1, 3, 0, tzinfo=datetime.UTC)


@pytest.fixture
def only_these(monkeypatch):
    """An empty registry for the test: what it registers is all there is."""
    monkeypatch.setattr(jobs, "_jobs", {})

    def register(name: str, *, after=(), before=(), calls: list[str] | None = None):
        def run(now):
            if calls is not None:
                calls.append(name)
            return {f"test.{name}": 1}

        register_job(RetentionJob(name=name, label=name, run=run, after=after, before=before))

    return register


def names() -> list[str]:
    return [job.name for job in registered_jobs()]


def test_jobs_with_no_order_run_by_name(only_these):
    for name in ("c", "a", "b"):
        only_these(name)
    assert names() == ["a", "b", "c"]
    assert job_order_problems() == []


def test_a_job_runs_after_the_jobs_it_names(only_these):
    only_these("a", after=("c",))
    only_these("b")
    only_these("c")
    assert names() == ["b", "c", "a"]


def test_a_job_runs_before_the_jobs_it_names(only_these):
    only_these("a")
    only_these("b")
    only_these("z", before=("a",))
    assert names() == ["b", "z", "a"]


def test_among_jobs_free_to_run_the_first_by_name_goes_first(only_these):
    # d waits for c and b; c waits for a. Free at each step: the first by name.
    only_these("d", after=("c", "b"))
    only_these("c", after=("a",))
    only_these("b")
    only_these("a")
    only_these("e")
    assert names() == ["a", "b", "c", "d", "e"]
    only_these("a", after=("e",))
    assert names() == ["b", "e", "a", "c", "d"]


def test_an_unknown_job_in_the_order_is_an_error(only_these):
    only_these("a", after=("organisations.ended",))
    only_these("b", before=("nobody",))
    problems = job_order_problems()
    assert len(problems) == 2
    assert "'organisations.ended'" in problems[0]
    assert "'nobody'" in problems[1]
    with pytest.raises(RetentionOrderError, match=r"organisations\.ended"):
        registered_jobs()


def test_a_cycle_is_an_error(only_these):
    # b before a, c before b, a before c.
    only_these("a", after=("b",), before=("c",))
    only_these("b", after=("c",))
    only_these("c")
    only_these("d")
    with pytest.raises(RetentionOrderError, match=r"cycle \(or waiting on one\): a, b, c\."):
        registered_jobs()
    with pytest.raises(RetentionOrderError):
        run_all_jobs(now=NOW)


def test_a_job_ordered_against_itself_is_an_error(only_these):
    only_these("a", after=("a",))
    assert job_order_problems() == ["Retention job 'a' is ordered against itself."]


def test_the_system_check_reports_what_is_wrong(only_these):
    only_these("a", after=("b",))
    only_these("b", after=("a",))
    only_these("c", after=("gone",))
    errors = check_retention_job_order()
    assert [error.id for error in errors] == ["gdpr.E001", "gdpr.E001"]
    assert all(error.level == checks.ERROR for error in errors)
    assert "'gone'" in errors[0].msg
    assert "cycle (or waiting on one): a, b." in errors[1].msg


def test_the_check_stops_the_start_up(only_these):
    assert check_retention_job_order in checks.registry.registry.get_checks()
    only_these("a", after=("b",))
    with pytest.raises(SystemCheckError, match=r"gdpr\.E001"):
        call_command("check")


@pytest.mark.django_db
def test_all_jobs_and_a_chosen_few_run_in_order(only_these):
    calls: list[str] = []
    only_these("a", after=("c",), calls=calls)
    only_these("b", calls=calls)
    only_these("c", calls=calls)
    runs = run_all_jobs(now=NOW)
    assert calls == ["b", "c", "a"]
    assert [run.job for run in runs] == calls
    calls.clear()
    assert run_jobs(["a", "c"], now=NOW) == {"test.a": 1, "test.c": 1}
    assert calls == ["c", "a"]
    assert RetentionRun.objects.filter(job__in=["a", "c"]).count() == 4
    with pytest.raises(KeyError, match="nope"):
        run_jobs(["a", "nope"], now=NOW)


# --- The project's jobs -----------------------------------------------------------------


def test_the_projects_jobs_hold_together_and_free_memberships_before_purging_them():
    assert check_retention_job_order() == []
    order = names()
    assert order.index(VOUCHERS_JOB) < order.index(ERASED_MEMBERSHIPS_JOB)
    assert order.index(ERASED_MEMBERSHIPS_JOB) < order.index(ENDED_MEMBERSHIPS_JOB)
    assert order.index(CONTRACTS_JOB) < order.index(ENDED_MEMBERSHIPS_JOB)


def test_every_apps_jobs_are_registered_at_start_up():
    """Not only once a test imported the module: a fresh process that only sets Django
    up (as a worker does) knows gdpr's own jobs too, and finds the order sound."""
    script = (
        "import django; django.setup();"
        "from django.core.management import call_command; call_command('check');"
        "from gdpr.retention.jobs import registered_jobs;"
        "print(' '.join(job.name for job in registered_jobs()))"
    )
    result = subprocess.run(  # noqa: S603  (our own interpreter, a fixed script)
        [sys.executable, "-c", script],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "registry.settings"},
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr
    registered = result.stdout.split()
    for name in (CONSENTS_JOB, EXPORTS_JOB, REQUESTS_JOB, VOUCHERS_JOB, ERASED_MEMBERSHIPS_JOB):
        assert name in registered


def test_gdpr_retention_names_no_model_of_another_app():
    """gdpr learns about the other apps' data only through the jobs they register."""
    folder = Path(jobs.__file__).parent
    other_app = re.compile(r"""["'](organizations|billing|communications)\.""")
    for module in folder.glob("*.py"):
        assert not other_app.search(module.read_text()), module.name
