"""The production stack on several nodes of one machine, for the scenarios.

``Cluster`` is a throwaway PostgreSQL cluster of the scenarios' own (so restarting it harms
nothing else); ``Stack`` adds a cache Redis, a broker (a Redis of its own, or a virtual host
of its own on the machine's RabbitMQ), gunicorn web processes and Celery workers with
production settings, and tears all of it down, even when a check fails. ``Client`` is a
browser in miniature that counts every answer into ``Figures``.

Only the standard library: the scenarios run from the project's virtualenv but need none
of its packages themselves.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PG_BIN = Path(os.environ.get("SCENARIO_PG_BIN", "/usr/lib/postgresql/15/bin"))
# Every port the scenarios listen on: PostgreSQL, two Redis servers, the web processes.
PORT_BASE = int(os.environ.get("SCENARIO_PORT_BASE", "9140"))
PG_PORT = PORT_BASE
CACHE_PORT = PORT_BASE + 1
BROKER_PORT = PORT_BASE + 2
WEB_PORTS = [PORT_BASE + 10 + n for n in range(4)]
# The name every node is asked under (SITE_URL's host).
SERVICE_HOST = f"127.0.0.1:{WEB_PORTS[0]}"
RABBITMQ = os.environ.get("SCENARIO_RABBITMQ", "127.0.0.1:5672")
DB_PREFIX = os.environ.get("SCENARIO_DB_PREFIX", "registry_nodes")


class CheckFailed(AssertionError):
    pass


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


def wait_for(what: str, predicate, timeout: float, interval: float = 0.5):
    """The first true value of ``predicate()`` within ``timeout`` seconds, else CheckFailed."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise CheckFailed(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# --- Figures ------------------------------------------------------------------------------


@dataclass
class Figures:
    """What one scenario did and what went wrong, printed as one line at its end."""

    name: str
    requests: int = 0
    errors: int = 0  # answers outside 2xx/3xx, and requests with no answer at all
    server_errors: int = 0  # 5xx
    exports_built: int = 0
    exports_lost: int = 0
    mails_lost: int = 0
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, status: int, expected: tuple[int, ...] = ()) -> None:
        with self.lock:
            self.requests += 1
            if 200 <= status < 400 or status in expected:
                return
            self.errors += 1
            if status >= 500 or status == 0:
                self.server_errors += 1

    def check(self, ok: bool, message: str) -> bool:
        if not ok:
            self.failures.append(message)
            log(f"FAILED: {message}")
        return ok

    def line(self) -> str:
        verdict = "ok" if not self.failures else "FAILED"
        extra = f" ({'; '.join(self.notes)})" if self.notes else ""
        return (
            f"scenario {self.name}: {verdict} requests={self.requests} errors={self.errors}"
            f" 5xx={self.server_errors} exports_built={self.exports_built}"
            f" exports_lost={self.exports_lost} mails_lost={self.mails_lost}{extra}"
        )


# --- A browser in miniature -----------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


