"""``python -m benchmarks``: generate the dataset (or reuse it) and run every scenario.

See ``benchmarks/README.md``. Exit status: 0 when every goal is met (or ``--no-goals``),
1 when a goal is missed, 2 when a scenario failed to run at all.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/registry_bench"
DATASET_VERSION = 2
SMOKE = {
    "scale": 0.002,
    "repeat": 3,
    "users": 5,
    "requests_per_user": 4,
    "rounds": 1,
    "person_rows": 20,
    "workers": 2,
    "erasure_repeat": 1,
}


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny scale, goals not enforced")
    parser.add_argument("--scale", type=float, default=1.0, help="dataset size (1 = full)")
    parser.add_argument("--seed", type=int, default=17)
    # 30: the p95 of 15 runs lies between the two slowest, so one garbage collection in
    # any of them decided it; of 30, between the second and third slowest.
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per side")
    parser.add_argument("--users", type=int, default=50, help="P6 concurrent users")
    parser.add_argument("--requests-per-user", type=int, default=6, help="P6, per phase")
    parser.add_argument("--rounds", type=int, default=2, help="P6 phases per side")
    parser.add_argument("--person-rows", type=int, default=1000, help="P4/P5 person's rows")
    parser.add_argument("--erasure-repeat", type=int, default=2, help="P5 erasures per size")
    parser.add_argument(
        "--workers", type=int, help="P6 gunicorn workers (default: gunicorn.conf.py's)"
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 9170)))
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE),
        help="its own PostgreSQL database (name containing 'bench'); rebuilt when the "
        "dataset's scale or seed differ",
    )
    parser.add_argument(
        "--only", help="comma-separated scenario keys (P1,P2,P3,P4,P5,P6,P7,P8,pay)"
    )
    parser.add_argument("--no-goals", action="store_true", help="report, but exit 0 on a miss")
    parser.add_argument(
        "--json",
        type=Path,
        default=ROOT / "benchmarks" / "results" / "latest.json",
        help="where to write the results",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        for name, value in SMOKE.items():
            if f"--{name.replace('_', '-')}" not in (argv or sys.argv):
                setattr(args, name, value)
        args.no_goals = True
        if "BENCH_DATABASE_URL" not in os.environ and "--database" not in (argv or sys.argv):
            args.database = DEFAULT_DATABASE + "_smoke"
    return args


# --- The database -----------------------------------------------------------------------------


def _prepare_database(url: str, marker: dict) -> dict | None:
    """Create the database if missing, or recreate it when it holds another dataset;
    returns the dataset it holds (None: generate)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"The benchmark rebuilds its database: {name!r} must contain 'bench'.")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
        if row is not None:
            try:
                held = json.loads(row[0] or "{}")
            except ValueError:
                held = {}
            if {k: held.get(k) for k in marker} == marker:
                return held["dataset"]
            print(f"Rebuilding database {name} (it holds another dataset).")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return None


def _mark_database(marker: dict, dataset: dict) -> None:
    from django.db import connection

    comment = json.dumps({**marker, "dataset": dataset})
    with connection.cursor() as cursor:
        cursor.execute(
            f"COMMENT ON DATABASE {connection.ops.quote_name(connection.settings_dict['NAME'])} "
            f"IS {connection.ops.compose_sql('%s', [comment])}"
        )


def _static_stale() -> bool:
    """Whether the static files manifest is missing or older than the project's files."""
    from django.conf import settings

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    return any(p.stat().st_mtime > built for p in (ROOT / "static").rglob("*") if p.is_file())


