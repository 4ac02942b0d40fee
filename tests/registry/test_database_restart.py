"""PostgreSQL restarted between two requests: the next request gets a live connection
(the pool checks each one before handing it out), with no restart of the web process."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pool"),
]


def terminate_every_other_session() -> int:
    """What a restart does to the web's connections: the server closes them all."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


def wait_for_an_idle_connection() -> None:
    """The pool takes a returned connection back in the background."""
    deadline = time.monotonic() + 10
    while connection.pool.get_stats().get("pool_available", 0) < 1:
        assert time.monotonic() < deadline, connection.pool.get_stats()
        time.sleep(0.05)


def test_the_pool_checks_connections_before_handing_them_out():
    pool = settings.DATABASES["default"]["OPTIONS"].get("pool")
    if not pool:
        pytest.skip("DATABASE_POOL=false")
    assert callable(pool["check"])


def test_a_request_after_the_database_restarted_succeeds(client):
    if not settings.DATABASES["default"]["OPTIONS"].get("pool"):
        pytest.skip("DATABASE_POOL=false")
    # A pool of its own: connections other tests' threads left checked out do not count.
    connection.close_pool()
    member = UserFactory(email="aino.member@example.fi")
    client.force_login(member)
    assert client.get(reverse("accounts:my_data")).status_code == 200
    connection.close()  # back to the pool, as at the end of every request
    wait_for_an_idle_connection()
    assert terminate_every_other_session() >= 1
    assert client.get(reverse("accounts:my_data")).status_code == 200