def totp_code(secret: str, at: float | None = None) -> str:
    """RFC 6238 (30 s, 6 digits, SHA-1), the authenticator app's code."""
    counter = int((at if at is not None else time.time()) // 30)
    key = base64.b32decode(secret, casefold=True)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


class Client:
    """One person's browser: one cookie jar for every node (cookies do not tell ports
    apart), redirects not followed, every answer counted. A browser keeps ``Secure``
    cookies for http://127.0.0.1 too (a secure context), so this jar does the same; the
    server's cookie settings stay those of production."""

    def __init__(self, figures: Figures, timeout: float = 20.0) -> None:
        self.figures = figures
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        port: int,
        path: str,
        data: dict | None = None,
        count: bool = True,
        expected: tuple[int, ...] = (),
    ) -> Answer:
        """``expected``: statuses outside 2xx/3xx that are the right answer here (a 404
        before an export is ready), not counted as errors."""
        # Every node is asked under the service's one name, as behind a load balancer: the
        # name is part of some shared keys (allauth's sign-in limits use the site's domain).
        headers = {"Host": SERVICE_HOST, "User-Agent": "registry-scenarios/1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://{SERVICE_HOST}"
            headers["Referer"] = f"http://{SERVICE_HOST}{path}"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = Answer(
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                response.read(),
            )
            for raw in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(raw)
                for name, morsel in cookie.items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
        except (OSError, http.client.HTTPException) as error:
            answer = Answer(0, {}, str(error).encode())
        finally:
            connection.close()
        if count:
            self.figures.count(answer.status, expected)
        return answer

    def get(self, port: int, path: str, **kw) -> Answer:
        return self.request("GET", port, path, **kw)

    def post(self, port: int, path: str, data: dict, **kw) -> Answer:
        if "csrftoken" not in self.cookies:
            self.get(port, path, **kw)
        data = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data}
        return self.request("POST", port, path, data=data, **kw)

    def form(self, port: int, path: str, data: dict, **kw) -> Answer:
        """GET the form (for its CSRF cookie), then POST it."""
        self.get(port, path, **kw)
        return self.post(port, path, data, **kw)

    def login(self, port: int, email: str, password: str, totp_secret: str = "") -> Answer:
        answer = self.form(port, "/accounts/login/", {"login": email, "password": password})
        if totp_secret and answer.status == 302 and "2fa" in answer.location:
            answer = self.form(port, answer.location, {"code": totp_code(totp_secret)})
        return answer

    def reauthenticate(self, port: int, password: str) -> Answer:
        """Enter the password again (allauth's reauthentication, asked before a download)."""
        return self.form(port, "/accounts/reauthenticate/", {"password": password})

    def signed_in(self, port: int) -> bool:
        answer = self.get(port, "/me/profile/")
        return answer.status == 200


# --- Processes ------------------------------------------------------------------------------


class Process:
    """A child in its own process group, its output in a log file; stopped by its id."""

    def __init__(self, name: str, argv: list[str], env: dict, logdir: Path, **kw) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.logfile = logdir / f"{name}.log"
        self.kw = kw
        self.popen: subprocess.Popen | None = None

    def start(self) -> Process:
        with open(self.logfile, "ab") as out:
            self.popen = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                **self.kw,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        if not self.alive():
            return
        assert self.popen is not None
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=5)
        except ProcessLookupError:
            pass

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def run(argv: list[str], env: dict | None = None, check: bool = True, **kw):
    result = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=ROOT, **kw)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (from /proc: psutil is not among the packages)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


# --- PostgreSQL -----------------------------------------------------------------------------


