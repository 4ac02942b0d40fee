from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from accounts.models import User
from billing import finvoice
from gdpr.exports import archive as export_archive
from registry.celery import app as celery_app

from .billing.finvoice_schema import finvoice_errors
from .export_schema_check import validate_archive
from .factories import DEFAULT_PASSWORD, StaffFactory, UserFactory


def pytest_configure(config) -> None:
    # Real hashing costs ~0.3 s a password; the tests are about behaviour, not key stretching.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate limits count in the cache; they stay on, and each test starts from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language (Finnish), whatever language the
    previous test's requests activated: Django keeps the last request's language active."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Run Celery tasks in-process, except in tests that bring up a real worker."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _exports_follow_their_schema(monkeypatch):
    """Every export a test builds is checked against the schema.json inside it; the test
    fails on the first row with a stray field or a value of the wrong type."""
    write_archive = export_archive.write_archive
    broken: list[str] = []

    def write_and_check(out, **kwargs) -> None:
        start = out.tell()
        write_archive(out, **kwargs)
        end = out.tell()
        out.seek(start)
        broken.extend(validate_archive(out))
        out.seek(end)

    monkeypatch.setattr(export_archive, "write_archive", write_and_check)
    yield
    assert not broken, "an export does not follow its schema:\n" + "\n".join(broken[:20])


@pytest.fixture(autouse=True)
def _finvoices_follow_their_schema(monkeypatch):
    """Every Finvoice message a test builds (a page's download included) is validated
    against the official Finvoice 3.0 schema; the test fails on the first invalid one."""
    broken: list[str] = []

    def checked(build):
        def build_and_check(**kwargs) -> bytes:
            message = build(**kwargs)
            broken.extend(finvoice_errors(message))
            return message

        return build_and_check

    for name in ("finvoice_invoice", "finvoice_reminder"):
        monkeypatch.setattr(finvoice, name, checked(getattr(finvoice, name)))
    yield
    assert not broken, "a Finvoice message does not follow the schema:\n" + "\n".join(broken)


@pytest.fixture
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def member(db) -> User:
    return UserFactory(email="aino.member@example.fi", first_name="Aino", last_name="Virtanen")


@pytest.fixture
def other_member(db) -> User:
    return UserFactory(email="olli.other@example.fi", first_name="Olli", last_name="Toinen")


@pytest.fixture
def staff(db) -> User:
    return StaffFactory(email="laura.staff@example.fi", first_name="Laura", last_name="Staff")


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client
