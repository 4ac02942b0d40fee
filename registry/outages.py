"""A part of the service that is down for a moment answers a 503 page that says what, in the
person's language, instead of a 500 that says nothing.

- **The cache.** allauth counts failed sign-ins, sign-ups, password resets and second-factor
  attempts in the cache (ACCOUNT_RATE_LIMITS). Without the cache those attempts could not be
  counted; letting them through uncounted would open the door to password guessing, so the
  attempt is refused. Pages that do not touch the cache keep answering, and sessions live in
  the database (SESSION_ENGINE), so the signed-in stay signed in.
- **Private storage** (a bucket or a disk that does not answer, ``registry.downloads``): the
  download is refused for now; the file and its record are untouched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from registry.downloads import StorageUnavailable

logger = logging.getLogger(__name__)

try:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    CACHE_ERRORS: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError)
except ImportError:  # pragma: no cover  (the local-memory cache cannot be down)
    CACHE_ERRORS = ()


@dataclass(frozen=True)
class Outage:
    errors: tuple[type[BaseException], ...]
    what: str
    explanation: Promise
    retry_after_seconds: int


OUTAGES = (
    Outage(
        CACHE_ERRORS,
        "cache",
        _(
            "Signing in and other account steps are unavailable for a moment: the service that "
            "counts failed attempts is not answering. Nothing was done. Try again in a few "
            "minutes."
        ),
        60,
    ),
    Outage(
        (StorageUnavailable,),
        "private storage",
        _(
            "The file cannot be fetched right now: the storage of the service did not answer. "
            "Nothing was lost. Please try again in a moment."
        ),
        30,
    ),
)


class OutageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        for outage in OUTAGES:
            if outage.errors and isinstance(exception, outage.errors):
                logger.error("%s unreachable on %s: %s", outage.what, request.path, exception)
                response = TemplateResponse(
                    request, "503.html", {"explanation": outage.explanation}, status=503
                )
                response["Retry-After"] = str(outage.retry_after_seconds)
                return response
        return None
