"""Scenarios that prove the production stack on several nodes and under faults.

    .venv/bin/python scenarios/run.py [nodes-redis nodes-rabbitmq faults ...]

Prints one figures line per scenario and exits non-zero when a check failed
(scenarios/README.md says what each one shows).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sys
import threading
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scenarios.harness import (
    Answer,
    CheckFailed,
    Client,
    Figures,
    Stack,
    children,
    cpu_ticks,
    log,
    prepare,
    wait_for,
    workdir,
)

# Seconds an export, a mail or a redelivered task may take before it counts as lost.
EXPORT_WAIT = float(os.environ.get("SCENARIO_EXPORT_WAIT", "150"))
# Communication records planted for the person whose export is killed mid-build.
HEAVY_ROWS = os.environ.get("SCENARIO_HEAVY_ROWS", "5000")


# --- Steps shared by the scenarios ----------------------------------------------------------


def file_access_request(member: Client, port: int, figures: Figures) -> Answer:
    answer = member.form(port, "/privacy/", {"kind": "access", "access-details": ""})
    figures.check(
        answer.status == 302 and "/privacy/requests/" in answer.location,
        f"filing an access request answered {answer.status} {answer.location!r}",
    )
    return answer


# What a person is told when the mail or export their action started waits for the broker.
FOLLOWS_SHORTLY = "will follow shortly"


def told_it_follows(client: Client, port: int, answer: Answer, what: str, figures: Figures):
    page = client.get(port, answer.location) if answer.status == 302 else answer
    figures.check(
        page.status == 200 and FOLLOWS_SHORTLY in page.text,
        f"{what}: the page ({page.status}) does not say the work follows shortly",
    )


def desk_start_export(stack: Stack, staff: Client, port: int, email: str, figures: Figures):
    """The controller at the desk (the admin): verify the identity, start handling."""
    request = stack.ops("requests", email)["requests"][-1]
    base = f"/admin/gdpr/datasubjectrequest/{request['pk']}"
    answer = staff.form(port, f"{base}/verify/", {"method": "signed_in", "note": ""})
    figures.check(answer.status == 302, f"verifying the identity answered {answer.status}")
    answer = staff.form(port, f"{base}/start/", {})
    figures.check(answer.status == 302, f"starting the request answered {answer.status}")
    return answer


def export_of(stack: Stack, email: str) -> dict | None:
    requests = stack.ops("requests", email)["requests"]
    return requests[-1]["export"] if requests else None


def watch_download(
    stack: Stack,
    member: Client,
    port: int,
    email: str,
    password: str,
    figures: Figures,
    timeout: float,
) -> dict | None:
    """Poll the download until the export is ready: only 404 before, then the whole ZIP
    (the size and digest the database holds). Returns the export, or None if it never came."""
    export = wait_for("the export row", lambda: export_of(stack, email), 20)
    path = f"/privacy/exports/{export['id']}/download/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = member.get(port, path, expected=(404,))
        if answer.status == 302 and "/accounts/reauthenticate/" in answer.location:
            # The download asks for the password again (once per few minutes).
            again = member.reauthenticate(port, password)
            if not figures.check(again.status == 302, f"reauthenticating: {again.status}"):
                return None
            continue
        if answer.status == 200:
            export = export_of(stack, email)
            whole = (
                answer.body[:2] == b"PK"
                and len(answer.body) == export["size"]
                and hashlib.sha256(answer.body).hexdigest() == export["sha256"]
            )
            figures.check(
                whole,
                f"a download answered 200 with {len(answer.body)} bytes that are not the"
                f" export ({export['size']} bytes, status {export['status']})",
            )
            figures.check(
                "zip" in answer.headers.get("content-type", ""),
                f"the download's type is {answer.headers.get('content-type')!r}",
            )
            return export if whole else None
        if not figures.check(
            answer.status == 404,
            f"the download answered {answer.status} {answer.location!r} before ready",
        ):
            return None
        time.sleep(0.3)
    return None


def sign_in(
    client: Client, port: int, email: str, password: str, figures: Figures, totp: str = ""
) -> None:
    answer = client.login(port, email, password, totp)
    figures.check(answer.status == 302, f"signing in {email} answered {answer.status}")


# --- A: two nodes ---------------------------------------------------------------------------


def nodes(broker: str):
    def scenario(cluster, template, work: Path, figures: Figures) -> None:
        with Stack(f"nodes_{broker}", cluster, work, broker=broker).up(template) as stack:
            a, b = stack.port(0), stack.port(1)
            people = stack.ops("setup", "40")
            password = people["password"]

            # A session made on A works on B.
            member = Client(figures)
            sign_in(member, a, people["member"], password, figures)
            figures.check(member.signed_in(b), "the session made on A is not known on B")

            # The member asks for their data on A; the controller starts it at the desk on
            # B; a worker builds it; the member downloads it from B.
            file_access_request(member, a, figures)
            staff = Client(figures)
            sign_in(staff, b, people["staff"], password, figures, totp=people["totp_secret"])
            desk_start_export(stack, staff, b, people["member"], figures)
            export = watch_download(
                stack, member, b, people["member"], password, figures, EXPORT_WAIT
            )
            if export is None:
                figures.exports_lost += 1
                figures.check(False, "the export was not downloadable from B in time")
            else:
                figures.exports_built += 1
                figures.check(len(export["files"]) == 1, f"export files: {export['files']}")

            # Failed sign-ins spread over A and B count together: after the limit (5 per
            # address in 5 minutes) even the right password is refused.
            attacker = Client(figures)
            for n in range(5):
                answer = attacker.form(
                    (a, b)[n % 2],
                    "/accounts/login/",
                    {"login": people["target"], "password": f"vaara-{n}"},
                )
                figures.check(answer.status == 200, f"a failed sign-in answered {answer.status}")
            # The sixth try, with the right password, on the other node.
            answer = attacker.login(b, people["target"], password)
            figures.check(
                answer.status != 302 and answer.status < 500,
                f"the sign-in after 5 failures on A and B answered {answer.status}"
                f" {answer.location!r}: the limit is not shared",
            )
            figures.check(not attacker.signed_in(a), "the limited person got signed in")

            # A retention job sent to both workers at once runs once at a time. One job's
            # lock is held meanwhile, as by a run under way elsewhere: both sends must skip it.
            def settled():
                runs = stack.ops("retention_runs")["runs"]
                jobs = {r["job"] for r in runs}
                finished = [r for r in runs if r["status"] != "running"]
                return runs if jobs and len(finished) == 2 * len(jobs) else None

            held = "gdpr.expired_exports"
            holder = stack.ops_background("retention_hold", held, "120")
            try:
                stack.ops("retention_send")
                runs = wait_for("both retention sends to finish", settled, 60)
            finally:
                holder.kill()
                holder.wait()
            held_runs = sorted(r["status"] for r in runs if r["job"] == held)
            figures.check(
                held_runs == ["skipped", "skipped"],
                f"{held} ran while its lock was held elsewhere: {held_runs}",
            )
            # Every other job ran once: one send did it, the other found it running (its lock)
            # or done moments ago (RETENTION_RERUN_AFTER_MINUTES) and skipped it.
            jobs = sorted({r["job"] for r in runs})
            failed = sorted({r["job"] for r in runs if r["status"] == "failed"})
            twice = [
                j
                for j in jobs
                if j != held
                and sorted(r["status"] for r in runs if r["job"] == j) != ["done", "skipped"]
            ]
            figures.check(not failed, f"retention runs failed: {failed}")
            figures.check(not twice, f"retention jobs not run exactly once: {twice}")
            figures.notes.append(
                f"retention: {len(jobs)} jobs sent twice at once, {len(jobs) - 1 - len(twice)}"
                f" ran once and were skipped once, the held one skipped twice"
            )

    return scenario


# --- B: faults ------------------------------------------------------------------------------


def build_child(stack: Stack, window: float = 0.5) -> int | None:
    """The pool child that is busy (the one using the processor): the export's builder."""
    pool = [c for worker in stack.workers if worker.alive() for c in children(worker.pid)]
    before = {pid: cpu_ticks(pid) for pid in pool}
    time.sleep(window)
    busy = sorted(((cpu_ticks(pid) - before[pid], pid) for pid in pool), reverse=True)
    return busy[0][1] if busy and busy[0][0] > 0 else None


