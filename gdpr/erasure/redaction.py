"""Redacting an erased person from the free texts the product keeps after the erasure.

A ``Redaction`` holds the person's values as the apps declare them
(``ModelEntry.identifying``: names, addresses, phone numbers, IBANs, postal code and city,
birth date, member numbers) and finds each in the forms people write it: a phone number
as +358 40 123 4567, 0401234567 or 040-123 4567, an IBAN with or without spaces, a birth
date as 1985-05-17 or 17.5.1985, a street address with or without the spaces.

Two reaches, because a city or a first name names nobody in someone else's record:

- every value, in the texts that are about the person: their rows the erasure keeps, and
  what the handler writes to their request when closing it (the answer, its step);
- what names the person and no one else (addresses, phone numbers, IBANs, full names),
  in every free text of every registered model (``ModelEntry.free_text``) and in the
  Django admin's log.

After the erasure none of the values remains; the keyed hashes of the person's addresses,
phone numbers and IBANs (``Redaction.keys``) are kept on their requests, so a note added
to one later still loses them (``request_redaction``).

Imports nothing of gdpr's workflow: the requests' trail, which applies it, may import it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property, reduce
from operator import or_
from typing import TYPE_CHECKING, Any

import phonenumbers
from django.contrib.admin.models import LogEntry
from django.db import models
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from stdnum import iban as iban_number

from gdpr.declarations import Identifier, identifying_values, registered_models
from gdpr.keys import email_key, iban_key, normalise_iban, normalise_phone, phone_key

if TYPE_CHECKING:
    from accounts.models import User

# Where the keyed hashes are kept on a request's ``outcome``.
REDACTION_KEYS = "redaction_keys"

# Shorter values ("Li", "12") would blank ordinary words and numbers around them.
MIN_LENGTH = 3
# Kinds that name one person wherever they are written: redacted in everyone's texts.
_DISTINCTIVE = {Identifier.EMAIL, Identifier.PHONE, Identifier.IBAN}
# Kinds found again after the erasure by their keyed hash.
_KEYED = {Identifier.EMAIL: email_key, Identifier.PHONE: phone_key, Identifier.IBAN: iban_key}

# Between the digits of a phone number, the parts of an address or a name: what people
# put there. Plain character classes both Python and PostgreSQL read alike (the database
# picks the candidate rows with the same expressions).
_DIGIT_GAP = r"[\s().-]*"
_WORD_GAP = r"[\s,.-]*"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IBAN = re.compile(r"(?<!\w)[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]){11,30}")


def _words(value: str) -> str:
    return _WORD_GAP.join(re.escape(part) for part in value.split())


def _phone(value: str) -> str:
    try:
        number = phonenumbers.parse(value, "FI")
    except phonenumbers.NumberParseException:
        return _words(value)
    national = phonenumbers.national_significant_number(number)
    # +358 40…, 00358 40…, +358 (0)40…, 040…, or the bare 40… (the trunk prefix 0 is
    # Finland's and Sweden's; elsewhere it is simply not found).
    prefix = (
        rf"(?:(?:\+|00)\s*{number.country_code}{_DIGIT_GAP}(?:\(0\){_DIGIT_GAP})?"
        rf"|0{_DIGIT_GAP})?"
    )
    return prefix + _DIGIT_GAP.join(national)


def _iban(value: str) -> str:
    return r"[\s-]?".join(re.escape(ch) for ch in normalise_iban(value))


def _date(value: str) -> str:
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        return _words(value)
    # 0?5 matches 5 and 05; a two-digit day or month has no such form.
    d = f"0?{day.day}" if day.day < 10 else str(day.day)
    m = f"0?{day.month}" if day.month < 10 else str(day.month)
    return rf"(?:{day.isoformat()}|{d}[./]\s*{m}[./]\s*{day.year})"


_PATTERNS = {
    Identifier.PHONE: _phone,
    Identifier.IBAN: _iban,
    Identifier.DATE: _date,
    Identifier.EMAIL: re.escape,
}


def _core(kind: Identifier, value: str) -> str:
    return _PATTERNS.get(kind, _words)(value)


def _normal(kind: Identifier, value: str) -> str:
    # A phone field may render in any format; one form keeps the values unique.
    return normalise_phone(value) if kind == Identifier.PHONE else value.strip()


def _placeholder() -> str:
    return _("[erased]")


@dataclass(frozen=True)
class Redaction:
    """The erased person's values, and the keyed hashes of those that can be found again
    in new text after the values are gone."""

    # Not in the repr: a traceback or a log line would copy them back.
    values: tuple[tuple[Identifier, str], ...] = field(default=(), repr=False)
    keys: frozenset[str] = field(default=frozenset(), repr=False)
    # Values the person never showed to be theirs (an unverified address): not redacted
    # from other people's texts, where they may be their real owner's.
    unproven: frozenset[tuple[Identifier, str]] = field(default=frozenset(), repr=False)

    @classmethod
    def of(
        cls,
        values: Iterable[tuple[Identifier, str]],
        keys: Iterable[str] = (),
        *,
        unproven: Iterable[tuple[Identifier, str]] = (),
    ) -> Redaction:
        found = {(Identifier(kind), _normal(kind, value)) for kind, value in values if value}
        doubtful = {(Identifier(kind), _normal(kind, value)) for kind, value in unproven if value}
        kept = {(kind, value) for kind, value in found | doubtful if len(value) >= MIN_LENGTH}
        # Longest first: "Anna-Liisa Virtanen" goes whole before "Anna-Liisa" alone.
        ordered = sorted(kept, key=lambda kv: (-len(kv[1]), kv[0], kv[1]))
        return cls(
            values=tuple(ordered), keys=frozenset(keys), unproven=frozenset(doubtful - found)
        )

    def __bool__(self) -> bool:
        return bool(self.values or self.keys)

    def merged(self, other: Redaction) -> Redaction:
        proven = [kv for kv in self.values if kv not in self.unproven]
        proven += [kv for kv in other.values if kv not in other.unproven]
        return Redaction.of(proven, self.keys | other.keys, unproven=self.unproven | other.unproven)

    def distinctive(self) -> Redaction:
        """What names the person and no one else: addresses, phone numbers, IBANs and
        full names (a name of two words or more)."""
        return replace(
            self,
            values=tuple(
                (kind, value)
                for kind, value in self.values
                if (kind, value) not in self.unproven
                and (kind in _DISTINCTIVE or (kind is Identifier.NAME and len(value.split()) > 1))
            ),
            unproven=frozenset(),
        )

    def stored_keys(self) -> list[str]:
        """The keyed hashes to keep on the person's requests (nothing readable)."""
        keys = set(self.keys)
        keys |= {_KEYED[kind](value) for kind, value in self.values if kind in _KEYED}
        return sorted(keys)

    def search_pattern(self) -> str:
        """One expression matching any of the values, for the database to pick the rows
        worth reading (a superset: no word boundaries)."""
        return "|".join(f"(?:{_core(kind, value)})" for kind, value in self.values)

    @cached_property
    def _pattern(self) -> re.Pattern | None:
        if not self.values:
            return None
        return re.compile(rf"(?<![\w+])(?:{self.search_pattern()})(?!\w)", re.IGNORECASE)

    def apply(self, text: str) -> str:
        """``text`` with every form of the person's values replaced."""
        if not text:
            return text
        if self._pattern is not None:
            text = self._pattern.sub(lambda _m: _placeholder(), text)
        if self.keys:
            text = self._apply_keys(text)
        return text

    def apply_json(self, value: Any) -> Any:
        """The same, on every string inside a JSON value (an audit entry's changes)."""
        if isinstance(value, str):
            return self.apply(value)
        if isinstance(value, list):
            return [self.apply_json(item) for item in value]
        if isinstance(value, dict):
            return {key: self.apply_json(item) for key, item in value.items()}
        return value

    def _apply_keys(self, text: str) -> str:
        spans = [m.span() for m in _EMAIL.finditer(text) if email_key(m.group()) in self.keys]
        for match in phonenumbers.PhoneNumberMatcher(text, "FI"):
            e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            if phone_key(e164) in self.keys:
                spans.append((match.start, match.end))
        spans += [span for span in _iban_spans(text) if iban_key(text[slice(*span)]) in self.keys]
        # From the end, so the earlier spans' positions still hold.
        for start, end in sorted(set(spans), reverse=True):
            text = text[:start] + _placeholder() + text[end:]
        return text


