"""The request id every log line carries, and the two formats of the log.

One line per request (``registry.middleware.RequestLogMiddleware``) names the request by
its id; any other line written while the request runs, and by a Celery task enqueued
during it (``registry.celery``), carries the same id, so a log service can put them side
by side. In production each line is one JSON object (``JsonFormatter``); in development a
readable line. docs/logging.md lists the fields.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

# The id of the request (or of the request that enqueued the task) being served.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# What a proxy's X-Request-ID may look like to be taken as it is: nginx's $request_id, a
# UUID, a trace id. Anything else (too long, spaces, markup, a value meant to forge log
# lines) is replaced by an id of our own.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")


def request_id_from(header: str | None) -> str:
    """The proxy's request id when it is a sane token, else a new one."""
    if header and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (``None`` outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


# The attributes every LogRecord has; anything else on a record came in ``extra``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "short_id",
    # Django's request loggers pass the request object, whose text holds the query string
    # (search terms, filters: personal data); the line already has the path and the id.
    "request",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, and the
    fields given in ``extra`` (the request line's method, path, status, ...)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The development format: readable, with the request id's first characters."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s [%(short_id)s] %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.short_id = (getattr(record, "request_id", None) or "-")[:8]
        return super().format(record)
