"""Finding the rows no account points at that may be the person's (Art. 15, 17).

A bank payment that matched no invoice keeps its payer's name and account; a call logged
before the caller had an account keeps their name and number in its text. The apps
declare which fields may hold such values (``gdpr.api.register_searchable``) and which
hold the person's own (``ModelEntry.identifying``); this module searches the first for
the second and returns the rows not yet counted as the person's, for the
handler to attach to their request (``gdpr.unlinked.services``).

One query per searchable model, whatever the rows hold: values are compared in the
database (names whole or reversed, addresses and IBANs without spaces, phone numbers by
their digits), and only the rows found come back, a bounded number of each kind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import phonenumbers
from django.db import models
from django.db.models import CharField, F, Func, Q, Value
from django.db.models.functions import Replace, Upper
from django.utils.translation import gettext_lazy as _

from gdpr.declarations import (
    Identifier,
    LazyText,
    Searchable,
    entry_for,
    person_values_for,
    searchables,
)
from gdpr.models import AttachedRecord, DataSubjectRequest

if TYPE_CHECKING:
    from accounts.models import User

# Rows of one kind shown at most: the desk lists candidates, it is not a report.
CANDIDATES_PER_MODEL = 50
# Shorter values (a first name alone, "Ab 1") would find half the register.
MIN_LENGTH = 5

KIND_LABELS: dict[Identifier, LazyText] = {
    Identifier.NAME: _("name"),
    Identifier.EMAIL: _("email address"),
    Identifier.PHONE: _("phone number"),
    Identifier.STREET: _("street address"),
    Identifier.IBAN: _("IBAN"),
}


@dataclass(frozen=True)
class PersonTerms:
    """The person's values, normalised as they are compared (lower case; a phone number
    as its national significant digits; an IBAN upper case without spaces)."""

    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    ibans: tuple[str, ...] = ()

    def of(self, kind: Identifier) -> tuple[str, ...]:
        return {
            Identifier.NAME: self.names,
            Identifier.EMAIL: self.emails,
            Identifier.PHONE: self.phones,
            Identifier.STREET: self.addresses,
            Identifier.IBAN: self.ibans,
        }[kind]

    def __bool__(self) -> bool:
        return any((self.names, self.emails, self.phones, self.addresses, self.ibans))


@dataclass(frozen=True)
class Candidate:
    """A row that holds one of the person's values and is not (yet) theirs."""

    label: str  # "billing.payment"
    pk: str
    name: LazyText  # the kind of record
    description: str
    matched: tuple[str, ...]  # what matched: "name", "IBAN" …

    @property
    def key(self) -> str:
        return f"{self.label}:{self.pk}"


@dataclass(frozen=True)
class AttachedRow:
    """A row attached to the request, as the desk lists it."""

    record: AttachedRecord
    name: LazyText
    description: str


def _words(value: str) -> str:
    return " ".join(value.split()).lower()


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def normalise_phone(value: str) -> str:
    """The national significant number ("401234567" for 040 123 4567 or +358 40 1234567):
    what every way of writing the number has in common."""
    try:
        number = phonenumbers.parse(value, "FI")
    except phonenumbers.NumberParseException:
        return _digits(value).lstrip("0")
    return phonenumbers.national_significant_number(number)


def normalise_iban(value: str) -> str:
    return "".join(value.split()).upper()


def _name_variants(name: str) -> set[str]:
    """A full name as written and reversed ("matti virtanen", "virtanen matti"): bank
    files often give the family name first. A single word is no full name."""
    words = _words(name).split(" ")
    if len(words) < 2:
        return set()
    return {" ".join(words), " ".join(words[-1:] + words[:-1])}


def person_terms(user: User) -> PersonTerms:
    """What the person goes by, from the account and what the apps declare."""
    values = person_values_for(user)
    names = {v for name in values[Identifier.NAME] for v in _name_variants(name)}
    emails = {_words(v) for v in values[Identifier.EMAIL]}
    phones = {normalise_phone(v) for v in values[Identifier.PHONE]}
    addresses = {_words(v) for v in values[Identifier.STREET]}
    ibans = {normalise_iban(v) for v in values[Identifier.IBAN]}

    def usable(found: set[str]) -> tuple[str, ...]:
        return tuple(sorted(v for v in found if len(v) >= MIN_LENGTH))

    return PersonTerms(
        names=usable(names),
        emails=usable(emails),
        phones=usable(phones),
        addresses=usable(addresses),
        ibans=usable(ibans),
    )


class _OnlyDigits(Func):
    """The text with everything but digits removed (PostgreSQL's regexp_replace)."""

    function = "REGEXP_REPLACE"
    output_field = CharField()

    def __init__(self, expression: Any) -> None:
        super().__init__(expression, Value(r"[^0-9]"), Value(""), Value("g"))

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        # SQLite (the quick-start database) has no regexp_replace: strip what people put
        # between a phone number's digits instead.
        sql, params = compiler.compile(self.source_expressions[0])
        for separator in _PHONE_SEPARATORS:
            sql, params = f"REPLACE({sql}, %s, '')", [*params, separator]
        return sql, params


_PHONE_SEPARATORS = (" ", "-", "+", "(", ")", ".", "/", "\u00a0")