def fault_worker_killed(stack: Stack, people: dict, figures: Figures) -> None:
    a, b = stack.port(0), stack.port(1)
    password = people["password"]
    heavy = Client(figures)
    sign_in(heavy, a, people["heavy"], password, figures)
    file_access_request(heavy, a, figures)
    staff = Client(figures)
    sign_in(staff, a, people["staff"], password, figures, totp=people["totp_secret"])
    desk_start_export(stack, staff, a, people["heavy"], figures)

    # The builder is the pool child that keeps the processor busy (a mail task is over in a
    # moment): three short windows in a row. Looked for without other processes of ours
    # starting meanwhile, so a quick build cannot slip past.
    child, last, streak = None, None, 0
    deadline = time.monotonic() + 60
    while child is None and time.monotonic() < deadline:
        busy = build_child(stack, window=0.15)
        streak = streak + 1 if busy is not None and busy == last else 1
        last = busy
        if busy is not None and streak >= 3:
            child = busy
    if not figures.check(child is not None, "no busy worker child found to kill"):
        return
    os.kill(child, signal.SIGKILL)
    log(f"killed pool child {child} while it built the export")

    export = watch_download(stack, heavy, b, people["heavy"], password, figures, EXPORT_WAIT)
    if export is None:
        figures.exports_lost += 1
        last = export_of(stack, people["heavy"])
        figures.check(False, f"the killed build never completed: {last}")
        return
    figures.exports_built += 1
    # A second attempt shows the kill hit the build and the redelivered task finished it.
    figures.check(
        export["attempts"] >= 2,
        f"the kill missed the build ({export['attempts']} attempt): plant more rows",
    )
    figures.check(stack.ops("requests", people["heavy"])["exports"] == 1, "not one export")
    figures.check(len(export["files"]) == 1, f"export files left: {export['files']}")
    figures.notes.append(f"killed build: {export['attempts']} attempts")


