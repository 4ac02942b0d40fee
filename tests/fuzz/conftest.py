"""Fuzz tests: Hypothesis settings profiles, shared personas, and the count of inputs.

Profiles (``HYPOTHESIS_PROFILE``):

- ``ci`` (the default): derandomized, so every CI run tries the same inputs and a failure
  is reproducible from the log alone; no example database is written. The tests' budgets
  add up to more than ``CI_MINIMUM_INPUTS`` inputs, which ``test_zz_total`` checks.
- ``nightly``: ten times the examples, random each run, failures replayed from the local
  example database the next time.
"""

from __future__ import annotations

import pytest
from django.core.files.storage import FileSystemStorage
from django.template.base import Template
from django.test import utils as test_utils
from django.utils import translation
from hypothesis import settings

from communications.models import CommunicationRecord
from organizations.models import Organization
from tests.billing.factories import bank_account
from tests.factories import UserFactory
from tests.organizations.factories import add_member, organization_with_admin

from .support import CI_MINIMUM_INPUTS, DESELECTED, INPUTS, PROFILE, whole_ci_run

settings.register_profile("ci", deadline=None, derandomize=True, database=None, print_blob=True)
settings.register_profile("nightly", deadline=None, print_blob=True)
settings.load_profile(PROFILE)

# Whether this run holds every fuzz test in the ci profile; whether workers reported.
WHOLE_RUN = [False]
PARALLEL = [False]


def pytest_deselected(items) -> None:
    DESELECTED.update(item.nodeid for item in items if "tests/fuzz/" in item.nodeid)


def pytest_collection_finish(session) -> None:
    WHOLE_RUN[0] = whole_ci_run(session.items)


# In parallel runs (pytest-xdist) each process counts the inputs of the fuzz tests it ran;
# the controlling process adds them up, through xdist's ``workeroutput``, and checks the
# total (``test_zz_total`` does in a single process).
def pytest_sessionfinish(session) -> None:
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["fuzz_inputs"] = dict(INPUTS)
        output["fuzz_whole_run"] = WHOLE_RUN[0]
    elif PARALLEL[0] and WHOLE_RUN[0] and sum(INPUTS.values()) < CI_MINIMUM_INPUTS:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    output = getattr(node, "workeroutput", {})
    PARALLEL[0] = True
    INPUTS.update(output.get("fuzz_inputs", {}))
    WHOLE_RUN[0] = WHOLE_RUN[0] or output.get("fuzz_whole_run", False)


def pytest_terminal_summary(terminalreporter) -> None:
    if not INPUTS:
        return
    terminalreporter.section(f"fuzz inputs generated (profile {PROFILE})")
    for name, count in sorted(INPUTS.items()):
        terminalreporter.write_line(f"{count:>7}  {name}")
    total = sum(INPUTS.values())
    terminalreporter.write_line(f"{total:>7}  total")
    if PARALLEL[0] and WHOLE_RUN[0] and total < CI_MINIMUM_INPUTS:
        terminalreporter.write_line(
            f"FAILED: {total} fuzz inputs in all, fewer than {CI_MINIMUM_INPUTS}", red=True
        )


@pytest.fixture(autouse=True)
def _uninstrumented_templates(monkeypatch):
    """Templates render as in production: the test client's copy of every context (one per
    widget of a 250-country select) would double the cost of each example; the tests read
    the HTML instead (``support.has_errors``)."""
    monkeypatch.setattr(Template, "_render", test_utils._TestState.saved_data.template_render)


@pytest.fixture(autouse=True)
def _english():
    # Error messages are matched in English nowhere, but one language keeps runs comparable.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _private_storage(monkeypatch, tmp_path):
    """Attachments of accepted examples go to a throwaway folder."""
    storage = FileSystemStorage(location=tmp_path / "private", base_url=None)
    field = CommunicationRecord._meta.get_field("attachment")
    monkeypatch.setattr(field, "storage", storage)
    return storage


@pytest.fixture(autouse=True)
def _notice_published(db):
    """The privacy notice's version is published the first time a page shows it: before the
    examples, so that no example's row count includes it."""
    from gdpr.notice.document import notice_publish

    notice_publish()


@pytest.fixture
def admin(db):
    return UserFactory(
        email="aila.admin@example.fi", first_name="Aila", last_name="Admin", preferred_language="en"
    )


@pytest.fixture
def organization(admin) -> Organization:
    organization = organization_with_admin(admin, name="Malmin Ilmailukerho ry")
    bank_account(organization, iban="FI2112345600000785")
    return organization


@pytest.fixture
def members(organization):
    """Three active members and an ended one."""
    made = [
        add_member(
            organization, UserFactory(first_name="Aino", last_name="Virtanen"), member_number="17"
        ),
        add_member(organization, UserFactory(first_name="Åsa", last_name="Öhman")),
        add_member(
            organization, UserFactory(first_name="Mikko", last_name="Korhonen"), member_number="3"
        ),
    ]
    add_member(organization, status="ended")
    return made


@pytest.fixture
def admin_client(client, admin, organization):
    client.force_login(admin)
    # The first request writes the session's bookkeeping, outside any example.
    client.get("/")
    return client


@pytest.fixture
def member_client(client, members):
    client.force_login(members[0].user)
    client.get("/")
    return client
