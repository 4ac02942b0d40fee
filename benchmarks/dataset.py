"""The benchmark's dataset: a national association's register, generated deterministically.

At scale 1: 100,000 people, one organization of 30,000 members and 19 smaller ones,
320,000 invoices and 129,000 payments — the size the goals in ``benchmarks/README.md``
are set for. Every figure is multiplied by the scale factor (the CI smoke run uses a tiny
one). The same seed and scale give the same rows.

Rows go in through PostgreSQL's ``COPY … FROM STDIN`` (psycopg 3's ``cursor.copy``), with
their ids given here so foreign keys need no round trip. They are valid: member numbers
unique per organization, invoice numbers without gaps and Finnish reference numbers
derived from them the way the invoices get theirs, IBANs with correct check digits,
payments against those references. What the services would add beside the rows (the
audit trail of each insert, mail) is left out: the benchmark measures reading and erasing
a register, not building one.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone
from stdnum import luhn
from stdnum.iso7064 import mod_97_10

from accounts.models import LoginEvent, User
from billing import numbers
from billing.models import Invoice, Payment
from organizations import services as organization_services
from organizations.models import BankAccount, Membership, Organization

DOMAIN = "benchmark.invalid"
"""Every generated address is here: a reserved domain that can never receive mail."""

TODAY = datetime.date(2026, 6, 1)
"""The generated history ends here, whatever day the benchmark runs."""

FULL = {"people": 100_000, "big": 30_000, "invoices": 320_000, "payments": 129_000}
ORGANIZATIONS = 20
VAT = Decimal("0.255")

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
CITIES = ["Helsinki", "Espoo", "Tampere", "Vantaa", "Oulu", "Turku", "Jyväskylä", "Vaasa"]


@functools.lru_cache(maxsize=200_000)
def iban(number: int, bank: str = "1") -> str:
    """A valid Finnish IBAN: a 14-digit BBAN (bank digit, account, Luhn digit) and the
    ISO 13616 check digits."""
    body = f"{bank}{number:012d}"
    bban = body + luhn.calc_check_digit(body)
    return "FI" + mod_97_10.calc_check_digits(bban + "FI") + bban


@dataclass
class Sizes:
    people: int
    big: int
    invoices: int
    payments: int
    admins: int  # the big organization's admins: the concurrent users of P6

    @classmethod
    def at(cls, scale: float, admins: int = 50) -> Sizes:
        people = max(ORGANIZATIONS * 4, round(FULL["people"] * scale))
        return cls(
            people=people,
            big=max(admins + 10, round(FULL["big"] * scale)),
            invoices=max(people, round(FULL["invoices"] * scale)),
            payments=max(people // 2, round(FULL["payments"] * scale)),
            admins=admins,
        )


@dataclass
class Dataset:
    """What the scenarios need to find in the generated data."""

    big: int
    organizations: list[int]
    admins: list[int]
    staff: int
    heavy: int
    counts: dict[str, int] = field(default_factory=dict)


# --- COPY -------------------------------------------------------------------------------------


def _next_ids(model: type[models.Model], count: int) -> int:
    """Reserve ``count`` ids from the table's sequence; returns the first."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute(
            "SELECT setval(%s, GREATEST((SELECT COALESCE(MAX(id), 0) FROM "  # noqa: S608
            + connection.ops.quote_name(table)
            + "), nextval(%s)) + %s)",
            [sequence, sequence, count],
        )
        last = cursor.fetchone()[0]
    return last - count + 1


