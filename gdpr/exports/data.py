"""What an access export holds, read from the personal-data registry and nothing else.

``Table`` describes one registered model (its fields, with verbose name, category and
whether they are personal); ``RowWriter`` turns one row about the person into plain JSON
values and a human-readable form; ``information()`` gives the Art. 15 information for the
categories the person's rows fall in (in ``gdpr.exports.information``).

Other people are never named, with one exception the law asks for: who has seen the
person's data (Art. 15(1)(c)). A foreign key to another person comes out as "another
person" without an id, and the copies of an actor's name beside it are left out.
"""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.models import ProfileFieldSource
from accounts.sources import DataSource
from gdpr import declarations as registry
from gdpr.audit import REDACTED
from gdpr.exports import words
from gdpr.models import AuditEntry, Disclosure, RequestEvent

if TYPE_CHECKING:
    from accounts.models import User

SCHEMA_VERSION = "1.0"
# Rows fetched per round trip; the query count stays the same whatever the number of rows.
CHUNK_SIZE = 2000
# Choices longer than this (countries) are not repeated in the field metadata.
MAX_CHOICES_IN_METADATA = 40

# Records whose files are not repeated under attachments/ (an earlier export's ZIP).
NO_ATTACHMENTS = frozenset({"gdpr.DataExport"})

# Registered models whose "source" field names where a record came from (Art. 15(1)(g)).
SOURCE_CATEGORY = "data_sources"


class Kind:
    VALUE = "value"
    RELATION = "relation"
    RELATIONS = "relations"
    FILE = "file"
    JSON = "json"


@dataclass
class FieldInfo:
    name: str
    verbose_name: str
    kind: str
    personal: bool
    category: str | None
    category_label: str | None
    choices: dict[str, str] | None = None
    target: str | None = None
    # How a relation is shown: "person" (the subject or someone else), "record" (another
    # of the person's records, by id) or "thing" (an organization, a product: a label).
    target_role: str | None = None
    model_field: Any = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "verbose_name": self.verbose_name,
            "kind": self.kind,
            "personal": self.personal,
            "category": self.category,
            "category_label": self.category_label,
        }
        if self.choices is not None:
            data["choices"] = self.choices
        if self.target is not None:
            data["target"] = self.target
        return data


@dataclass
class Table:
    entry: registry.ModelEntry
    label: str
    verbose_name: str
    verbose_name_plural: str
    fields: list[FieldInfo]
    withheld: list[FieldInfo]

    def header(self) -> dict[str, Any]:
        return {
            "verbose_name": self.verbose_name,
            "verbose_name_plural": self.verbose_name_plural,
            "fields": [f.as_json() for f in self.fields],
            "withheld": [
                {"name": f.name, "verbose_name": f.verbose_name, "reason": _withheld_reason()}
                for f in self.withheld
            ],
        }

    def csv_columns(self) -> list[str]:
        """The CSV's header in words, in the active language (data.json keeps the field
        names). A relation takes two columns: its number and its label."""
        labels = [capfirst(info.verbose_name) for info in self.fields]
        columns = []
        for info, label in zip(self.fields, labels, strict=True):
            if labels.count(label) > 1:
                # Two fields of one model worded alike: the field name tells them apart.
                label = f"{label} ({info.name})"
            if info.kind == Kind.RELATION:
                columns.append(_("%(field)s (number)") % {"field": label})
            columns.append(label)
        return columns

    def queryset(self, user: User, exclude: frozenset[Any] = frozenset()) -> models.QuerySet:
        """The person's rows: one query (plus one per many-to-many field), ordered by key."""
        # Things are named by their label, the person's other records by kind and date:
        # both come in the same query.
        things = [
            f.name
            for f in self.fields
            if f.kind == Kind.RELATION and f.target_role in ("thing", "record")
        ]
        many = [f.name for f in self.fields if f.kind == Kind.RELATIONS]
        queryset = self.entry.rows_for(user)
        if exclude:
            queryset = queryset.exclude(pk__in=exclude)
        if things:
            queryset = queryset.select_related(*things)
        if many:
            queryset = queryset.prefetch_related(*many)
        return queryset.order_by("pk")


