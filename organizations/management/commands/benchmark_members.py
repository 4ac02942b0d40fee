"""Time the member register at scale: list pages, searches and the CSV export.

Creates (or reuses) one clearly named organization whose members all have addresses at
``benchmark.invalid`` — a domain that can never receive mail — and requests the real pages
through Django's test client, as a signed-in admin of that organization. ``--cleanup``
removes everything it created after the run; ``--remove`` only removes. See
``benchmarks/README.md``.
"""

from __future__ import annotations

import datetime
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from organizations import selectors, services
from organizations.models import MemberDataView, MemberListExport, Membership, Organization

ORGANIZATION_NAME = "Benchmark organization (benchmark_members)"
DOMAIN = "benchmark.invalid"
ADMIN_EMAIL = f"admin@{DOMAIN}"
BATCH = 2000

FIRST_NAMES = [
    "Aino", "Mikko", "Elina", "Johan", "Sanna", "Pekka", "Helmi", "Eino", "Venla", "Juha",
    "Leena", "Timo", "Anna", "Matti", "Kaisa", "Ville", "Emma", "Oskari", "Sofia", "Lauri",
    "Ilona", "Antti", "Noora", "Jukka", "Erik", "Maja", "Tuomas", "Aada", "Kalle", "Linnea",
]  # fmt: skip
SURNAME_STEMS = [
    "Virta", "Korho", "Niemi", "Mäki", "Hämä", "Laine", "Heik", "Koski", "Järvi", "Lehto",
    "Salo", "Saari", "Kallio", "Turu", "Lind", "Holm", "Berg", "Ranta", "Harju", "Kivi",
]  # fmt: skip
SURNAME_ENDINGS = ["nen", "kinen", "lä", "la", "qvist", "ström", "mäki", "aho", "vaara", ""]


@dataclass
class Timing:
    label: str
    runs_ms: list[float]
    queries: int
    note: str = ""