def copy_rows(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY ``rows`` (values for the fields ``names``, in that order) into ``model``'s
    table; every other column gets its field's default, prepared once."""
    now = timezone.now()
    given = set(names)
    fields = [f for f in model._meta.concrete_fields if f.name in given]
    fields.sort(key=lambda f: names.index(f.name))
    rest = []
    for f in model._meta.concrete_fields:
        if f.name in given or f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        else:
            value = f.get_default()
        if value is None and not f.null:
            raise ValueError(f"{model.__name__}.{f.name} needs a value")
        rest.append((f, f.get_db_prep_save(value, connection)))
    columns = [f.column for f in fields] + [f.column for f, _ in rest]
    tail = tuple(value for _, value in rest)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({quoted}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row((*row, *tail))
                count += 1
    return count


@contextlib.contextmanager
def gin_indexes_deferred(*models_: type[models.Model]):
    """Drop the tables' GIN indexes (trigram search) for the load and build them again
    after it: one index build is far cheaper than a GIN update per row."""
    tables = [m._meta.db_table for m in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = ANY(%s) AND indexdef ILIKE %s",
            [tables, "%USING gin%"],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        # The deferred foreign-key checks of the load first: an index cannot be built on a
        # table with pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for _name, definition in indexes:
            cursor.execute(definition)


# --- People -----------------------------------------------------------------------------------


def _person(i: int) -> dict:
    first = FIRST_NAMES[i % len(FIRST_NAMES)]
    # Spread over 200 surnames, unevenly, like a real register.
    stem = SURNAME_STEMS[(i * 7) % len(SURNAME_STEMS)]
    last = stem + SURNAME_ENDINGS[(i // 3 + i % 7) % len(SURNAME_ENDINGS)]
    local = f"{first}.{last}".lower().translate(str.maketrans("äöå", "aoa"))
    return {
        "email": f"{local}.{i:06d}@{DOMAIN}",
        "first_name": first,
        "last_name": last,
        "street_address": f"Lentokentäntie {i % 150 + 1}",
        "postal_code": f"{i % 99_999:05d}",
        "city": CITIES[i % len(CITIES)],
        "phone": f"+35840{i:07d}",
        "date_of_birth": datetime.date(1950, 1, 1) + datetime.timedelta(days=i % 20_000),
    }


USER_FIELDS = (
    "id", "password", "email", "first_name", "last_name", "street_address", "postal_code",
    "city", "phone", "date_of_birth", "date_joined", "is_active",
)  # fmt: skip


def _user_row(user_id: int, person: dict, password: str, joined: datetime.datetime) -> tuple:
    return (
        user_id,
        password,
        person["email"],
        person["first_name"],
        person["last_name"],
        person["street_address"],
        person["postal_code"],
        person["city"],
        person["phone"],
        person["date_of_birth"],
        joined,
        True,
    )


_MEMBERSHIP_SOURCE = Membership._meta.get_field("source").get_default()
MEMBERSHIP_FIELDS = (
    "id", "organization", "user", "member_number", "status", "role", "joined_on", "ended_on",
    "name", "email", "sort_name", "search_text", "source", "created_at",
)  # fmt: skip


def _membership_row(
    membership_id: int, organization_id: int, user_id: int, number: int, person: dict, i: int
) -> tuple:
    ended = i % 20 == 0
    # The service's own derivation of the search columns, on a stand-in: building model
    # instances took most of the time here.
    m = SimpleNamespace(
        name=f"{person['first_name']} {person['last_name']}",
        email=person["email"],
        member_number=f"{number:06d}",
        user=SimpleNamespace(first_name=person["first_name"], last_name=person["last_name"]),
    )
    organization_services._search_fields(m)
    joined = datetime.date(1990, 1, 1) + datetime.timedelta(days=i % 12_000)
    return (
        membership_id,
        organization_id,
        user_id,
        m.member_number,
        Membership.Status.ENDED if ended else Membership.Status.ACTIVE,
        Membership.Role.MEMBER,
        joined,
        datetime.date(2024, 12, 31) if ended else None,
        m.name,
        m.email,
        m.sort_name,
        m.search_text,
        _MEMBERSHIP_SOURCE,
        _aware(joined),
    )


# --- Invoices and payments -------------------------------------------------------------------

INVOICE_FIELDS = (
    "id", "organization", "membership", "number", "status", "issue_date", "due_date",
    "reference", "recipient_name", "recipient_address", "recipient_email", "iban", "bic",
    "total_net", "total_vat", "total", "paid_amount", "sent_at", "retain_until", "created_at",
)  # fmt: skip
PAYMENT_FIELDS = (
    "id", "organization", "invoice", "amount", "paid_on", "reference", "payer_name",
    "payer_iban", "source", "message", "bank_entry_reference", "matched_at", "retain_until",
    "created_at",
)  # fmt: skip


def _retain_until(day: datetime.date) -> datetime.date:
    # The Accounting Act: vouchers six years after the end of the financial year.
    return datetime.date(day.year + 6, 12, 31)


def _aware(day: datetime.date) -> datetime.datetime:
    # Nine in the morning, UTC: fixed, and without a time zone lookup per row.
    return datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)


class _Billing:
    """Invoices and their payments, numbered per organization."""

    def __init__(self, rng: random.Random, orgs: dict[int, str], next_number: dict[int, int]):
        self.rng = rng
        self.orgs = orgs  # organization id -> its IBAN
        self.next_number = next_number
        self.invoices: list[tuple] = []
        self.payments: list[tuple] = []
        self.invoice_id = 0
        self.payment_id = 0

    def invoice(
        self, organization_id: int, membership_id: int, person: dict, payer: int, paid: bool
    ) -> None:
        rng = self.rng
        number = self.next_number[organization_id]
        self.next_number[organization_id] = number + 1
        issue = TODAY - datetime.timedelta(days=rng.randrange(5 * 365))
        due = issue + datetime.timedelta(days=14)
        net = Decimal(rng.randrange(2000, 50000)) / 100
        vat = (net * VAT).quantize(Decimal("0.01"))
        total = net + vat
        reference = numbers.reference_for_invoice(
            organization_id=organization_id, invoice_number=number
        )
        partial = paid and rng.random() < 0.03
        if paid:
            status = Invoice.Status.PARTIALLY_PAID if partial else Invoice.Status.PAID
        else:
            status = (
                Invoice.Status.OVERDUE
                if due < TODAY - datetime.timedelta(days=30) and (rng.random() < 0.25)
                else Invoice.Status.SENT
            )
        amount = (total / 2).quantize(Decimal("0.01")) if partial else total
        name = f"{person['first_name']} {person['last_name']}"
        self.invoice_id += 1
        invoice_id = self.invoice_id
        self.invoices.append(
            (
                invoice_id,
                organization_id,
                membership_id,
                number,
                status,
                issue,
                due,
                reference,
                name,
                f"{person['street_address']}\n{person['postal_code']} {person['city']}",
                person["email"],
                self.orgs[organization_id],
                "NDEAFIHH",
                net,
                vat,
                total,
                amount if paid else Decimal("0.00"),
                _aware(issue),
                _retain_until(issue),
                _aware(issue),
            )
        )
        if paid:
            paid_on = issue + datetime.timedelta(days=rng.randrange(20))
            self._payment(organization_id, invoice_id, amount, paid_on, reference, name, payer)

    def unmatched(self, organization_id: int, person: dict, payer: int, serial: int) -> None:
        paid_on = TODAY - datetime.timedelta(days=self.rng.randrange(5 * 365))
        amount = Decimal(self.rng.randrange(1000, 30000)) / 100
        # A reference no invoice has: the series' base starts with 9, the invoices' with 1.
        reference = numbers.reference_create(f"9{serial:06d}")
        name = f"{person['first_name']} {person['last_name']}"
        self._payment(organization_id, None, amount, paid_on, reference, name, payer)

    def _payment(self, organization_id, invoice_id, amount, paid_on, reference, name, payer):
        self.payment_id += 1
        self.payments.append(
            (
                self.payment_id,
                organization_id,
                invoice_id,
                amount,
                paid_on,
                reference,
                name,
                iban(payer, bank="5"),
                Payment.Source.BANK_FILE,
                "",
                "",  # the bank's entry id, given in write()
                _aware(paid_on) if invoice_id else None,
                _retain_until(paid_on),
                _aware(paid_on),
            )
        )

    def write(self) -> tuple[int, int]:
        first_invoice = _next_ids(Invoice, len(self.invoices))
        first_payment = _next_ids(Payment, len(self.payments))
        shift_i, shift_p = first_invoice - 1, first_payment - 1
        invoices = copy_rows(
            Invoice, INVOICE_FIELDS, ((r[0] + shift_i, *r[1:]) for r in self.invoices)
        )
        payments = copy_rows(
            Payment,
            PAYMENT_FIELDS,
            (
                (
                    r[0] + shift_p,
                    r[1],
                    None if r[2] is None else r[2] + shift_i,
                    *r[3:10],
                    # The bank's entry id, unique per organization as the bank's are.
                    f"BENCH-{r[1]}-{r[0] + shift_p}",
                    *r[11:],
                )
                for r in self.payments
            ),
        )
        return invoices, payments


def _next_numbers(organization_ids: Iterable[int]) -> dict[int, int]:
    found = dict(
        Invoice.objects.filter(organization_id__in=list(organization_ids))
        .values("organization")
        .annotate(top=models.Max("number"))
        .values_list("organization", "top")
    )
    return {pk: (found.get(pk) or 0) + 1 for pk in organization_ids}


# --- The whole dataset ------------------------------------------------------------------------


@transaction.atomic
def generate(*, scale: float, seed: int, admins: int, person_rows: int, log=print) -> Dataset:
    """Generate the dataset into an empty (migrated) database."""
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    started = time.perf_counter()

    def step(text: str) -> None:
        log(f"  {text} ({time.perf_counter() - started:.0f} s)")

    sizes = Sizes.at(scale, admins=admins)
    people = [_person(i) for i in range(sizes.people)]
    with gin_indexes_deferred(User, Membership):
        dataset = _generate(rng, sizes, people, admins, step)
    step("search indexes")
    staff = _staff()
    heavy = make_person(rows=person_rows, tag="access", seed=seed)
    step(f"staff, a person with {person_rows:,} rows")
    dataset.staff, dataset.heavy = staff.pk, heavy
    return dataset


def _generate(rng: random.Random, sizes: Sizes, people: list[dict], admins: int, step):
    password = make_password(None)  # unusable: nobody signs in as them
    joined = _aware(datetime.date(2020, 1, 1))

    first_user = _next_ids(User, sizes.people)
    copy_rows(
        User,
        USER_FIELDS,
        (_user_row(first_user + i, p, password, joined) for i, p in enumerate(people)),
    )
    step(f"{sizes.people:,} people")

    # Organizations through the service (a handful): their first admin, rights and history
    # as the service makes them. The first admin of each is its first generated person.
    rest = sizes.people - sizes.big
    small = [rest * k // (ORGANIZATIONS - 1) for k in range(ORGANIZATIONS)]
    starts = [0, sizes.big, *(sizes.big + s for s in small[1:-1])]
    ends = [sizes.big, *(sizes.big + s for s in small[1:])]
    organizations = []
    for k, start in enumerate(starts):
        admin = User.objects.get(pk=first_user + start)
        organization = organization_services.organization_create(
            data={
                "name": "Suomen Ilmailuliitto (benchmark)" if k == 0 else f"Lentokerho {k:02d}",
                "kind": Organization.Kind.OTHER,
            },
            first_admin=admin,
            actor=admin,
        )
        BankAccount.objects.create(
            organization=organization, iban=iban(1_000 + k), bic="NDEAFIHH", is_primary=True
        )
        organizations.append(organization)
    org_ibans = {o.pk: iban(1_000 + k) for k, o in enumerate(organizations)}
    step(f"{len(organizations)} organizations")

    # Memberships: each person in one organization; the first of each is its admin (made
    # by the service above), the rest come here.
    admin_memberships = dict(
        Membership.objects.filter(organization__in=organizations).values_list("organization", "id")
    )
    owner: list[tuple[int, int, int]] = []  # per person: organization, membership, number
    rows = []
    first_membership = _next_ids(Membership, sizes.people)
    for organization, start, end in zip(organizations, starts, ends, strict=True):
        owner.append((organization.pk, admin_memberships[organization.pk], 1))
        for i in range(start + 1, end):
            number = i - start + 1
            membership_id = first_membership + i
            rows.append(
                _membership_row(
                    membership_id, organization.pk, first_user + i, number, people[i], i
                )
            )
            owner.append((organization.pk, membership_id, number))
    Membership.objects.filter(pk__in=admin_memberships.values()).update(member_number="000001")
    copy_rows(Membership, MEMBERSHIP_FIELDS, rows)
    step(f"{sizes.people:,} memberships, {sizes.big:,} in the largest organization")

    # The big organization's other admins: the signed-in users of the concurrent run.
    big = organizations[0]
    admin_ids = [first_user]
    for i in range(1, sizes.big):
        if len(admin_ids) >= admins:
            break
        if i % 20 == 0:  # an ended membership
            continue
        membership = Membership.objects.get(pk=owner[i][1])
        organization_services.membership_admin_grant(
            membership=membership, actor=User.objects.get(pk=first_user)
        )
        admin_ids.append(first_user + i)

    step(f"{len(admin_ids)} admins")

    # Invoices spread over the members; about 38 % paid (one payment each), the rest of the
    # payments matched no invoice.
    billing = _Billing(rng, org_ibans, {o.pk: 1 for o in organizations})
    paid_share = min(1.0, (sizes.payments * 0.94) / sizes.invoices)
    for _ in range(sizes.invoices):
        i = rng.randrange(sizes.people)
        organization_id, membership_id, _number = owner[i]
        billing.invoice(organization_id, membership_id, people[i], i, rng.random() < paid_share)
    serial = 0
    while len(billing.payments) < sizes.payments:
        serial += 1
        i = rng.randrange(sizes.people)
        billing.unmatched(owner[i][0], people[rng.randrange(sizes.people)], i, serial)
    step("invoice and payment rows built")
    invoices, payments = billing.write()
    step(f"{invoices:,} invoices, {payments:,} payments")
    requests, bans = _privacy(rng, sizes, first_user)
    step(f"{requests:,} data-subject requests, {bans:,} marketing bans")

    return Dataset(
        big=big.pk,
        organizations=[o.pk for o in organizations],
        admins=admin_ids,
        staff=0,
        heavy=0,
        counts={
            "people": sizes.people + 2,
            "big_organization_members": sizes.big,
            "invoices": invoices,
            "payments": payments,
            "requests": requests,
        },
    )


def _privacy(rng: random.Random, sizes: Sizes, first_user: int) -> tuple[int, int]:
    """The controller's side of two years: a request per 20 people (answered in 1 to 40
    days, some extended, the last ones still open) with their steps, and a marketing ban
    per 25 people. What the controller's statistics read."""
    from gdpr.models import DataSubjectRequest, MarketingBan, RequestEvent, RequestKind
    from gdpr.models import RequestStatus as Status

    kinds = [RequestKind.ACCESS] * 5 + [RequestKind.ERASURE] * 3 + list(RequestKind.values)
    start = _aware(TODAY - datetime.timedelta(days=730))
    requests, steps = [], []
    for _ in range(sizes.people // 20):
        received = start + datetime.timedelta(minutes=rng.randrange(730 * 24 * 60))
        kind = rng.choice(kinds)
        extended = rng.random() < 0.06
        days = rng.randint(1, 70 if extended else 40)
        answered = received + datetime.timedelta(days=days)
        done = answered.date() < TODAY
        due = received.date() + datetime.timedelta(days=30)
        requests.append(
            DataSubjectRequest(
                kind=kind,
                status=(Status.COMPLETED if rng.random() < 0.95 else Status.REFUSED)
                if done
                else Status.IN_PROGRESS,
                subject_id=first_user + rng.randrange(sizes.people),
                received_at=received,
                due_on=due,
                extended_due_on=due + datetime.timedelta(days=60) if extended else None,
                responded_at=answered if done else None,
                closed_at=answered if done else None,
            )
        )
        steps.append((received, extended, answered if done else None, kind))
    made = DataSubjectRequest.objects.bulk_create(requests, batch_size=2000)
    events = []
    for request, (received, extended, answered, kind) in zip(made, steps, strict=True):
        events.append(RequestEvent(request=request, at=received, action="received"))
        if extended:
            at = received + datetime.timedelta(days=20)
            events.append(RequestEvent(request=request, at=at, action="extended"))
        if answered is not None and kind == RequestKind.ACCESS:
            events.append(RequestEvent(request=request, at=answered, action="export_ready"))
        if answered is not None and kind == RequestKind.ERASURE:
            events.append(RequestEvent(request=request, at=answered, action="erasure_executed"))
    RequestEvent.objects.bulk_create(events, batch_size=5000)
    channels = ["email", "post", "phone", "sms"]
    bans = [
        MarketingBan(
            user_id=first_user + i,
            channel=channels[i % 4],
            banned_at=start + datetime.timedelta(minutes=rng.randrange(730 * 24 * 60)),
        )
        for i in range(0, sizes.people, 25)
    ]
    MarketingBan.objects.bulk_create(bans, batch_size=5000)
    return len(made), len(bans)


def _staff() -> User:
    """The controller's staff: a second factor first, then staff rights (the admin's rule)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.services import user_grant_staff

    user = User.objects.create_user(
        email=f"staff@{DOMAIN}", first_name="Benchmark", last_name="Staff"
    )
    TOTP.activate(user, generate_totp_secret())
    user_grant_staff(user=user, actor=None, superuser=True)
    return user


@transaction.atomic
def make_person(*, rows: int, tag: str, seed: int, organizations: int | None = None) -> int:
    """A person with about ``rows`` rows of their own: memberships in several organizations,
    invoices (most paid), their payments and sign-in history. Returns the user's id.

    The share of each kind stays the same at every size, so two such people differ only in
    how many rows they have (P5 compares them). ``organizations``: in how many (by default
    one per 50 rows, at most 20)."""
    rng = random.Random(f"{seed}-{tag}-{rows}")  # noqa: S311 - reproducible data
    serial = User.objects.filter(email__startswith=f"{tag}.").count()
    person = _person(900_000 + rows + serial)
    person["email"] = f"{tag}.{rows}.{serial}@{DOMAIN}"
    user = User.objects.create_user(
        email=person["email"],
        first_name=person["first_name"],
        last_name=person["last_name"],
        street_address=person["street_address"],
        postal_code=person["postal_code"],
        city=person["city"],
        phone=person["phone"],
        date_of_birth=person["date_of_birth"],
    )
    if organizations is None:
        organizations = max(1, min(ORGANIZATIONS, rows // 50))
    chosen = list(Organization.objects.order_by("pk")[:organizations])
    memberships = []
    for organization in chosen:
        top = (
            Membership.objects.filter(organization=organization).aggregate(
                top=models.Max("member_number")
            )["top"]
            or "0"
        )
        membership = Membership(
            organization=organization,
            user=user,
            member_number=f"{int(top) + 1:06d}",
            status=Membership.Status.ACTIVE,
            joined_on=datetime.date(2015, 3, 1),
            name=f"{person['first_name']} {person['last_name']}",
            email=person["email"],
        )
        organization_services._search_fields(membership)
        memberships.append(membership)
    Membership.objects.bulk_create(memberships)

    ibans = dict(BankAccount.objects.filter(is_primary=True).values_list("organization", "iban"))
    billing = _Billing(rng, ibans, _next_numbers([o.pk for o in chosen]))
    invoices = max(1, rows * 56 // 100)
    for n in range(invoices):
        membership = memberships[n % len(memberships)]
        billing.invoice(membership.organization_id, membership.pk, person, 900_000, n % 10 < 7)
    billing.write()
    logins = max(1, rows - len(memberships) - len(billing.invoices) - len(billing.payments))
    copy_rows(
        LoginEvent,
        ("user", "occurred_at", "outcome", "ip_address", "user_agent"),
        (
            (
                user.pk,
                _aware(TODAY - datetime.timedelta(days=n)),
                LoginEvent.Outcome.values[0],
                "192.0.2.10",
                "Mozilla/5.0 (benchmark)",
            )
            for n in range(logins)
        ),
    )
    return user.pk


def analyze() -> None:
    """What autovacuum does to a register in use: statistics, and the GIN indexes' pending
    lists merged (the planner prices a long pending list as a full scan)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