def fault_database_restart(stack: Stack, people: dict, figures: Figures) -> None:
    a, b = stack.port(0), stack.port(1)
    member = Client(figures)
    sign_in(member, a, people["member"], people["password"], figures)
    during = Figures("during")
    stop = threading.Event()

    def load():
        client = Client(during, timeout=10)
        client.cookies = dict(member.cookies)
        n = 0
        while not stop.is_set() and n < 400:
            client.get((a, b)[n % 2], "/me/profile/")
            n += 1
            time.sleep(0.05)

    thread = threading.Thread(target=load)
    thread.start()
    time.sleep(1.0)
    stack.cluster.restart()
    log("PostgreSQL restarted")
    time.sleep(1.0)
    stop.set()
    thread.join()
    after = Figures("after")
    client = Client(after)
    client.cookies = dict(member.cookies)
    for n in range(40):
        answer = client.get((a, b)[n % 2], "/me/profile/")
    figures.requests += during.requests + after.requests
    figures.errors += during.errors + after.errors
    figures.server_errors += during.server_errors + after.server_errors
    figures.notes.append(
        f"database restart: {during.errors} errors in {during.requests} requests during,"
        f" {after.errors} in {after.requests} after"
    )
    figures.check(after.errors == 0, f"{after.errors} requests failed after PostgreSQL was back")
    figures.check(answer.status == 200, "the member's page does not answer after the restart")


def fault_cache_down(stack: Stack, people: dict, figures: Figures) -> None:
    a, b = stack.port(0), stack.port(1)
    stack.stop_cache()
    log("cache Redis stopped")
    try:
        visitor = Client(figures)
        for path in ("/", "/accounts/login/", "/privacy/notice/"):
            answer = visitor.get(b, path)
            figures.check(answer.status == 200, f"{path} answered {answer.status} without cache")
        # Refused with a page that says why: the form again with its error (200), or a
        # "try again in a moment" page (503, expected here, so not counted as a failure).
        answer = visitor.request(
            "POST",
            a,
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": visitor.cookies.get("csrftoken", ""),
                "login": people["member"],
                "password": people["password"],
            },
            expected=(503,),
        )
        figures.check(
            answer.status in (200, 503),
            f"signing in without the cache answered {answer.status}",
        )
        figures.check(not visitor.signed_in(a), "signed in without the failed-login counter")
        figures.check(
            "errorlist" in answer.text or (answer.status == 503 and "<h1" in answer.text),
            "the refused sign-in shows no message",
        )
        figures.notes.append(f"sign-in without cache: {answer.status}")
    finally:
        stack.start_cache()
        log("cache Redis started again (empty)")
    member = Client(figures)
    answer = member.login(a, people["member"], people["password"])
    figures.check(answer.status == 302, f"signing in after the cache came back: {answer.status}")
    figures.check(member.signed_in(b), "not signed in after the cache came back")


