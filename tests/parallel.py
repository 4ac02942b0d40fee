"""What keeps the suite's parallel processes (pytest-xdist workers ``gw0``, ``gw1``, …) out
of each other's way.

Each process already has its own test database. They would still share:

- Redis: the cache (``cache.clear()`` between tests flushes the whole database, and rate
  limits count there) and the Celery broker. Each worker moves to databases of its own:
  ``gwN`` uses ``2 + 2N`` for the cache and ``3 + 2N`` for the broker.
- Celery's queue: a real worker started by one process must never take a task another
  process enqueued for its own database. Each process has its own queue, which also holds
  for a broker that is not Redis.
- The folders of uploaded and private files: each process writes under a folder of its own.

Without xdist (a plain ``pytest``) nothing changes. A process a test starts (``manage.py``
in a subprocess) inherits the worker's environment already separated, and what a test sets
for it explicitly (its own private folder) is kept: the separation runs once per worker.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# Redis has 16 databases: 0 and 1 are the plain run's, two per worker after them.
MAX_WORKERS = 7
# Set once a worker's environment is separated; its subprocesses inherit it.
SEPARATED = "REGISTRY_TESTS_SEPARATED_FOR"


def worker_index() -> int | None:
    """The xdist worker's number, or None outside xdist."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw") or not worker[2:].isdigit():
        return None
    return int(worker[2:])


def _redis_database(url: str, database: int) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        return url
    return urlunsplit(parts._replace(path=f"/{database}"))


def separate_resources() -> None:
    index = worker_index()
    if index is None:
        return
    if index >= MAX_WORKERS:
        raise RuntimeError(f"at most {MAX_WORKERS} parallel test processes (Redis databases)")
    worker = f"gw{index}"
    if os.environ.get(SEPARATED) == worker:
        return
    os.environ[SEPARATED] = worker
    for name, database in (("REDIS_URL", 2 + 2 * index), ("CELERY_BROKER_URL", 3 + 2 * index)):
        if os.environ.get(name):
            os.environ[name] = _redis_database(os.environ[name], database)
    for name, default in (
        ("PRIVATE_MEDIA_ROOT", ROOT / "private"),
        ("MEDIA_ROOT", ROOT / "media"),
    ):
        os.environ[name] = str(Path(os.environ.get(name) or default) / "parallel" / worker)


def queue_name() -> str:
    """Celery's default queue for this process: ``celery`` outside xdist."""
    index = worker_index()
    return "celery" if index is None else f"celery-gw{index}"