class Command(BaseCommand):
    help = "Benchmark the member list, search and CSV export on a large generated register."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--members", type=int, default=20_000, help="default 20000")
        parser.add_argument("--per-page", type=int, default=50, choices=(25, 50, 100, 200))
        parser.add_argument("--deep-page", type=int, default=300, help="default 300")
        parser.add_argument(
            "--search",
            action="append",
            help="a search term; repeat for several (default: a surname and a member number)",
        )
        parser.add_argument("--repeat", type=int, default=5, help="runs per page (default 5)")
        parser.add_argument(
            "--cleanup", action="store_true", help="remove the benchmark data after the run"
        )
        parser.add_argument(
            "--remove", action="store_true", help="only remove the benchmark data, run nothing"
        )

    def handle(self, *args, **options) -> None:
        if options["remove"]:
            self._remove()
            return
        if options["members"] < 1 or options["repeat"] < 1:
            raise CommandError("--members and --repeat must be at least 1.")
        organization, admin = self._register(options["members"])
        try:
            self._run(organization, admin, options)
        finally:
            if options["cleanup"]:
                self._remove()
            else:
                self.stdout.write(
                    "\nThe benchmark data stays for the next run; remove it with "
                    "`manage.py benchmark_members --remove`."
                )

    # --- Data ------------------------------------------------------------------------------

    def _register(self, members: int) -> tuple[Organization, User]:
        organization = Organization.objects.filter(name=ORGANIZATION_NAME).first()
        if organization is not None and organization.memberships.count() == members + 1:
            self.stdout.write(f"Reusing {ORGANIZATION_NAME!r}: {members:,} members and an admin.")
            return organization, User.objects.get(email=ADMIN_EMAIL)
        if organization is not None or User.objects.filter(email__endswith=f"@{DOMAIN}").exists():
            self._remove()
        started = time.perf_counter()
        organization, admin = self._create(members)
        if connection.vendor == "postgresql":
            # What autovacuum does to a register in use: statistics, and the trigram index's
            # pending list merged (the planner prices a long pending list as a full scan).
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE organizations_membership, accounts_user")
        self.stdout.write(
            f"Created {ORGANIZATION_NAME!r} with {members:,} members "
            f"in {time.perf_counter() - started:.1f} s."
        )
        return organization, admin

    @transaction.atomic
    def _create(self, members: int) -> tuple[Organization, User]:
        admin = User.objects.create_user(
            email=ADMIN_EMAIL, first_name="Benchmark", last_name="Admin"
        )
        organization = services.organization_create(
            data={"name": ORGANIZATION_NAME, "kind": Organization.Kind.OTHER},
            first_admin=admin,
            actor=admin,
        )
        password = make_password(None)
        for start in range(0, members, BATCH):
            numbers = range(start, min(start + BATCH, members))
            users = User.objects.bulk_create([self._user(i, password) for i in numbers])
            memberships = []
            for i, user in zip(numbers, users, strict=True):
                membership = Membership(
                    organization=organization,
                    user=user,
                    member_number=f"B{i:06d}",
                    status=Membership.Status.ACTIVE if i % 20 else Membership.Status.ENDED,
                    joined_on=datetime.date(1990, 1, 1) + datetime.timedelta(days=i % 12_000),
                    ended_on=None if i % 20 else datetime.date(2024, 12, 31),
                    name=user.get_full_name(),
                    email=user.email,
                )
                services._search_fields(membership)  # the same fields the services fill
                memberships.append(membership)
            Membership.objects.bulk_create(memberships)
        return organization, admin

    @staticmethod
    def _user(i: int, password: str) -> User:
        first = FIRST_NAMES[i % len(FIRST_NAMES)]
        # Spread over 200 surnames, unevenly, like a real register.
        stem = SURNAME_STEMS[(i * 7) % len(SURNAME_STEMS)]
        last = stem + SURNAME_ENDINGS[(i // 3 + i % 7) % len(SURNAME_ENDINGS)]
        local = f"{first}.{last}".lower().translate(str.maketrans("äöå", "aoa"))
        return User(
            email=f"{local}.{i:06d}@{DOMAIN}",
            password=password,
            first_name=first,
            last_name=last,
            street_address=f"Lentokentäntie {i % 150 + 1}",
            postal_code=f"{i % 99_999:05d}",
            city="Helsinki",
            phone=f"+35840{i:07d}",
            date_of_birth=datetime.date(1950, 1, 1) + datetime.timedelta(days=i % 20_000),
        )

    def _remove(self) -> None:
        started = time.perf_counter()
        with transaction.atomic():
            deleted = 0
            organization = Organization.objects.filter(name=ORGANIZATION_NAME).first()
            if organization is not None:
                deleted += MemberDataView.objects.filter(organization=organization).delete()[0]
                deleted += MemberListExport.objects.filter(organization=organization).delete()[0]
                deleted += organization.delete()[0]  # memberships, admin rights, history
            users = User.objects.filter(email__endswith=f"@{DOMAIN}")
            if apps.is_installed("allauth.usersessions"):
                from allauth.usersessions.models import UserSession

                # Their sessions live in the session store, which has no foreign key.
                for session in UserSession.objects.filter(user__in=users):
                    session.end()
            deleted += users.delete()[0]
        if deleted:
            self.stdout.write(
                f"Removed the benchmark data ({deleted:,} rows) "
                f"in {time.perf_counter() - started:.1f} s."
            )
        else:
            self.stdout.write("No benchmark data to remove.")

    # --- Timings ---------------------------------------------------------------------------

    def _run(self, organization: Organization, admin: User, options) -> None:
        members, per_page = options["members"], options["per_page"]
        searches = options["search"] or [
            "mäkinen",  # a common surname
            f"B{members // 2:06d}",  # one member by number
        ]
        host = next(
            (h for h in settings.ALLOWED_HOSTS if h != "*" and not h.startswith(".")),
            "localhost",
        )
        client = Client(HTTP_HOST=host)
        client.force_login(admin)
        try:
            timings = self._timings(client, organization, searches, options)
        finally:
            client.logout()
        self._report(timings, organization, options["repeat"])
        for term in searches:
            self._explain(organization, term, per_page)

    def _timings(
        self, client: Client, organization: Organization, searches: list[str], options
    ) -> list[Timing]:
        members, per_page, repeat = options["members"], options["per_page"], options["repeat"]
        list_url = reverse("organizations:members", args=[organization.pk])
        export_url = reverse("organizations:members_export", args=[organization.pk])
        self._get(client, list_url)  # the first request also records the session

        pages = -(-(members + 1) // per_page)
        deep = min(options["deep_page"], pages)
        timings = [
            self._time(
                f"list, page 1 ({per_page} a page)",
                repeat,
                lambda: self._get(client, list_url, per_page=per_page),
            ),
            self._time(
                f"list, page {deep} of {pages}",
                repeat,
                lambda: self._get(client, list_url, per_page=per_page, page=deep),
            ),
        ]
        for term in searches:
            found = selectors.member_list(
                organization=organization, filters=selectors.MemberFilter(query=term)
            ).count()
            timing = self._time(
                f"search {term!r}",
                repeat,
                lambda term=term: self._get(client, list_url, q=term, per_page=per_page),
            )
            timing.note = f"{found:,} match{'es' if found != 1 else ''}"
            timings.append(timing)
        export_rows: list[int] = []
        timing = self._time(
            "CSV export (streamed)",
            min(repeat, 3),
            lambda: export_rows.append(self._export(client, export_url)),
        )
        timing.note = f"{export_rows[-1]:,} rows"
        timings.append(timing)
        return timings

    @staticmethod
    def _get(client: Client, url: str, **params) -> None:
        response = client.get(url, params, secure=True)
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}")

    @staticmethod
    def _export(client: Client, url: str) -> int:
        response = client.get(url, secure=True)
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}")
        lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
        return lines - 1  # the header

    @staticmethod
    def _time(label: str, repeat: int, request: Callable[[], object]) -> Timing:
        runs = []
        queries = 0
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                request()
                runs.append((time.perf_counter() - started) * 1000)
            queries = len(captured)
        return Timing(label, runs, queries)

    def _report(self, timings: list[Timing], organization: Organization, repeat: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version" if _is_pg() else "SELECT sqlite_version()")
            database = f"{connection.vendor} {cursor.fetchone()[0]}"
        self.stdout.write(
            f"\n{organization.memberships.count():,} memberships in {ORGANIZATION_NAME!r}; "
            f"{database}; DEBUG={settings.DEBUG}; {repeat} runs each (export: up to 3).\n"
        )
        self.stdout.write(f"{'':34} {'median':>10} {'min':>10} {'max':>10} {'queries':>8}  notes")
        for t in timings:
            self.stdout.write(
                f"{t.label:34} {statistics.median(t.runs_ms):8.1f}ms {min(t.runs_ms):8.1f}ms "
                f"{max(t.runs_ms):8.1f}ms {t.queries:8}  {t.note}"
            )

    def _explain(self, organization: Organization, term: str, per_page: int) -> None:
        page = selectors.member_list(
            organization=organization, filters=selectors.MemberFilter(query=term)
        )[:per_page]
        options = {"analyze": True, "buffers": True} if _is_pg() else {}
        plan = page.explain(**options)
        if _is_pg():
            used = "membership_search_trgm_idx" in plan
            index = f"trigram index used: {'yes' if used else 'no'}"
        else:
            index = "no trigram index on SQLite"
        self.stdout.write(
            f"\nEXPLAIN{' ANALYZE' if options else ''} of the search {term!r}, first page "
            f"as the list runs it ({index}):"
        )
        self.stdout.write(plan)


def _is_pg() -> bool:
    return connection.vendor == "postgresql"
