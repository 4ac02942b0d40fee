"""Health endpoints for load balancers and orchestrators.

``/health/live``: the process answers (nothing else is asked, so a database outage does not
get every web process restarted). ``/health/ready``: the database, the shared cache and the
Celery broker answer within a short time; 503 names the check that failed.

``HealthCheckMiddleware`` answers both before sessions, authentication, CSRF and the host
check: a probe carries no cookie and gets none, the answer does not vary on cookies, and a
load balancer may ask by the node's address rather than the service's name. Both answer
the same for everyone and hold no personal data. The URL conf names them too, so that
``reverse()`` and the URL walk know them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control

logger = logging.getLogger(__name__)

# Seconds a check may take; a probe's own timeout is typically a few seconds.
CHECK_TIMEOUT = 2.0

OK = "ok"
FAILED = "failed"


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    # A key of its own per probe: two nodes probing at once must not see each other's.
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, OK, timeout=10)
    if cache.get(key) != OK:
        raise RuntimeError("the cache did not return what was stored")
    cache.delete(key)


def _check_broker() -> None:
    # The project's Celery app (registry/celery.py, loaded by registry/__init__.py); named
    # through Celery so that the URL conf, which imports this module, stays apart from it.
    with current_app.connection_for_write(
        settings.CELERY_BROKER_URL, connect_timeout=CHECK_TIMEOUT
    ) as conn:
        conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT)


def _checks() -> dict[str, Callable[[], None]]:
    checks = {"database": _check_database, "cache": _check_cache}
    # No broker configured: tasks run in-process (the quick start); nothing to check.
    if settings.CELERY_BROKER_URL:
        checks["broker"] = _check_broker
    return checks


def _answer(body: dict[str, str], status: int = 200) -> HttpResponse:
    response = JsonResponse(body, status=status)
    patch_cache_control(response, no_store=True, private=True)
    return response


def live(request: HttpRequest) -> HttpResponse:
    """The process is up and serving requests."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    return _answer({"status": OK})


def ready(request: HttpRequest) -> HttpResponse:
    """Every service a request needs answers; 503 names the one that does not."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    results: dict[str, str] = {}
    for name, check in _checks().items():
        try:
            check()
        except Exception:
            # The reason goes to the log, not to the answer: it may name hosts or users.
            logger.warning("readiness check %s failed", name, exc_info=True)
            results[name] = FAILED
        else:
            results[name] = OK
    healthy = all(result == OK for result in results.values())
    return _answer(results, status=200 if healthy else 503)


PATHS: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/health/live": live,
    "/health/ready": ready,
}


class HealthCheckMiddleware:
    """Answers the health paths before the middleware that follows it (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = PATHS.get(request.path_info.rstrip("/"))
        if view is not None:
            return view(request)
        return self.get_response(request)
