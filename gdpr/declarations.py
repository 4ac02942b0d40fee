"""The one register of personal data: what the project holds about people, why, on which
legal basis, for how long, from where, who sees it and how it is erased.

Export (Art. 15/20), erasure (Art. 17) and the privacy notice (Art. 13/14, 30) all read it.
Each app declares its own models in ``<app>/personal_data.py`` (imported from its
``AppConfig.ready()``); this module imports no app, so nothing points both ways.
Every field of every registered model is classified as personal or not personal, and a
test walks all models so a new field cannot slip in unclassified.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gdpr.models.unlinked import AttachedRecord

if TYPE_CHECKING:
    from accounts.models import User

LazyText = str | Promise


class LegalBasis(models.TextChoices):
    """Art. 6(1) GDPR; ``article`` gives the point for the notice and the access report."""

    CONSENT = "consent", _("Consent")
    CONTRACT = "contract", _("Performance of a contract")
    LEGAL_OBLIGATION = "legal_obligation", _("Compliance with a legal obligation")
    VITAL_INTERESTS = "vital_interests", _("Vital interests")
    PUBLIC_TASK = "public_task", _("Public interest or official authority")
    LEGITIMATE_INTERESTS = "legitimate_interests", _("Legitimate interests")

    @property
    def article(self) -> str:
        return _ARTICLES[self]


_ARTICLES: dict[str, str] = {
    LegalBasis.CONSENT: "Art. 6(1)(a)",
    LegalBasis.CONTRACT: "Art. 6(1)(b)",
    LegalBasis.LEGAL_OBLIGATION: "Art. 6(1)(c)",
    LegalBasis.VITAL_INTERESTS: "Art. 6(1)(d)",
    LegalBasis.PUBLIC_TASK: "Art. 6(1)(e)",
    LegalBasis.LEGITIMATE_INTERESTS: "Art. 6(1)(f)",
}


class Purpose(models.TextChoices):
    """The purposes the privacy notices name (seeds/README.md)."""

    CUSTOMER_RELATIONSHIP = (
        "customer_relationship",
        _("Running and developing the customer relationship"),
    )
    SERVICE = "service", _("Delivering the service")
    MEMBER_REGISTER = "member_register", _("Keeping the organization's member register")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    VERIFY_TRANSACTIONS = "verify_transactions", _("Verifying customer transactions")
    INVOICING = "invoicing", _("Invoicing and debt collection")
    ACCOUNTING = "accounting", _("Bookkeeping required by the Accounting Act")
    SECURITY = "security", _("Keeping the service and the accounts secure")
    ACCOUNTABILITY = "accountability", _("Showing compliance with data protection law")
    MARKETING = "marketing", _("Marketing, including direct marketing")
    ANALYSIS = "analysis", _("Analysis, statistics and business development")


class Recipient(models.TextChoices):
    """Who the data is disclosed to (Art. 13(1)(e), 15(1)(c))."""

    ORGANIZATION_ADMINS = (
        "organization_admins",
        _("Admins of the organizations the person is a member of"),
    )
    CONTROLLER_STAFF = "controller_staff", _("The controller's staff whose work requires it")
    COLLECTION_AGENCY = (
        "collection_agency",
        _("A debt-collection agency, when an invoice is handed over for collection"),
    )
    AUTHORITIES = "authorities", _("Authorities, when the law requires it")


class SubjectKind(models.TextChoices):
    """Categories of data subjects (Art. 30(1)(c))."""

    USERS = "users", _("Users of the service and members of the organizations")
    CONTACT_PERSONS = "contact_persons", _("Contact persons of organizations")
    ORGANIZATION_ADMINS = "organization_admins", _("Admins of organizations")
    CONTROLLER_STAFF = "controller_staff", _("The controller's staff")


class RetentionKind(models.TextChoices):
    """How long, in a form code can act on (the label is the notice's wording)."""

    WHILE_ACCOUNT_EXISTS = "while_account_exists", _("While the user account exists")
    DAYS = "days", _("A fixed number of days")
    RETAIN_UNTIL = "retain_until", _("Accounting voucher: until its retain-until date")
    UNTIL_MEMBERSHIP_ENDS = "until_membership_ends", _("Until the membership ends")
    WHILE_CONTACT_PERSON = (
        "while_contact_person",
        _("While the person is the organization's contact person"),
    )
    WHILE_SESSION_ACTIVE = "while_session_active", _("While the session is active")
    WITH_RECORD = "with_record", _("As long as the record it belongs to")


@dataclass(frozen=True)
class Retention:
    """How long, as code acts on it and as the notice says it. ``text`` may name the
    numbers the retention jobs really use, as ``{days}`` and ``{placeholders}`` filled from
    settings, so the notice changes when an operator changes a period."""

    kind: RetentionKind
    text: LazyText
    # For DAYS: the number of days, or the name of the setting that holds it.
    days: int | None = None
    days_setting: str = ""
    # Other numbers the text names: (placeholder, setting name) pairs.
    numbers: tuple[tuple[str, str], ...] = ()

    def resolved_days(self) -> int | None:
        if self.days is None and self.days_setting:
            return getattr(settings, self.days_setting)
        return self.days

    def values(self) -> dict[str, int]:
        values = {name: getattr(settings, setting) for name, setting in self.numbers}
        days = self.resolved_days()
        if days is not None:
            values["days"] = days
        return values

    def describe(self) -> str:
        """The text in the active language, with the periods in force filled in."""
        values = self.values()
        return str(self.text).format(**values) if values else str(self.text)


@dataclass(frozen=True)
class Category:
    key: str
    label: LazyText
    purposes: tuple[Purpose, ...]
    legal_basis: LegalBasis
    retention: Retention
    # accounts.sources.DataSource values (not imported: the registry imports no app).
    sources: tuple[str, ...]
    recipients: tuple[Recipient, ...]
    description: LazyText = ""
    subjects: tuple[SubjectKind, ...] = (SubjectKind.USERS,)


class ErasureStrategy(enum.StrEnum):
    DELETE = "delete"
    ANONYMISE = "anonymise"
    KEEP_UNTIL = "keep_until"
    # Kept for as long as it serves its basis, holding nothing readable (e.g. the keyed
    # hash that keeps an erased person's marketing ban in force).
    KEEP = "keep"
    # The model holds nothing about people (e.g. products); erasure leaves it alone.
    NONE = "none"


@dataclass(frozen=True)
class Erasure:
    strategy: ErasureStrategy
    # ANONYMISE: the fields to blank (or null).
    fields: tuple[str, ...] = ()
    # KEEP_UNTIL: the date field (a lookup path, e.g. "invoice__retain_until") and why.
    date_field: str = ""
    basis: LazyText = ""

    def __post_init__(self) -> None:
        if self.strategy is ErasureStrategy.ANONYMISE and not self.fields:
            raise ValueError("ANONYMISE needs the fields to blank")
        if self.strategy is ErasureStrategy.KEEP_UNTIL and not (self.date_field and self.basis):
            raise ValueError("KEEP_UNTIL needs a date field and a legal basis")
        if self.strategy is ErasureStrategy.KEEP and not self.basis:
            raise ValueError("KEEP needs a legal basis")

    @classmethod
    def delete(cls) -> Erasure:
        return cls(ErasureStrategy.DELETE)

    @classmethod
    def anonymise(cls, *fields: str) -> Erasure:
        return cls(ErasureStrategy.ANONYMISE, fields=fields)

    @classmethod
    def keep_until(cls, date_field: str, basis: LazyText) -> Erasure:
        return cls(ErasureStrategy.KEEP_UNTIL, date_field=date_field, basis=basis)

    @classmethod
    def keep(cls, basis: LazyText) -> Erasure:
        return cls(ErasureStrategy.KEEP, basis=basis)

    @classmethod
    def none(cls) -> Erasure:
        return cls(ErasureStrategy.NONE)


class Identifier(enum.StrEnum):
    """What kind of value a field holds that names its person wherever it is written: how
    the erasure finds it in free text (a phone in any of its formats, an IBAN with or
    without spaces, a birth date written the Finnish way)."""

    NAME = "name"
    EMAIL = "email"
    PHONE = "phone"
    STREET = "street"
    POSTAL_CODE = "postal_code"
    CITY = "city"
    IBAN = "iban"
    DATE = "date"
    NUMBER = "number"  # a member or customer number


PersonLookup = str | tuple[str, ...] | Callable[["User"], QuerySet] | None


@dataclass(frozen=True, eq=False)
class ModelEntry:
    model: type[models.Model]
    # How to find a person's rows: a lookup path to the user ("user", "membership__user"),
    # several paths (any of them matches), a callable, or None when no row is about a person.
    person: PersonLookup
    # field name → Category.key
    personal: Mapping[str, str]
    # Every other field, named on purpose: nothing is left unclassified.
    not_personal: frozenset[str]
    erasure: Erasure
    # Personal but never shown in an export (password hashes, secrets, tokens).
    secrets: frozenset[str] = field(default_factory=frozenset)
    # Foreign keys naming the person who *did* something (recorded, changed, viewed), with
    # any copies of that person's name kept beside them. The rows belong to someone else;
    # erasing the actor nulls the key and blanks the copies, and leaves the row.
    actors: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    note: LazyText = ""
    # Names in the reader's language for a model another package owns, whose own names
    # are untranslated (allauth's sessions and authenticators): field → label, and the
    # record's name in singular and plural.
    labels: Mapping[str, LazyText] = field(default_factory=dict)
    verbose_name: LazyText = ""
    verbose_name_plural: LazyText = ""
    # False for a model whose rows are themselves the record of who did what and when (login
    # events, read logs, request steps) or hold nothing readable (keyed hashes): the audit
    # trail does not record them again, which would double every log line.
    audited: bool = True
    # Personal fields the audit trail leaves out: they change on their own all the time
    # (``last_login``) or only mirror another audited field (a derived sort key).
    audit_ignored: frozenset[str] = field(default_factory=frozenset)
    # Copies of an actor's data (named in ``actors``) that the access export shows although
    # they name someone else: who has seen the person's data is a recipient of it
    # (Art. 15(1)(c)).
    disclosed_actor_copies: frozenset[str] = field(default_factory=frozenset)
    # Fields whose values name the row's person in any text written about them (their
    # phone, member number, city): erasing the person redacts these values from the free
    # texts kept after it. The values gdpr redacts are only what the apps declare here.
    identifying: Mapping[str, Identifier] = field(default_factory=dict)
    # The rows whose identifying values the person has not shown to be theirs (an
    # unverified address may be someone else's): redacted from the person's own texts only,
    # never from other people's.
    unproven: Q | None = None
    # Fields of prose written by people (notes, answers, change lists) that may name
    # anyone: erasure redacts the erased person's values from them in the rows it keeps,
    # and their addresses, phone numbers, IBANs and full names in every row.
    free_text: frozenset[str] = field(default_factory=frozenset)

    @property
    def label(self) -> str:
        return self.model._meta.label

    def field_label(self, name: str) -> LazyText:
        if name in self.labels:
            return self.labels[name]
        return getattr(self.model._meta.get_field(name), "verbose_name", name)

    def record_name(self, *, plural: bool = False) -> LazyText:
        opts = self.model._meta
        if plural:
            return self.verbose_name_plural or opts.verbose_name_plural
        return self.verbose_name or opts.verbose_name

    def rows_for(self, user: User) -> QuerySet:
        """The rows of this model about ``user``: those its lookup finds and, for a
        searchable model, those the controller attached to one of the person's requests."""
        manager = self.model._default_manager
        if self.person is None:
            return manager.none()
        attached = _attached_condition(self.model, user)
        if callable(self.person):
            rows = self.person(user)
            if attached is None:
                return rows
            return manager.filter(Q(pk__in=rows.values("pk")) | attached)
        paths = (self.person,) if isinstance(self.person, str) else self.person
        condition = Q()
        for path in paths:
            condition |= Q(**{path: user})
        if attached is not None:
            condition |= attached
        return manager.filter(condition).distinct()

    def rows_acted_by(self, user: User) -> QuerySet:
        """The rows of this model where ``user`` is named as the actor."""
        manager = self.model._default_manager
        if not self.actors:
            return manager.none()
        condition = Q()
        for name in self.actors:
            condition |= Q(**{name: user})
        return manager.filter(condition)

    def subject_fields(self) -> set[str]:
        """Personal fields about the person the row is about (not its actors)."""
        actor_fields = set(self.actors)
        for copies in self.actors.values():
            actor_fields.update(copies)
        return set(self.personal) - actor_fields

    def categories(self) -> set[str]:
        return set(self.personal.values())


@dataclass(frozen=True)
class SearchableField:
    """A field (or a lookup path, e.g. ``membership__email``) that may hold a person's
    ``kind`` of value: whole, or among other words (a summary of a call)."""

    field: str
    kind: Identifier


def _describe(obj: models.Model) -> str:
    return str(obj)


@dataclass(frozen=True, eq=False)
class Searchable:
    """A model whose rows may name a person no key of theirs points at (a payment that
    matched no invoice, a call logged before the caller had an account): the controller
    searches its ``fields`` for the person's values and attaches what it finds to their
    request, and from then on the rows count among the person's (``ModelEntry.rows_for``).
    The model must also be registered with a ``ModelEntry``, which says how its rows are
    exported and erased."""

    model: type[models.Model]
    fields: tuple[SearchableField, ...]
    # One line naming the row for the handler ("payment 12.3.2026, 50.00, payer …").
    describe: Callable[[models.Model], str] = _describe
    # Relations ``describe`` reads, fetched with the rows (no query per row).
    select_related: tuple[str, ...] = ()
    # Only the rows that may belong to nobody (e.g. a membership with no account): None
    # searches them all.
    scope: Q | None = None

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


_categories: dict[str, Category] = {}
_models: dict[str, ModelEntry] = {}
_searchables: dict[str, Searchable] = {}
# Bumped on every change, so what is generated from the registry can be cached safely.
_generation = 0


def generation() -> int:
    return _generation


def _changed() -> None:
    global _generation
    _generation += 1


def register_category(category: Category) -> Category:
    """Add (or replace, by key) a category of personal data."""
    _categories[category.key] = category
    _changed()
    return category


def register_model(entry: ModelEntry) -> ModelEntry:
    """Add (or replace) the entry of a model."""
    _models[entry.model._meta.label_lower] = entry
    _changed()
    return entry


def unregister_model(model: type[models.Model]) -> None:
    _models.pop(model._meta.label_lower, None)
    _changed()


def register_searchable(searchable: Searchable) -> Searchable:
    """Add (or replace, by model) a model whose rows are searched for a person's values."""
    _searchables[searchable.label] = searchable
    _changed()
    return searchable


def unregister_searchable(model: type[models.Model]) -> None:
    _searchables.pop(model._meta.label_lower, None)
    _changed()


def searchables() -> list[Searchable]:
    return sorted(_searchables.values(), key=lambda s: s.label)


def searchable_for(model: type[models.Model]) -> Searchable | None:
    return _searchables.get(model._meta.concrete_model._meta.label_lower)


def identifying_values(
    user: User,
) -> tuple[list[tuple[Identifier, str]], list[tuple[Identifier, str]]]:
    """The person's values in every registered model that declares identifying fields (one
    query per such model), as (kind, value): those the person has shown to be theirs, and
    those they have not (``ModelEntry.unproven``, e.g. an address never verified). A value
    found both ways counts as unproven. A row's names together, in the order declared,
    are the person's full name too ("Aino" and "Virtanen" make "Aino Virtanen")."""
    proven: list[tuple[Identifier, str]] = []
    unproven: list[tuple[Identifier, str]] = []
    for entry in registered_models():
        if not entry.identifying or entry.person is None:
            continue
        rows = entry.rows_for(user)
        if entry.unproven is None:
            _collect(entry.identifying, rows, proven)
        else:
            _collect(entry.identifying, rows.exclude(entry.unproven), proven)
            _collect(entry.identifying, rows.filter(entry.unproven), unproven)
    doubtful = set(unproven)
    return [pair for pair in proven if pair not in doubtful], unproven


def _collect(
    identifying: Mapping[str, Identifier], rows: QuerySet, into: list[tuple[Identifier, str]]
) -> None:
    names = list(identifying)
    for row in rows.values_list(*names):
        found = [
            (identifying[name], _as_text(value)) for name, value in zip(names, row, strict=True)
        ]
        parts = [value.strip() for kind, value in found if kind == Identifier.NAME and value]
        if len(parts) > 1:
            found.append((Identifier.NAME, " ".join(parts)))
        into += found


def _as_text(value: object) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else str(value)


def person_values_for(user: User) -> dict[Identifier, set[str]]:
    """The values the person has shown to be theirs, by kind (not yet normalised): what
    the controller searches rows no key of theirs points at for. An address anyone could
    add to their account without proving it must not find its owner's rows."""
    found: dict[Identifier, set[str]] = {kind: set() for kind in Identifier}
    for kind, value in identifying_values(user)[0]:
        value = value.strip()
        # A first or last name alone would find every namesake: names are searched whole.
        if value and not (kind is Identifier.NAME and len(value.split()) < 2):
            found[kind].add(value)
    return found


def _attached_condition(model: type[models.Model], user: User) -> Q | None:
    """The rows of a searchable model attached to one of ``user``'s requests: a subquery,
    so the registry's lookups cost no query more (the erasure preview counts them all)."""
    if searchable_for(model) is None:
        return None
    opts = model._meta.concrete_model._meta
    attached = AttachedRecord.objects.filter(
        request__subject=user,
        content_type__app_label=opts.app_label,
        content_type__model=opts.model_name,
        object_id=Cast(OuterRef("pk"), CharField()),
    )
    return Q(Exists(attached))


def categories() -> list[Category]:
    return sorted(_categories.values(), key=lambda c: c.key)


def category(key: str) -> Category:
    return _categories[key]


def registered_models() -> list[ModelEntry]:
    return sorted(_models.values(), key=lambda e: e.model._meta.label_lower)


def entry_for(model: type[models.Model]) -> ModelEntry | None:
    return _models.get(model._meta.concrete_model._meta.label_lower)


def model_field_names(model: type[models.Model]) -> list[str]:
    """Fields stored for the model: concrete columns and many-to-many relations (their
    auto-created through tables are covered by the field itself)."""
    opts = model._meta
    names = [f.name for f in opts.concrete_fields]
    names += [f.name for f in opts.many_to_many]
    return names


def classification_problems(entry: ModelEntry) -> list[str]:
    """What is wrong with an entry, each as ``app.Model.field: reason``; empty when sound."""
    label = entry.label
    fields = set(model_field_names(entry.model))
    personal = set(entry.personal)
    problems = [
        f"{label}.{name}: neither personal nor listed as not personal"
        for name in model_field_names(entry.model)
        if name not in personal and name not in entry.not_personal
    ]
    problems += [
        f"{label}.{name}: classified both as personal and not personal"
        for name in sorted(personal & entry.not_personal)
    ]
    problems += [
        f"{label}.{name}: classified but the model has no such field"
        for name in sorted((personal | entry.not_personal) - fields)
    ]
    problems += [
        f"{label}.{name}: a secret must also be classified as personal"
        for name in sorted(entry.secrets - personal)
    ]
    problems += [
        f"{label}.{name}: anonymised on erasure but not a personal field"
        for name in entry.erasure.fields
        if name not in personal
    ]
    if entry.erasure.strategy is ErasureStrategy.KEEP_UNTIL and not _is_date_path(
        entry.model, entry.erasure.date_field
    ):
        problems.append(f"{label}.{entry.erasure.date_field}: KEEP_UNTIL needs a date field")
    for name, copies in entry.actors.items():
        if name not in personal:
            problems.append(f"{label}.{name}: an actor field must be classified as personal")
            continue
        target = entry.model._meta.get_field(name)
        if not (target.is_relation and target.null):
            problems.append(f"{label}.{name}: an actor field must be a nullable foreign key")
        problems += [
            f"{label}.{copy}: a copy of the actor's data must be classified as personal"
            for copy in copies
            if copy not in personal
        ]
    copies = {copy for names in entry.actors.values() for copy in names}
    problems += [
        f"{label}.{name}: disclosed as an actor's copy but not listed among the actors' copies"
        for name in sorted(entry.disclosed_actor_copies - copies)
    ]
    problems += [
        f"{label}.{name}: left out of the audit trail but not a personal field"
        for name in sorted(entry.audit_ignored - personal)
    ]
    problems += [
        f"{label}.{name}: labelled but the model has no such field"
        for name in sorted(set(entry.labels) - fields)
    ]
    problems += [
        f"{label}.{name}: identifying but not a personal field about the row's person"
        for name in sorted(set(entry.identifying) - entry.subject_fields())
    ]
    problems += [
        f"{label}.{name}: free text must be a personal text or JSON field"
        for name in sorted(entry.free_text)
        if name not in personal or not _is_text(entry.model, name)
    ]
    if entry.subject_fields() and entry.person is None:
        problems.append(f"{label}: has personal fields but no way to find a person's rows")
    return problems


def _is_date_path(model: type[models.Model], path: str) -> bool:
    *relations, last = path.split("__")
    try:
        for name in relations:
            model = model._meta.get_field(name).related_model
            if model is None:
                return False
        target = model._meta.get_field(last)
    except FieldDoesNotExist:
        return False
    return isinstance(target, models.DateField)


def _is_text(model: type[models.Model], name: str) -> bool:
    try:
        target = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return isinstance(target, models.CharField | models.TextField | models.JSONField)
