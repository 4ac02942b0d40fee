"""P6: concurrent users against the production server (gunicorn with ``gunicorn.conf.py``).

A small threaded client, bounded: each user sends a fixed number of requests over its own
keep-alive connection, one after the other, with its own session. The same server serves
the real pages and their bare twins (it runs ``benchmarks.settings``), in alternating
phases.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.scenarios import HOST, Goal, Result, Side

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Phase:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed_s: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.elapsed_s if self.elapsed_s else 0.0


class Server:
    """gunicorn on 127.0.0.1:``port`` with the production configuration file."""

    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        try:
            return self._start()
        except BaseException:
            self.__exit__()
            raise

    def _start(self) -> Server:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
            "GUNICORN_BIND": f"{HOST}:{self.port}",
        }
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            [str(gunicorn), "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("wb"),
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                status, _ = _get(self.port, "/health/live", "")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer in 180 s; see {self.log}")

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _headers(cookie: str) -> dict[str, str]:
    return {"Host": HOST, "X-Forwarded-Proto": "https", "Cookie": cookie}


def _get(port: int, path: str, cookie: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        connection.request("GET", path, headers=_headers(cookie))
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _user(port: int, cookie: str, paths: list[str], count: int, phase: Phase, lock, start):
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    latencies, errors = [], 0
    start.wait()
    for n in range(count):
        path = paths[n % len(paths)]
        began = time.perf_counter()
        try:
            connection.request("GET", path, headers=_headers(cookie))
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
            if response.will_close:
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=120)
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection(HOST, port, timeout=120)
        latencies.append((time.perf_counter() - began) * 1000)
    connection.close()
    with lock:
        phase.latencies_ms.extend(latencies)
        phase.errors += errors


def run_phase(port: int, cookies: list[str], paths: list[str], count: int) -> Phase:
    phase = Phase()
    lock = threading.Lock()
    start = threading.Barrier(len(cookies) + 1)
    threads = [
        threading.Thread(
            target=_user,
            args=(port, cookie, paths[i % len(paths) :] + paths[: i % len(paths)], count),
            kwargs={"phase": phase, "lock": lock, "start": start},
            daemon=True,
        )
        for i, cookie in enumerate(cookies)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    phase.elapsed_s = time.perf_counter() - began
    return phase


def concurrent(
    *,
    port: int,
    cookies: list[str],
    real_paths: list[str],
    bare_paths: list[str],
    requests_per_user: int,
    rounds: int,
    log: Path,
) -> Result:
    real, bare = Phase(), Phase()
    with Server(port, log):
        # Every worker imports the project and opens its connections before timing starts.
        run_phase(port, cookies, real_paths + bare_paths, 2)
        for n in range(rounds):
            order = ((real_paths, real), (bare_paths, bare))
            for paths, total in order if n % 2 == 0 else order[::-1]:
                phase = run_phase(port, cookies, paths, requests_per_user)
                total.latencies_ms += phase.latencies_ms
                total.errors += phase.errors
                total.elapsed_s += phase.elapsed_s
    result = Result(
        "P6",
        f"P6 {len(cookies)} concurrent users, gunicorn",
        "bare views, same server",
        Side(real.latencies_ms),
        Side(bare.latencies_ms),
        notes=(
            f"{real.throughput:.1f} vs {bare.throughput:.1f} requests/s; "
            f"{len(real.latencies_ms)} + {len(bare.latencies_ms)} requests"
        ),
    )
    share = real.throughput / bare.throughput if bare.throughput else 0.0
    result.goals.append(Goal("throughput ≥ 0.8 of bare", share >= 0.8, f"{share:.2f}"))
    ratio = result.ratio
    result.goals.append(
        Goal("p95 ≤ 1.5x bare", ratio is not None and ratio <= 1.5, f"{ratio or 0:.2f}x")
    )
    errors = real.errors + bare.errors
    result.goals.append(Goal("0 errors", errors == 0, f"{errors} errors"))
    return result