def _withheld_reason() -> str:
    return _("A security secret (password hash, key or token): kept, but never handed out.")


def _user_model() -> type[models.Model]:
    return get_user_model()


def _target_role(target: type[models.Model]) -> str:
    if target is _user_model():
        return "person"
    entry = registry.entry_for(target)
    if entry is not None and entry.person is not None:
        return "record"
    return "thing"


def table_for(entry: registry.ModelEntry) -> Table:
    """The export's description of one registered model, in the active language."""
    opts = entry.model._meta
    fields: list[FieldInfo] = []
    withheld: list[FieldInfo] = []
    for name in registry.model_field_names(entry.model):
        model_field = opts.get_field(name)
        key = entry.personal.get(name)
        category = registry.category(key) if key else None
        info = FieldInfo(
            name=name,
            verbose_name=str(entry.field_label(name)),
            kind=_kind(model_field),
            personal=key is not None,
            category=key,
            category_label=str(category.label) if category else None,
            model_field=model_field,
        )
        if model_field.is_relation:
            info.target = model_field.related_model._meta.label
            info.target_role = _target_role(model_field.related_model)
        elif model_field.choices and len(model_field.flatchoices) <= MAX_CHOICES_IN_METADATA:
            info.choices = {str(k): str(v) for k, v in model_field.flatchoices}
        (withheld if name in entry.secrets else fields).append(info)
    return Table(
        entry=entry,
        label=entry.label,
        verbose_name=str(entry.record_name()),
        verbose_name_plural=str(entry.record_name(plural=True)),
        fields=fields,
        withheld=withheld,
    )


def _kind(model_field: models.Field) -> str:
    if model_field.many_to_many:
        return Kind.RELATIONS
    if model_field.is_relation:
        return Kind.RELATION
    if isinstance(model_field, models.FileField):
        return Kind.FILE
    if isinstance(model_field, models.JSONField):
        return Kind.JSON
    return Kind.VALUE


def tables() -> list[Table]:
    """Every registered model that can hold rows about a person."""
    return [table_for(e) for e in registry.registered_models() if e.person is not None]


# --- Values ---------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A stored value as JSON: exact decimals as strings, times in ISO 8601, phone numbers
    in E.164, countries as their ISO code."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "as_e164"):
        return value.as_e164
    if hasattr(value, "code") and hasattr(value, "name"):
        return value.code or None
    return str(value)


def disclosure_details(disclosure: Disclosure) -> dict[str, Any]:
    """Everything recorded about a disclosure of the person's data (Art. 15(1)(c))."""
    labels = {c.key: str(c.label) for c in registry.categories()}
    return {
        "kind": disclosure.kind,
        "kind_label": str(disclosure.get_kind_display()),
        "recipient": disclosure.recipient_name,
        "recipient_email": disclosure.recipient_email,
        "purpose": disclosure.purpose,
        "legal_basis": disclosure.legal_basis,
        "categories": [
            {"key": key, "label": labels.get(key, key)} for key in disclosure.categories or []
        ],
        "outside_eea": disclosure.outside_eea,
        "destination_country": disclosure.destination_country,
        "transfer_safeguards": disclosure.transfer_safeguards,
        "starts_on": plain(disclosure.starts_on),
        "ends_on": plain(disclosure.ends_on),
        "recorded_at": plain(disclosure.recorded_at),
    }


@dataclass
class Attachment:
    path: str
    record: str
    id: Any
    field: str
    storage: Any
    name: str

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "record": self.record, "id": self.id, "field": self.field}


@dataclass
class Collected:
    """What the rows tell beyond themselves: the categories they fall in, recorded sources,
    disclosures and files to copy."""

    categories: set[str] = field(default_factory=set)
    sources: list[dict[str, Any]] = field(default_factory=list)
    disclosures: dict[Any, dict[str, Any]] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)