def _iban_spans(text: str) -> list[tuple[int, int]]:
    """Where valid IBANs are: the longest valid prefix of each candidate (a word after
    an IBAN is not part of it)."""
    spans = []
    for match in _IBAN.finditer(text):
        candidate = match.group()
        while len(candidate) >= 15:
            if iban_number.is_valid(candidate.upper()):
                spans.append((match.start(), match.start() + len(candidate)))
                break
            candidate = candidate[:-1].rstrip(" -")
    return spans


# --- Building it ------------------------------------------------------------------------------


def redaction_for(user: User) -> Redaction:
    """The person's values in every registered model that declares its identifying fields
    (``gdpr.declarations.identifying_values``)."""
    proven, unproven = identifying_values(user)
    return Redaction.of(proven, unproven=unproven)


def request_redaction(outcome: Mapping[str, Any] | None) -> Redaction:
    """What a request of an erased person still redacts from new text: their addresses,
    phone numbers and IBANs, found by keyed hash."""
    return Redaction(keys=frozenset((outcome or {}).get(REDACTION_KEYS, ())))


# --- Rewriting what is kept -------------------------------------------------------------------


def _rewrite(rows: models.QuerySet, fields: Iterable[str], redaction: Redaction) -> int:
    """Redact ``fields`` in ``rows`` (one UPDATE for all that changed); how many changed."""
    fields = list(fields)
    changed = []
    for obj in rows.only("pk", *fields):
        dirty = False
        for name in fields:
            old = getattr(obj, name)
            new = redaction.apply_json(old)
            if new != old:
                setattr(obj, name, new)
                dirty = True
        if dirty:
            changed.append(obj)
    if changed:
        # bulk_update writes with one UPDATE (no save(): the audit trail is append-only,
        # and recording the change would copy the values back into it).
        rows.model._default_manager.bulk_update(changed, fields)
    return len(changed)