def fault_broker_down(stack: Stack, people: dict, figures: Figures) -> None:
    a, b = stack.port(0), stack.port(1)
    password = people["password"]
    admin = Client(figures)
    sign_in(admin, a, people["admin"], password, figures)
    member = Client(figures)
    sign_in(member, b, people["target"], password, figures)
    staff = Client(figures)
    sign_in(staff, a, people["staff"], password, figures, totp=people["totp_secret"])
    invitee = "kutsuttu@example.fi"

    stack.stop_broker()
    log("broker Redis stopped")
    try:
        org = people["organization"]
        answer = admin.form(
            a, f"/organizations/{org}/invitations/", {"email": invitee, "name": "Pekka Kutsu"}
        )
        figures.check(answer.status in (200, 302), f"inviting without broker: {answer.status}")
        told_it_follows(admin, a, answer, "the invitation", figures)
        figures.check(stack.ops("invitations", invitee)["invitations"] == 1, "no invitation kept")
        answer = file_access_request(member, b, figures)
        told_it_follows(member, b, answer, "the access request", figures)
        answer = desk_start_export(stack, staff, a, people["target"], figures)
        told_it_follows(staff, a, answer, "the desk's start", figures)
        waiting = stack.ops("waiting")["waiting"]
        figures.notes.append(f"broker down: {waiting} tasks kept waiting")
    finally:
        stack.start_broker()
        log("broker Redis started again (empty)")

    def mailed():
        return stack.mails_to(invitee)

    try:
        wait_for("the invitation mail", mailed, EXPORT_WAIT, 1)
    except CheckFailed as error:
        figures.mails_lost += 1
        figures.check(False, f"invitation: {error}")
    export = watch_download(stack, member, a, people["target"], password, figures, EXPORT_WAIT)
    if export is None:
        figures.exports_lost += 1
        figures.check(
            False, f"the export asked for without a broker: {export_of(stack, people['target'])}"
        )
    else:
        figures.exports_built += 1


def faults(cluster, template, work: Path, figures: Figures) -> None:
    # One beat, as in production: it publishes the tasks kept while the broker was down.
    with Stack("faults", cluster, work, broker="redis", beat=True).up(template) as stack:
        people = stack.ops("setup", HEAVY_ROWS)
        chosen = os.environ.get("SCENARIO_FAULTS", "")
        for name, fault in (
            ("worker killed", fault_worker_killed),
            ("database restart", fault_database_restart),
            ("cache down", fault_cache_down),
            ("broker down", fault_broker_down),
        ):
            if chosen and name.split()[0] not in chosen.split(","):
                continue
            sub = Figures(f"faults/{name}")
            log(f"fault: {name}")
            try:
                fault(stack, people, sub)
            except CheckFailed as error:
                sub.check(False, str(error))
            except Exception:
                sub.check(False, traceback.format_exc())
            print(sub.line(), flush=True)
            for attr in (
                "requests",
                "errors",
                "server_errors",
                "exports_built",
                "exports_lost",
                "mails_lost",
            ):
                setattr(figures, attr, getattr(figures, attr) + getattr(sub, attr))
            figures.failures += [f"{name}: {f}" for f in sub.failures]
        if figures.failures:
            print(stack.logs(15), flush=True)


SCENARIOS = {
    "nodes-redis": nodes("redis"),
    "nodes-rabbitmq": nodes("rabbitmq"),
    "faults": faults,
}


def main(names: list[str]) -> int:
    names = names or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        print(f"unknown scenarios {unknown}; known: {list(SCENARIOS)}")
        return 2
    work = workdir()
    log(f"working folder {work}")
    cluster = None
    results: list[Figures] = []
    try:
        cluster, template = prepare(work)
        for name in names:
            figures = Figures(name)
            log(f"scenario {name}")
            started = time.monotonic()
            try:
                SCENARIOS[name](cluster, template, work, figures)
            except CheckFailed as error:
                figures.check(False, str(error))
            except Exception:
                figures.check(False, traceback.format_exc())
            figures.notes.append(f"{time.monotonic() - started:.0f} s")
            results.append(figures)
            print(figures.line(), flush=True)
    finally:
        if cluster is not None:
            cluster.stop("immediate")
        if not os.environ.get("SCENARIO_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    failed = [f for f in results if f.failures]
    for figures in failed:
        print(f"\n{figures.name} failed:\n  - " + "\n  - ".join(figures.failures))
    passed = len(results) - len(failed)
    print(f"\nscenarios: {passed} passed, {len(failed)} failed")
    return 1 if failed else 0


def _stop(signum, frame):
    # A SIGTERM (CI's timeout, Ctrl-C's cousin) unwinds like an error: every process the
    # scenarios started is stopped by the ``finally`` and ``with`` blocks on the way out.
    raise KeyboardInterrupt(f"signal {signum}")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _stop)
    sys.exit(main(sys.argv[1:]))
