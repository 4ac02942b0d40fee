"""gunicorn's configuration for the registry's web processes (``bin/serve``, README).

Every value can be set from the environment; the defaults suit one machine behind a
reverse proxy. gunicorn reads this file from the working folder by itself.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"{name} must be an integer, got {raw!r}") from exc


wsgi_app = "registry.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", f"127.0.0.1:{_int('PORT', 8000)}")]

# Synchronous workers: the usual rule of two per core plus one. Each worker keeps its own
# database pool (DATABASE_POOL_MAX_SIZE), so workers x pool size x nodes must stay under
# PostgreSQL's max_connections.
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 1)
# A request that takes longer is stuck: its worker is replaced. PDF reports and CSV
# downloads finish well within it; exports are built by the Celery worker.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Above the proxy's idle timeout for its upstream connections.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Workers are replaced now and then, so slow leaks never grow; jitter spreads the restarts.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# Not preloaded: each worker opens its own connections after the fork.
preload_app = False


def post_worker_init(worker) -> None:
    """The worker has loaded the application: Django's and the apps' modules, classes and
    settings, some 200,000 objects that live as long as the worker. ``gc.freeze()`` sets
    them aside, so that the garbage collector's full passes look only at what requests
    make: over everything, one took 50 to 140 ms in the middle of some request."""
    import gc

    gc.freeze()


# The registry writes one line per request itself (registry.middleware.RequestLogMiddleware:
# request id, user id, no query string), so gunicorn's access log stays off.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn's own lines (workers booting, timeouts) in the registry's format, so the log
# service reads one kind of line (docs/logging.md).
if os.environ.get("LOG_FORMAT", "json").strip() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "registry.request_log.JsonFormatter"}},
        "handlers": {
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": "INFO", "handlers": ["error_console"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            # A log configuration turns gunicorn's access log back on: keep it silent.
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
    }

# The proxies whose X-Forwarded-Proto (and -For) gunicorn believes: the reverse proxy's
# address, or a comma-separated list; "*" only when nothing else can reach the port.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Not used, and two instances on one machine (one per port) would contend for its path.
control_socket_disable = True

# Request sizes: uploads (CSV member lists, bank files, signed letters) go in the body.
limit_request_line = 8190
limit_request_fields = 100