class RowWriter:
    """Turns the person's rows of one table into JSON values and readable text."""

    def __init__(
        self,
        table: Table,
        user: User,
        collected: Collected,
        *,
        exclude: frozenset[Any] = frozenset(),
    ) -> None:
        self.table = table
        self.user = user
        self.collected = collected
        # Rows left out, e.g. the export being built, which is not yet part of the data.
        self.exclude = exclude
        # Labels of the records an audit entry or a reference names, by (model, pk);
        # fetched once per chunk of rows, one query per model.
        self.labels: dict[tuple[type[models.Model], str], str] = {}
        self.references = self._reference_fields()
        self.you = _("You")
        self.other = _("Another person")
        entry = table.entry
        # Actor keys pointing at someone else: their copies (names) are left out, unless
        # the entry declares them disclosed (who has seen the person's data).
        self.copies_of = {
            name: [c for c in copies if c not in entry.disclosed_actor_copies]
            for name, copies in entry.actors.items()
        }

    def rows(self, user: User) -> Iterator[tuple[dict[str, Any], list[tuple[str, str]], list]]:
        """(json row, readable row, csv row) for each of the person's rows, streamed."""
        batch: list[models.Model] = []
        for obj in self.table.queryset(user, self.exclude).iterator(chunk_size=CHUNK_SIZE):
            batch.append(obj)
            if len(batch) == CHUNK_SIZE:
                yield from self._batch(batch)
                batch = []
        yield from self._batch(batch)

    def _batch(self, batch: list[models.Model]) -> Iterator[tuple[Any, Any, Any]]:
        self._fetch_labels(batch)
        for obj in batch:
            yield self.row(obj)
        self.labels.clear()

    def _fetch_labels(self, batch: list[models.Model]) -> None:
        """The records the audit entries' values and the stored references of this chunk
        name, fetched with one query per model (never one per row)."""
        wanted: dict[type[models.Model], set[str]] = {}
        for obj in batch:
            if isinstance(obj, AuditEntry):
                model = words.registered_model(obj.model)
                for name, change in (obj.changes or {}).items():
                    target = words.related_model(model, name)
                    if target is None or target is _user_model():
                        continue
                    values = change if isinstance(change, list | tuple) else [change]
                    for value in values:
                        if isinstance(value, int | str) and value not in ("", REDACTED):
                            wanted.setdefault(target, set()).add(str(value))
            for name in self.references:
                value = getattr(obj, name)
                match = words.RECORD_REFERENCE.match(value) if isinstance(value, str) else None
                target = words.registered_model(match.group(1)) if match else None
                if target is not None:
                    wanted.setdefault(target, set()).add(match.group(2))
        for model, keys in wanted.items():
            record = _target_role(model) == "record"
            for obj in model._default_manager.filter(pk__in=words.keys_of(model, keys)):
                text = words.record_label(obj) if record else words.thing_label(obj)
                self.labels[(model, str(obj.pk))] = text

    def _reference_fields(self) -> list[str]:
        """Text fields (not free text) that hold a stored record reference."""
        entry = self.table.entry
        return [
            f.name
            for f in self.table.fields
            if f.kind == Kind.VALUE
            and isinstance(f.model_field, models.CharField)
            and not f.model_field.choices
            and f.name not in entry.free_text
        ]

    def _label_of(self, model: type[models.Model], key: Any) -> str:
        found = self.labels.get((model, str(key)))
        if found is not None:
            return found
        # Gone since, or not fetched: its kind and number.
        return _("%(record)s no. %(number)s") % {
            "record": words.kind_of(model._meta.label),
            "number": key,
        }

    def row(self, obj: models.Model) -> tuple[dict[str, Any], list[tuple[str, str]], list]:
        hidden: set[str] = set()
        for name, copies in self.copies_of.items():
            actor_id = getattr(obj, self.table.entry.model._meta.get_field(name).attname)
            if actor_id is not None and actor_id != self.user.pk:
                hidden.update(copies)
        data: dict[str, Any] = {}
        texts: dict[str, str] = {}
        flat: list[Any] = []
        for info in self.table.fields:
            value, text, cells = self._value(info, obj, hidden)
            data[info.name] = value
            texts[info.name] = text
            flat.extend(cells)
            if info.personal and value not in (None, "", [], {}):
                self.collected.categories.add(info.category)
        self._note(obj, data)
        self._in_words(obj, texts, hidden)
        fields = self.table.fields
        readable = [(f.verbose_name, texts[f.name]) for f in fields if f.name in texts]
        return data, readable, flat

    def _in_words(self, obj: models.Model, texts: dict[str, str], hidden: set[str]) -> None:
        """The report reads as sentences where the stored form is for machines: a request
        step's phrase in the reader's language, an audit entry's changes one by one."""
        if isinstance(obj, RequestEvent):
            if "note" in texts and "note" not in hidden:
                texts["note"] = obj.text
            texts.pop("phrase", None)
            texts.pop("params", None)
        elif isinstance(obj, AuditEntry):
            if "changes" in texts and "changes" not in hidden:
                texts["changes"] = "\n".join(self._audit_sentences(obj))
            if "model" in texts:
                texts["model"] = words.kind_of(obj.model)

    def _audit_sentences(self, entry: AuditEntry) -> list[str]:
        if entry.actor_id is None:
            actor = _("the service")
        elif entry.actor_id == self.user.pk:
            actor = _("you")
        else:
            actor = _("another person")
        model = words.registered_model(entry.model)
        return [
            words.change_sentence(
                words.field_label(entry.model, name),
                change,
                actor=actor,
                date=formats.date_format(timezone.localtime(entry.at), "SHORT_DATE_FORMAT"),
                said=lambda value, name=name: self._said(model, name, value),
            )
            for name, change in (entry.changes or {}).items()
        ]

    def _said(self, model: type[models.Model] | None, name: str, value: Any) -> str:
        """A value the audit trail stored, as the field shows it: a choice by its label, a
        date in the reader's format, a related record by its name, a person as "you" or
        "another person"."""
        model_field = words.field_of(model, name)
        if model_field is None or isinstance(value, bool | dict | list):
            return words.said(value)
        if model_field.is_relation and not model_field.many_to_many:
            target = model_field.related_model
            if target is _user_model():
                return _("you") if str(value) == str(self.user.pk) else _("another person")
            return self._label_of(target, value)
        named = words.named_value(model, name, value)
        if named is not None:
            return named
        if model_field.choices:
            labels = {str(k): str(v) for k, v in model_field.flatchoices}
            if str(value) in labels:
                return labels[str(value)]
        if isinstance(model_field, models.DateField) and isinstance(value, str):
            try:
                parsed = datetime.datetime.fromisoformat(value)
            except ValueError:
                return value
            if isinstance(model_field, models.DateTimeField):
                return words.local(parsed)
            return words.local(parsed.date())
        return words.said(value)

    def _value(self, info: FieldInfo, obj: models.Model, hidden: set[str]):
        if info.name in hidden:
            return None, "", [""]
        if info.kind == Kind.RELATION:
            ref = self._relation(info, obj)
            label = "" if ref is None else ref.get("label", "")
            if ref is not None and info.target_role == "record":
                # data.json keeps the number; the report and the CSV name the record.
                label = words.record_label(getattr(obj, info.name))
            text = label
            if ref is not None and "details" in ref:
                text = _disclosure_text(ref["details"])
            cell_id = "" if ref is None or ref["id"] is None else ref["id"]
            return ref, text, [cell_id, label]
        if info.kind == Kind.RELATIONS:
            refs = [self._ref(info, related) for related in getattr(obj, info.name).all()]
            text = ", ".join(r.get("label") or f"#{r['id']}" for r in refs)
            return refs, text, [text]
        raw = getattr(obj, info.name)
        if info.kind == Kind.FILE:
            name = raw.name or None
            if name and self.table.label not in NO_ATTACHMENTS:
                self._attach(info, obj, raw)
            basename = name.rsplit("/", 1)[-1] if name else ""
            return name, basename, [name or ""]
        value = plain(raw)
        if info.kind == Kind.JSON:
            dumped = "" if raw in (None, "", [], {}) else json.dumps(value, ensure_ascii=False)
            return value, dumped, [dumped]
        text = _readable(info, obj, raw)
        if info.name in self.references and isinstance(raw, str):
            match = words.RECORD_REFERENCE.match(raw)
            target = words.registered_model(match.group(1)) if match else None
            if target is not None:
                text = self._label_of(target, match.group(2))
        return value, text, [_cell(value)]

    def _relation(self, info: FieldInfo, obj: models.Model) -> dict[str, Any] | None:
        pk = getattr(obj, info.model_field.attname)
        if pk is None:
            return None
        if info.target_role == "person":
            if pk == self.user.pk:
                return {"model": info.target, "id": pk, "label": self.you}
            return {"model": info.target, "id": None, "label": self.other}
        if info.target_role == "record":
            return {"model": info.target, "id": plain(pk)}
        return self._ref(info, getattr(obj, info.name))

    def _ref(self, info: FieldInfo, related: models.Model) -> dict[str, Any]:
        if info.target_role == "person":
            mine = related.pk == self.user.pk
            return {
                "model": info.target,
                "id": related.pk if mine else None,
                "label": self.you if mine else self.other,
            }
        ref: dict[str, Any] = {
            "model": info.target,
            "id": plain(related.pk),
            "label": words.thing_label(related),
        }
        if isinstance(related, Disclosure):
            ref["details"] = details = disclosure_details(related)
            self.collected.disclosures[related.pk] = details
        return ref

    def _attach(self, info: FieldInfo, obj: models.Model, file: Any) -> None:
        basename = file.name.rsplit("/", 1)[-1]
        path = f"attachments/{self.table.label}/{obj.pk}-{info.name}-{basename}"
        self.collected.attachments.append(
            Attachment(
                path=path,
                record=self.table.label,
                id=plain(obj.pk),
                field=info.name,
                storage=file.storage,
                name=file.name,
            )
        )

    def _note(self, obj: models.Model, data: dict[str, Any]) -> None:
        """Remember where data came from: per profile field, per membership or contact."""
        sources = dict(DataSource.choices)
        if isinstance(obj, ProfileFieldSource):
            user_model = _user_model()
            try:
                field_label = str(user_model._meta.get_field(obj.field).verbose_name)
            except FieldDoesNotExist:  # a field since removed keeps its raw name
                field_label = obj.field
            self.collected.sources.append(
                {
                    "record": user_model._meta.label,
                    "id": None,
                    "field": obj.field,
                    "field_label": field_label,
                    "source": obj.source,
                    "source_label": str(sources.get(obj.source, obj.source)),
                    "recorded_at": plain(obj.recorded_at),
                    "note": obj.note,
                }
            )
            return
        if self.table.entry.personal.get("source") == SOURCE_CATEGORY and data.get("source"):
            self.collected.sources.append(
                {
                    "record": self.table.label,
                    "id": plain(obj.pk),
                    "field": None,
                    "field_label": self.table.verbose_name,
                    "source": data["source"],
                    "source_label": str(sources.get(data["source"], data["source"])),
                    "recorded_at": None,
                    "note": "",
                }
            )


