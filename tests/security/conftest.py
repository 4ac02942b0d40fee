"""The URL walk's world, built once for the module: a few hundred URLs ask it questions."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.gdpr.distinctive import use_private_storage

from .world import World, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> World:
    # Each test runs in its own savepoint inside this transaction, and each request in
    # one more: nothing a request writes outlives it, and the world is built only once.
    monkeypatch = pytest.MonkeyPatch()
    use_private_storage(monkeypatch, tmp_path_factory.mktemp("private"))
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            monkeypatch.undo()


def pytest_terminal_summary(terminalreporter) -> None:
    from .walk import SUMMARY

    for line in SUMMARY.lines():
        terminalreporter.write_line(line)
