"""A cache that is down refuses sign-ins instead of answering 500 or letting them through.

allauth counts failed sign-ins, sign-ups, password resets and second-factor attempts in the
cache (ACCOUNT_RATE_LIMITS). Without the cache those attempts could not be counted; letting
them through uncounted would open the door to password guessing, so the attempt is refused
with a page that says why (503, with Retry-After). Pages that do not touch the cache keep
answering, and sessions live in the database (SESSION_ENGINE), so the signed-in stay signed
in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

logger = logging.getLogger(__name__)

try:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    CACHE_ERRORS: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError)
except ImportError:  # pragma: no cover  (the local-memory cache cannot be down)
    CACHE_ERRORS = ()

RETRY_AFTER_SECONDS = 60


class CacheOutageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not CACHE_ERRORS or not isinstance(exception, CACHE_ERRORS):
            return None
        logger.error("Cache unreachable on %s: %s", request.path, exception)
        response = TemplateResponse(request, "503_cache.html", status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