def _disclosure_text(details: dict[str, Any]) -> str:
    period = (
        words.local_date(details["starts_on"]) + " \u2013 " + words.local_date(details["ends_on"])
    )
    categories = ", ".join(c["label"] for c in details["categories"])
    return (
        f"{details['recipient']}: {details['purpose']} ({details['legal_basis']}; {period});"
        f" {categories}"
    )


def _readable(info: FieldInfo, obj: models.Model, raw: Any) -> str:
    if raw is None or raw == "":
        return ""
    if isinstance(raw, bool):
        return _("Yes") if raw else _("No")
    named = words.named_value(type(obj), info.name, raw)
    if named is not None:
        return named
    if info.model_field.choices:
        display = getattr(obj, f"get_{info.name}_display", None)
        if callable(display):
            return str(display())
    if hasattr(raw, "code") and hasattr(raw, "name"):
        return str(raw.name)
    if isinstance(raw, datetime.datetime):
        return formats.date_format(timezone.localtime(raw), "SHORT_DATETIME_FORMAT")
    if isinstance(raw, datetime.date):
        return formats.date_format(raw, "SHORT_DATE_FORMAT")
    if isinstance(raw, decimal.Decimal):
        return formats.number_format(raw)
    return str(plain(raw))


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


# --- Rows the person only acted on ------------------------------------------------------------