# --- The run ----------------------------------------------------------------------------------


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    # Stopped from outside (a time limit): report what was measured, stop the server.
    signal.signal(signal.SIGTERM, _interrupt)
    args = arguments(argv)
    marker = {"version": DATASET_VERSION, "scale": args.scale, "seed": args.seed}
    marker["person_rows"] = args.person_rows
    marker["admins"] = args.users
    held = _prepare_database(args.database, marker)
    if args.workers:
        os.environ["WEB_CONCURRENCY"] = str(args.workers)

    os.environ["DATABASE_URL"] = args.database
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    if _static_stale():
        call_command("collectstatic", verbosity=0, interactive=False)
    print(f"Migrations and static files: {time.perf_counter() - started:.0f} s")

    from benchmarks import dataset as data

    if held is None:
        print(f"Generating the dataset at scale {args.scale:g} (seed {args.seed}):")
        started = time.perf_counter()
        made = data.generate(
            scale=args.scale,
            seed=args.seed,
            admins=args.users,
            person_rows=args.person_rows,
            log=print,
        )
        print("  VACUUM ANALYZE", flush=True)
        data.analyze()
        generated_in = time.perf_counter() - started
        held = {**made.__dict__, "generated_in_s": round(generated_in, 1)}
        _mark_database(marker, held)
        print(f"  generated in {generated_in:.0f} s")
    else:
        print(f"Reusing the dataset in the database (scale {args.scale:g}, seed {args.seed}).")
    return run(args, held)


def run(args: argparse.Namespace, held: dict) -> int:
    from django.conf import settings

    from accounts.models import User
    from benchmarks import load, scenarios

    only = {k.strip().lower() for k in args.only.split(",")} if args.only else None

    def wanted(key: str) -> bool:
        return only is None or key.lower() in only

    admin_user = User.objects.get(pk=held["admins"][0])
    staff_user = User.objects.get(pk=held["staff"])
    admin = scenarios.signed_in(admin_user)
    staff = scenarios.signed_in(staff_user)
    # This process serves the requests the way a server worker does, and a worker freezes
    # what it has loaded (gunicorn.conf.py, post_worker_init): the garbage collector's full
    # passes then look only at what the requests made, not at this suite's own objects.
    gc.freeze()
    big, members = held["big"], held["counts"]["big_organization_members"]
    results: list[scenarios.Result] = []
    failures: list[str] = []
    interrupted: list[str] = []

    def attempt(key: str, label: str, action) -> None:
        if not wanted(key):
            return
        print(f"… {label}", flush=True)
        if interrupted:
            return
        try:
            made = action()
        except KeyboardInterrupt:
            interrupted.append(label)
            failures.append(f"{label}: interrupted")
            print("  interrupted: the rest is skipped")
            return
        except scenarios.ScenarioFailed as error:
            failures.append(f"{label}: {error}")
            print(f"  FAILED: {error}")
            return
        made = made if isinstance(made, list) else [made]
        results.extend(made)
        # Each row as soon as it is known: a run stopped half-way still shows what it got.
        for result in made:
            print(_row(result)[0], flush=True)

    repeat = args.repeat
    attempt("P1", "P1 member list", lambda: scenarios.member_list(admin, big, members, repeat))
    attempt(
        "P2", "P2 member search", lambda: scenarios.member_search(admin, big, "mäkinen", repeat)
    )
    attempt("P2", "P2 people search", lambda: scenarios.people_search(staff, "mäkinen", repeat))
    attempt("pay", "payments list", lambda: scenarios.payment_list(admin, big, repeat))
    # As many runs as the pages: with ten, the p95 was the slowest run, and one export held
    # up by something else (one in ten at 440 ms, the rest 230-270 ms) missed the goal.
    attempt("P3", "P3 CSV export", lambda: scenarios.member_export(admin, big, repeat))
    attempt("P7", "P7 organization dashboard", lambda: scenarios.dashboard(admin, big, repeat))
    attempt("P8", "P8 controller dashboard", lambda: scenarios.controller_dashboard(staff, repeat))
    attempt(
        "P4",
        "P4 access export",
        lambda: scenarios.access_export(held["heavy"], staff_user, args.person_rows),
    )
    attempt(
        "P5",
        "P5 erasure",
        lambda: scenarios.erasure(staff_user, args.person_rows, args.erasure_repeat, args.seed),
    )

    def p6():
        from django.urls import reverse

        cookies = []
        for user in User.objects.filter(pk__in=held["admins"][: args.users]):
            client = scenarios.signed_in(user)
            cookies.append(
                f"{settings.SESSION_COOKIE_NAME}="
                f"{client.cookies[settings.SESSION_COOKIE_NAME].value}"
            )
        real = [
            reverse("organizations:members", args=[big]),
            reverse("organizations:members", args=[big]) + "?q=m%C3%A4kinen",
            reverse("billing:payments", args=[big]),
        ]
        bare = [
            reverse("bench_members", args=[big]),
            reverse("bench_members", args=[big]) + "?q=m%C3%A4kinen",
            reverse("bench_payments", args=[big]),
        ]
        return load.concurrent(
            port=args.port,
            cookies=cookies,
            real_paths=real,
            bare_paths=bare,
            requests_per_user=args.requests_per_user,
            rounds=args.rounds,
            log=Path(tempfile.gettempdir()) / f"registry-bench-gunicorn-{args.port}.log",
        )

    attempt("P6", "P6 concurrent users", p6)
    return report(args, held, results, failures)


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def _row(r) -> tuple[str, str]:
    queries = "—" if r.real.queries is None else str(r.real.queries)
    if r.bare.queries is not None:
        queries += f"/{r.bare.queries}"
    peak = "—"
    if r.real.peak_kib is not None:
        bare_peak = "—" if r.bare.peak_kib is None else f"{r.bare.peak_kib:,.0f}"
        peak = f"{r.real.peak_kib:,.0f}/{bare_peak}"
    goals = "; ".join(f"{'ok' if g.met else 'MISSED'} {g.text} ({g.value})" for g in r.goals)
    ratio = "—" if r.ratio is None else f"{r.ratio:.2f}"
    line = (
        f"{r.label[:44]:44} {_ms(r.real.median):>10} {_ms(r.real.p95):>10} "
        f"{_ms(r.bare.median):>9} {_ms(r.bare.p95):>9} {ratio:>6} {queries:>9} "
        f"{peak:>16}  {goals}"
    )
    return line, f"{'':44}   {r.notes}" if r.notes else ""