def _mentioning(model: type[models.Model], fields: Iterable[str], pattern: str) -> models.QuerySet:
    """The rows whose ``fields`` (as text, JSON included) may hold one of the values."""
    fields = list(fields)
    texts = {f"_redact_{name}": Cast(name, TextField()) for name in fields}
    condition = reduce(or_, (Q(**{f"{alias}__iregex": pattern}) for alias in texts))
    return model._default_manager.annotate(**texts).filter(condition)


def redact_kept_texts(redaction: Redaction, person_rows: Mapping[str, list[Any]]) -> int:
    """Redact the erased person from the free texts kept after their erasure: every value
    from their own rows' texts (``person_rows``: primary keys by model label, as the
    erasure fixed them), what names them alone from everyone's and from the admin's log.
    Returns how many rows changed."""
    distinctive = redaction.distinctive()
    pattern = distinctive.search_pattern()
    changed = 0
    for entry in registered_models():
        if not entry.free_text:
            continue
        model = entry.model
        own = person_rows.get(model._meta.label_lower, [])
        if own:
            changed += _rewrite(
                model._default_manager.filter(pk__in=own), entry.free_text, redaction
            )
        if pattern:
            others = _mentioning(model, entry.free_text, pattern).exclude(pk__in=own)
            changed += _rewrite(others, entry.free_text, distinctive)
    if pattern:
        fields = ("change_message", "object_repr")
        changed += _rewrite(_mentioning(LogEntry, fields, pattern), fields, distinctive)
    return changed