class Cluster:
    """A PostgreSQL cluster in a temporary folder, owned by the ``postgres`` user when the
    scenarios run as root (initdb refuses root), listening on 127.0.0.1:PG_PORT only."""

    def __init__(self, workdir: Path) -> None:
        self.data = workdir / "pgdata"
        self.logfile = workdir / "postgresql.log"
        self.as_postgres = os.geteuid() == 0
        self.url = f"postgres://postgres@127.0.0.1:{PG_PORT}"

    def _pg(self, tool: str, *args: str, check: bool = True):
        argv = [str(PG_BIN / tool), *args]
        if self.as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        return run(argv, check=check)

    def init(self) -> None:
        if port_open(PG_PORT):
            raise RuntimeError(f"port {PG_PORT} is taken: another scenario run is going on?")
        self.data.parent.mkdir(parents=True, exist_ok=True)
        if self.as_postgres:
            shutil.chown(self.data.parent, "postgres")
            shutil.chown(self.logfile.parent, "postgres")
        self._pg(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        self.start()

    def start(self) -> None:
        options = (
            f"-p {PG_PORT} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
            " -c max_connections=200 -c fsync=off -c synchronous_commit=off"
            " -c full_page_writes=off"
        )
        self._pg(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.logfile),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        if self.data.exists():
            self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self) -> None:
        self.stop()
        self.start()

    def psql(self, sql: str, db: str = "postgres") -> str:
        return run(
            [
                str(PG_BIN / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(PG_PORT),
                "-U",
                "postgres",
                "-d",
                db,
                "-tAc",
                sql,
            ]
        ).stdout.strip()

    def create(self, name: str, template: str = "template1") -> str:
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return f"{self.url}/{name}"


# --- The stack ------------------------------------------------------------------------------


def base_env(workdir: Path) -> dict:
    """Production settings for every process of the stack (README, Production)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DEBUG="false",
        SECRET_KEY="scenario-" + secrets.token_hex(24),
        GDPR_HASH_KEY="scenario-" + secrets.token_hex(24),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL=f"http://{SERVICE_HOST}",
        EMAIL_FILE_PATH=str(workdir / "mail"),
        PRIVATE_MEDIA_ROOT=str(workdir / "private"),
        MEDIA_ROOT=str(workdir / "media"),
        STATIC_ROOT=str(workdir / "static"),
        # Plain HTTP on 127.0.0.1 only: nothing answers on 443 here. The cookies stay Secure.
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        LOG_FORMAT="text",
        LOG_LEVEL="INFO",
        DATABASE_CONNECT_TIMEOUT="3",
    )
    return env


class Stack:
    """Web processes and workers on one database, cache and broker."""

    def __init__(
        self,
        name: str,
        cluster: Cluster,
        workdir: Path,
        *,
        broker: str = "redis",
        webs: int = 2,
        workers: int = 2,
        beat: bool = False,
    ) -> None:
        self.name = name
        self.cluster = cluster
        self.dir = workdir / name
        self.broker_kind = broker
        self.n_webs = webs
        self.n_workers = workers
        self.with_beat = beat
        self.processes: list[Process] = []
        self.webs: list[Process] = []
        self.workers: list[Process] = []
        self.cache: Process | None = None
        self.broker: Process | None = None
        self.vhost = ""
        self.env: dict = {}

    # The services ---------------------------------------------------------------------------

    def _redis(self, name: str, port: int) -> Process:
        if port_open(port):
            raise RuntimeError(f"port {port} is taken")
        process = Process(
            name,
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            os.environ.copy(),
            self.dir,
        ).start()
        wait_for(f"{name} on {port}", lambda: port_open(port), 15, 0.1)
        return process

    def start_cache(self) -> None:
        self.cache = self._redis("cache-redis", CACHE_PORT)

    def stop_cache(self) -> None:
        assert self.cache is not None
        self.cache.stop()

    def start_broker(self) -> None:
        self.broker = self._redis("broker-redis", BROKER_PORT)

    def stop_broker(self) -> None:
        assert self.broker is not None
        self.broker.stop()

    def _rabbitmq_vhost(self) -> str:
        self.vhost = f"{DB_PREFIX}_{self.name}_{secrets.token_hex(3)}"
        run(["rabbitmqctl", "-q", "add_vhost", self.vhost])
        run(["rabbitmqctl", "-q", "set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*"])
        return f"amqp://guest:guest@{RABBITMQ}/{self.vhost}"

    # Up and down ----------------------------------------------------------------------------

    def up(self, template: str) -> Stack:
        self.dir.mkdir(parents=True, exist_ok=True)
        for sub in ("mail", "private", "media", "static"):
            (self.dir / sub).mkdir(exist_ok=True)
        env = base_env(self.dir)
        # Collected once, for every stack (prepare()).
        env["STATIC_ROOT"] = str(self.dir.parent / "static")
        env["DATABASE_URL"] = self.cluster.create(f"{DB_PREFIX}_{self.name}", template)
        self.start_cache()
        env["REDIS_URL"] = f"redis://127.0.0.1:{CACHE_PORT}/0"
        if self.broker_kind == "redis":
            self.start_broker()
            env["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{BROKER_PORT}/0"
        else:
            env["CELERY_BROKER_URL"] = self._rabbitmq_vhost()
        self.env = env
        for n in range(self.n_webs):
            self.start_web(n)
        for n in range(self.n_workers):
            self.start_worker(n)
        if self.with_beat:
            beat = Process(
                "beat",
                [
                    PYTHON,
                    "-m",
                    "celery",
                    "-A",
                    "registry",
                    "beat",
                    "--loglevel=INFO",
                    f"--schedule={self.dir / 'celerybeat-schedule'}",
                ],
                {**env, "DATABASE_POOL": "false"},
                self.dir,
            ).start()
            self.processes.append(beat)
        for n in range(len(self.webs)):
            self.wait_ready(n)
        for worker in self.workers:
            wait_for(f"{worker.name} ready", lambda w=worker: " ready." in w.tail(200), 60)
        return self

    def start_web(self, n: int) -> Process:
        env = {
            **self.env,
            "PORT": str(WEB_PORTS[n]),
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "2",
            "GUNICORN_MAX_REQUESTS": "0",
        }
        web = Process(
            f"web-{'ABCD'[n]}",
            [PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py"],
            env,
            self.dir,
        ).start()
        self.webs.append(web)
        self.processes.append(web)
        return web

    def start_worker(self, n: int) -> Process:
        env = {**self.env, "DATABASE_POOL": "false"}
        worker = Process(
            f"worker-{n + 1}",
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "registry",
                "worker",
                "--loglevel=INFO",
                "--concurrency=2",
                f"--hostname=w{n + 1}-{self.name}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            env,
            self.dir,
        ).start()
        self.workers.append(worker)
        self.processes.append(worker)
        return worker

    def wait_ready(self, n: int, timeout: float = 60) -> None:
        port = WEB_PORTS[n]
        probe = Client(Figures("probe"))

        def ready() -> bool:
            if not self.webs[n].alive():
                raise CheckFailed(f"web {n} exited:\n{self.webs[n].tail()}")
            return probe.get(port, "/health/ready", count=False).status == 200

        wait_for(f"/health/ready on {port}", ready, timeout)

    def port(self, n: int) -> int:
        return WEB_PORTS[n]

    def down(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        for service in (self.cache, self.broker):
            if service is not None:
                service.stop()
        if self.vhost:
            run(["rabbitmqctl", "-q", "delete_vhost", self.vhost], check=False)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.down()

    # Reading the outcome ---------------------------------------------------------------------

    def ops(self, command: str, *args: str) -> dict:
        """scenarios/django_ops.py in the stack's environment."""
        result = run(
            [PYTHON, str(ROOT / "scenarios" / "django_ops.py"), command, *args],
            env={**self.env, "DATABASE_POOL": "false"},
            timeout=120,
        )
        return json.loads(result.stdout.strip().splitlines()[-1])

    def ops_background(self, command: str, *args: str) -> subprocess.Popen:
        """django_ops.py left running (e.g. holding a lock); its first line says it is set."""
        process = subprocess.Popen(
            [PYTHON, str(ROOT / "scenarios" / "django_ops.py"), command, *args],
            cwd=ROOT,
            env={**self.env, "DATABASE_POOL": "false"},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert process.stdout is not None
        process.stdout.readline()
        return process

    def mails(self) -> list[str]:
        return [p.read_text(errors="replace") for p in sorted((self.dir / "mail").glob("*"))]

    def mails_to(self, email: str) -> list[str]:
        pattern = re.compile(rf"^To: .*{re.escape(email)}", re.MULTILINE | re.IGNORECASE)
        return [m for m in self.mails() if pattern.search(m)]

    def logs(self, lines: int = 40) -> str:
        return "\n".join(f"--- {p.name}\n{p.tail(lines)}" for p in self.processes)


def prepare(workdir: Path) -> tuple[Cluster, str]:
    """The cluster and a migrated template database each stack's database is copied from."""
    cluster = Cluster(workdir)
    cluster.init()
    template = f"{DB_PREFIX}_template"
    url = cluster.create(template)
    env = {
        **base_env(workdir),
        "DATABASE_URL": url,
        "DATABASE_POOL": "false",
        "ALLOW_LOCAL_CACHE": "true",
    }
    started = time.monotonic()
    # Side by side: the static files do not need the database.
    static = subprocess.Popen(
        [PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        run([PYTHON, "manage.py", "migrate", "--no-input", "-v0"], env=env)
    finally:
        _, stderr = static.communicate()
    if static.returncode != 0:
        raise RuntimeError(f"collectstatic failed:\n{stderr.decode(errors='replace')}")
    log(f"template database and static files ready in {time.monotonic() - started:.0f} s")
    return cluster, template


def workdir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="registry-scenarios-"))
    path.chmod(0o755)
    return path