def report(args, held: dict, results, failures: list[str]) -> int:
    load1, load5, load15 = os.getloadavg()
    print(
        f"\nScale {args.scale:g} (seed {args.seed}): {held['counts']}; "
        f"load average {load1:.2f} {load5:.2f} {load15:.2f}; {os.cpu_count()} CPUs\n"
    )
    header = (
        f"{'scenario':44} {'median ms':>10} {'p95 ms':>10} {'bare med':>9} {'bare p95':>9} "
        f"{'ratio':>6} {'queries':>9} {'peak KiB':>16}  goals"
    )
    print(header)
    print("-" * len(header))
    missed = []
    for r in results:
        line, notes = _row(r)
        print(line)
        if notes:
            print(notes)
        missed += [f"{r.label}: {g.text} ({g.value})" for g in r.goals if not g.met]
    print("\nqueries and peak memory: real/baseline; ratio: p95 of the real over the baseline's")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "scale": args.scale,
                "seed": args.seed,
                "dataset": held,
                "load_average": [load1, load5, load15],
                "cpus": os.cpu_count(),
                "goals_enforced": not args.no_goals,
                "results": [r.as_json() for r in results],
                "missed": missed,
                "failures": failures,
            },
            indent=2,
            ensure_ascii=False,
            default=str,
        )
    )
    print(f"Results written to {args.json}")
    if failures:
        print("\nScenarios that failed to run:\n  " + "\n  ".join(failures))
        return 2
    if missed:
        print(f"\n{len(missed)} goal(s) missed:\n  " + "\n  ".join(missed))
        if args.no_goals:
            print("(not enforced: --no-goals)")
            return 0
        return 1
    print("\nEvery goal met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
