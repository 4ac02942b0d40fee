"""The load balancer's probes: liveness, and readiness naming the service that fails."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import override_settings
from django.urls import reverse

from registry import health

pytestmark = pytest.mark.django_db

LIVE = "/health/live"
READY = "/health/ready"
# Nothing listens on port 1 on these machines: a connection there is refused at once.
CLOSED_REDIS = "redis://127.0.0.1:1/0"


def assert_sessionless(response) -> None:
    assert "Set-Cookie" not in response.headers, response.headers.get("Set-Cookie")
    assert not response.cookies
    assert "cookie" not in response.get("Vary", "").lower()
    assert "no-store" in response["Cache-Control"]


def test_the_urls_are_named_for_the_walk():
    assert reverse("health_live") == LIVE
    assert reverse("health_ready") == READY


def test_it_says_the_process_is_alive_without_asking_the_database(
    client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get(LIVE)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert_sessionless(response)


def test_it_is_ready_when_every_service_answers(client):
    response = client.get(READY)
    assert response.status_code == 200
    expected = {"database": "ok", "cache": "ok"}
    if settings.CELERY_BROKER_URL:
        expected["broker"] = "ok"
    assert response.json() == expected
    assert_sessionless(response)


def test_it_asks_the_database_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert client.get(READY).status_code == 200


def test_it_sets_no_cookie_for_a_signed_in_browser_either(member_client):
    for url in (LIVE, READY):
        response = member_client.get(url)
        assert response.status_code == 200
        assert_sessionless(response)


def _unreachable_database():
    """A connection to a database that is not there, built like the real one."""
    broken = {**connection.settings_dict, "OPTIONS": {}}
    if connection.vendor == "postgresql":
        broken.update(HOST="127.0.0.1", PORT=1, OPTIONS={"connect_timeout": 2})
    else:
        broken["NAME"] = "/nonexistent/folder/db.sqlite3"
    return type(connections["default"])(broken, alias="unreachable")


def test_it_is_not_ready_when_the_database_is_unreachable(client, monkeypatch):
    unreachable = _unreachable_database()
    monkeypatch.setattr(health, "connection", unreachable)
    try:
        response = client.get(READY)
    finally:
        unreachable.close()
    assert response.status_code == 503
    assert response.json()["database"] == "failed"
    assert response.json()["cache"] == "ok"


def test_it_is_not_ready_when_the_cache_is_unreachable(client):
    closed = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(CACHES=closed):
        response = client.get(READY)
    assert response.status_code == 503
    assert response.json()["cache"] == "failed"
    assert response.json()["database"] == "ok"


def test_it_is_not_ready_when_the_broker_is_unreachable(client):
    with override_settings(CELERY_BROKER_URL=CLOSED_REDIS):
        response = client.get(READY)
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "cache": "ok", "broker": "failed"}
    # The reason stays in the log: the answer names no host.
    assert b"127.0.0.1" not in response.content


def test_it_is_not_rate_limited(client):
    for _ in range(60):
        assert client.get(READY).status_code == 200
        assert client.get(LIVE).status_code == 200


def test_it_answers_a_probe_by_the_nodes_address_over_plain_http(client):
    """A load balancer asks each node by its own address, over HTTP."""
    with override_settings(SECURE_SSL_REDIRECT=True):
        for url in (LIVE, READY):
            response = client.get(url, HTTP_HOST="10.20.30.40")
            assert response.status_code == 200, url
        # Everything else still goes to HTTPS.
        assert client.get(reverse("home")).status_code == 301


def test_it_refuses_other_methods(client):
    assert client.post(READY).status_code == 405
    assert client.put(LIVE).status_code == 405