def _compared(kind: Identifier, path: str) -> Any:
    """The field as the kind's values are compared with it."""
    if kind is Identifier.PHONE:
        return _OnlyDigits(F(path))
    if kind is Identifier.IBAN:
        return Replace(Upper(F(path)), Value(" "), Value(""))
    return F(path)


def _lookup(kind: Identifier) -> str:
    # Digits and IBANs are compared as they are; words whatever their case.
    return "contains" if kind in (Identifier.PHONE, Identifier.IBAN) else "icontains"


def _text_matches(kind: Identifier, text: str, terms: Iterable[str]) -> bool:
    """The same comparison as the database's, for saying why a row was found."""
    if kind is Identifier.PHONE:
        haystack = _digits(text)
    elif kind is Identifier.IBAN:
        haystack = normalise_iban(text)
    else:
        haystack = text.lower()
    return any(term in haystack for term in terms)


def _search(searchable: Searchable, user: User, terms: PersonTerms) -> list[Candidate]:
    entry = entry_for(searchable.model)
    if entry is None:
        return []
    fields = [f for f in searchable.fields if terms.of(f.kind)]
    if not fields:
        return []
    aliases: dict[str, Any] = {}
    texts: dict[str, Any] = {}
    condition = Q()
    for index, f in enumerate(fields):
        alias = f"_unlinked_{index}"
        aliases[alias] = _compared(f.kind, f.field)
        texts[f"_text_{index}"] = F(f.field)
        for term in terms.of(f.kind):
            condition |= Q(**{f"{alias}__{_lookup(f.kind)}": term})
    rows = searchable.model._default_manager.all()
    if searchable.scope is not None:
        rows = rows.filter(searchable.scope)
    rows = (
        rows.alias(**aliases)
        .filter(condition)
        .exclude(pk__in=entry.rows_for(user).values("pk"))
        .annotate(**texts)
        .select_related(*searchable.select_related)
        .order_by("-pk")[:CANDIDATES_PER_MODEL]
    )
    found = []
    for obj in rows:
        matched = []
        for index, f in enumerate(fields):
            text = getattr(obj, f"_text_{index}") or ""
            label = str(KIND_LABELS[f.kind])
            if label not in matched and _text_matches(f.kind, str(text), terms.of(f.kind)):
                matched.append(label)
        found.append(
            Candidate(
                label=searchable.label,
                pk=str(obj.pk),
                name=entry.record_name(),
                description=searchable.describe(obj),
                matched=tuple(matched),
            )
        )
    return found


def unlinked_candidates(*, request: DataSubjectRequest) -> list[Candidate]:
    """The rows of the searchable models that hold the request's person's names, email
    addresses, phone numbers, street addresses or IBANs and are not yet counted as theirs
    (neither by a key nor attached). Empty for a request that names no account."""
    user = request.subject
    if user is None:
        return []
    terms = person_terms(user)
    if not terms:
        return []
    return [c for searchable in searchables() for c in _search(searchable, user, terms)]


def attached_rows(*, request: DataSubjectRequest) -> list[AttachedRow]:
    """The rows attached to the request, each described as the desk shows it: one query
    for the attachments and one per kind of record."""
    records = list(
        AttachedRecord.objects.filter(request=request).select_related("content_type", "attached_by")
    )
    by_model: dict[type[models.Model], list[AttachedRecord]] = defaultdict(list)
    for record in records:
        model = record.content_type.model_class()
        if model is not None:
            by_model[model].append(record)
    described: dict[tuple[int, str], tuple[LazyText, str]] = {}
    for model, group in by_model.items():
        searchable = next((s for s in searchables() if s.model is model), None)
        entry = entry_for(model)
        name = entry.record_name() if entry else model._meta.verbose_name
        objects = model._default_manager.filter(pk__in=[r.object_id for r in group])
        if searchable is not None:
            objects = objects.select_related(*searchable.select_related)
        for obj in objects:
            text = searchable.describe(obj) if searchable is not None else str(obj)
            described[(group[0].content_type_id, str(obj.pk))] = (name, text)
    return [
        AttachedRow(
            record=record,
            name=described.get((record.content_type_id, record.object_id), ("", ""))[0]
            or record.content_type.name,
            description=described.get((record.content_type_id, record.object_id), ("", ""))[1]
            or str(_("(no longer stored)")),
        )
        for record in records
    ]


def attached_counts(user: User) -> list[dict[str, Any]]:
    """How many rows of each kind were attached to the person's requests: for the answer
    and the export report, which say they were found under the person's details."""
    counts = (
        AttachedRecord.objects.filter(request__subject=user)
        .values("content_type__app_label", "content_type__model")
        .annotate(count=models.Count("object_id", distinct=True))
        .order_by("content_type__app_label", "content_type__model")
    )
    found = []
    for row in counts:
        label = f"{row['content_type__app_label']}.{row['content_type__model']}"
        searchable = next((s for s in searchables() if s.label == label), None)
        if searchable is None:
            continue
        entry = entry_for(searchable.model)
        found.append(
            {
                "model": entry.label if entry else label,
                "name": entry.record_name(plural=True) if entry else label,
                "count": row["count"],
            }
        )
    return found
