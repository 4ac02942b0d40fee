"""The audit trail of personal data (Art. 5(2)): every change to a personal field of a
registered model becomes an ``AuditEntry`` — who, when, which record, ``{field: [old,
new]}`` — written by signal handlers, so no code path that saves a model can forget it.

How it works and what it covers:

- ``post_init`` keeps a snapshot of the personal fields as loaded; ``post_save`` compares
  against it, so a save costs exactly one extra INSERT (none when nothing personal
  changed) and no SELECT. Creation is recorded with the new values.
- A deletion is recorded as the fact only, and the values in the record's earlier entries
  are blanked: a deleted record leaves no copy of its data in the trail.
- Secrets (password hashes, TOTP secrets) are recorded as changed, without values.
- The actor comes from a context variable: ``AuditActorMiddleware`` sets it from
  ``request.user`` (resolved only when an entry is written) and ``acting_as(user)`` sets
  it for services and tasks. Outside both it is empty: the service itself did it.
- The subject is filled when the row names the person directly (``user``, ``subject``);
  other rows are found by (model, object id), which is how erasure blanks them.
- Not recorded again: what each app declares so on the model's entry
  (``ModelEntry.audited=False``): models that are themselves a log of who did what and
  when (login events, sessions, request steps, read logs, export downloads, the trail
  itself), the source metadata written beside an audited profile change, transient
  confirmation keys and keyed hashes; and noise fields (``ModelEntry.audit_ignored``:
  ``last_login``, derived sort and search copies).
- ``QuerySet.update()``/``bulk_*`` bypass signals. The project's writes of that kind on
  personal fields record themselves through ``audit_record_saved`` (members' name and
  email copied from the profile), ``audit_queryset_update`` (detaching a former
  membership, linking communication records to a person) and ``audit_records_created``
  (invoice lines). Many-to-many changes (groups, permissions) are not recorded here.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import uuid
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_init, post_save

from gdpr import declarations as registry
from gdpr.models import AuditEntry

if TYPE_CHECKING:
    from accounts.models import User

REDACTED = "[secret]"

_actor: ContextVar[Any] = ContextVar("gdpr_audit_actor", default=None)
_suppressed: ContextVar[bool] = ContextVar("gdpr_audit_suppressed", default=False)
_MISSING = object()
_SNAPSHOT = "_gdpr_audit_snapshot"


class _Spec:
    """What the audit watches on one model: concrete personal fields and how to find the
    subject without a query."""

    def __init__(self, entry: registry.ModelEntry) -> None:
        model = entry.model
        self.label = model._meta.label_lower
        ignored = entry.audit_ignored
        concrete = {f.name: f for f in model._meta.concrete_fields}
        self.fields: list[tuple[str, str, bool]] = [
            (name, concrete[name].attname, name in entry.secrets)
            for name in entry.personal
            if name in concrete and name not in ignored
        ]
        self.subject_attname = _subject_attname(entry)


def _subject_attname(entry: registry.ModelEntry) -> str | None:
    model = entry.model
    user_model = settings.AUTH_USER_MODEL
    if model._meta.label == user_model or model._meta.label_lower == user_model.lower():
        return "pk"
    paths: tuple[str, ...] = ()
    if isinstance(entry.person, str):
        paths = (entry.person,)
    elif callable(entry.person):
        # e.g. a contact person found by user or address: the link to the account, when
        # there is one (a foreign key to the user that names no actor).
        paths = tuple(sorted(entry.subject_fields()))
    for path in paths:
        if "__" in path:
            continue
        try:
            field = model._meta.get_field(path)
        except FieldDoesNotExist:
            field = None
        if (
            field is not None
            and field.many_to_one
            and field.related_model._meta.label == user_model
        ):
            return field.attname
    return None


_specs: dict[type[models.Model], _Spec] = {}


def audited_models() -> list[type[models.Model]]:
    return list(_specs)


def connect_signals() -> None:
    """Watch every registered model with personal fields (called from ``ready()``, after
    every app has filled the registry)."""
    for entry in registry.registered_models():
        model = entry.model
        if not entry.audited or model in _specs:
            continue
        spec = _Spec(entry)
        if not spec.fields:
            continue
        _specs[model] = spec
        uid = f"gdpr.audit.{spec.label}"
        post_init.connect(_snapshot, sender=model, dispatch_uid=uid, weak=False)
        post_save.connect(_saved, sender=model, dispatch_uid=uid, weak=False)
        post_delete.connect(_deleted, sender=model, dispatch_uid=uid, weak=False)


# --- Actor ------------------------------------------------------------------------------


@contextlib.contextmanager
def acting_as(user: User | None) -> Iterator[None]:
    """Record changes made inside the block as made by ``user`` (services, tasks)."""
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


@contextlib.contextmanager
def audit_suppressed() -> Iterator[None]:
    """Write no per-row entries inside the block: erasure and retention purges record
    their own outcome, and must not copy what they remove into the trail."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def current_actor_id() -> int | None:
    actor = _actor.get()
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor.pk


# --- Values -----------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A JSON-safe form of a stored value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "as_e164"):  # a PhoneNumber: stored as E.164, recorded the same
        return value.as_e164 if value.is_valid() else str(value.raw_input)
    code = getattr(value, "code", None)  # django-countries' Country
    if isinstance(code, str):
        return code
    return str(value)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _snapshot(sender, instance, **kwargs) -> None:
    spec = _specs[sender]
    data = instance.__dict__
    instance.__dict__[_SNAPSHOT] = {
        attname: data.get(attname, _MISSING) for _name, attname, _secret in spec.fields
    }


def _changes(spec: _Spec, instance, *, created: bool, update_fields) -> dict[str, list]:
    data = instance.__dict__
    before = data.get(_SNAPSHOT) or {}
    changes: dict[str, list] = {}
    for name, attname, secret in spec.fields:
        if update_fields is not None and name not in update_fields and attname not in update_fields:
            continue
        new = data.get(attname, _MISSING)
        if new is _MISSING:
            continue
        new_plain = _plain(new)
        if created:
            if _empty(new_plain):
                continue
            changes[name] = [None, REDACTED if secret else new_plain]
            continue
        old = before.get(attname, _MISSING)
        if old is _MISSING:
            continue
        old_plain = _plain(old)
        if old_plain == new_plain:
            continue
        changes[name] = [REDACTED, REDACTED] if secret else [old_plain, new_plain]
    return changes


def _subject_id(spec: _Spec, instance) -> Any:
    if spec.subject_attname is None:
        return None
    return getattr(instance, spec.subject_attname, None)


def _refresh_snapshot(spec: _Spec, instance) -> None:
    data = instance.__dict__
    data[_SNAPSHOT] = {attname: data.get(attname, _MISSING) for _n, attname, _s in spec.fields}


def _saved(sender, instance, created: bool, update_fields=None, raw: bool = False, **kwargs):
    spec = _specs[sender]
    if raw or _suppressed.get():
        _refresh_snapshot(spec, instance)
        return
    changes = _changes(spec, instance, created=created, update_fields=update_fields)
    _refresh_snapshot(spec, instance)
    if not changes:
        return
    AuditEntry.objects.create(
        actor_id=current_actor_id(),
        subject_id=_subject_id(spec, instance),
        action=AuditEntry.Action.CREATED if created else AuditEntry.Action.CHANGED,
        model=spec.label,
        object_id=str(instance.pk),
        changes=changes,
    )


def _deleted(sender, instance, **kwargs) -> None:
    if _suppressed.get():
        return
    spec = _specs[sender]
    object_id = str(instance.pk)
    audit_blank(spec.label, [object_id])
    actor_id = current_actor_id()
    user_label = settings.AUTH_USER_MODEL.lower()
    if spec.label == user_label and actor_id == instance.pk:
        actor_id = None
    # No subject: the person may be going in the same transaction (a cascade from their
    # account), and the entry must not point at a row that no longer exists.
    AuditEntry.objects.create(
        actor_id=actor_id,
        subject_id=None,
        action=AuditEntry.Action.DELETED,
        model=spec.label,
        object_id=object_id,
        changes={},
    )


# --- Writes that bypass the signals -----------------------------------------------------


def _record_bulk(
    objects: Iterable[models.Model], *, created: bool, fields: list[str] | None
) -> int:
    """Audit entries for rows written in bulk (no signals), as saves would have made.
    The snapshots move on even when the trail is suppressed, so a later save compares with
    what is stored."""
    action = AuditEntry.Action.CREATED if created else AuditEntry.Action.CHANGED
    entries = []
    for obj in objects:
        spec = _specs.get(type(obj))
        if spec is None or obj.pk is None:
            continue
        changes = _changes(spec, obj, created=created, update_fields=fields)
        _refresh_snapshot(spec, obj)
        if changes:
            entries.append(
                AuditEntry(
                    actor_id=current_actor_id(),
                    subject_id=_subject_id(spec, obj),
                    action=action,
                    model=spec.label,
                    object_id=str(obj.pk),
                    changes=changes,
                )
            )
    if not entries or _suppressed.get():
        return 0
    AuditEntry.objects.bulk_create(entries)
    return len(entries)


def audit_record_saved(objects: Iterable[models.Model], *, fields: Iterable[str]) -> int:
    """Record what ``bulk_update(objects, fields)`` just wrote (one INSERT for all): the
    objects' load-time snapshots give the old values."""
    return _record_bulk(objects, created=False, fields=list(fields))


def audit_queryset_update(queryset: models.QuerySet, **values: Any) -> int:
    """``queryset.update(**values)`` with an entry per row changed (old values read first,
    so this costs a SELECT and one INSERT more; for rare writes only)."""
    model = queryset.model
    spec = _specs.get(model)
    if spec is None or _suppressed.get():
        return queryset.update(**values)
    watched = {name: (attname, secret) for name, attname, secret in spec.fields}
    names = [name for name in values if name in watched]
    attnames = [watched[name][0] for name in names]
    subject = spec.subject_attname if spec.subject_attname not in (None, "pk") else None
    columns = ["pk", *attnames, *([subject] if subject and subject not in attnames else [])]
    before = list(queryset.values(*columns))
    count = queryset.filter(pk__in=[row["pk"] for row in before]).update(**values)
    entries = []
    for row in before:
        changes = {}
        for name, attname in zip(names, attnames, strict=True):
            new = values[name]
            new = getattr(new, "pk", new)
            old_plain, new_plain = _plain(row[attname]), _plain(new)
            if old_plain != new_plain:
                secret = watched[name][1]
                changes[name] = [REDACTED, REDACTED] if secret else [old_plain, new_plain]
        if changes:
            subject_id = row[subject] if subject else None
            if subject in attnames and subject_id is None:
                # Linked to a person by this very update: name them.
                subject_id = getattr(values[names[attnames.index(subject)]], "pk", None)
            entries.append(
                AuditEntry(
                    actor_id=current_actor_id(),
                    subject_id=subject_id,
                    action=AuditEntry.Action.CHANGED,
                    model=spec.label,
                    object_id=str(row["pk"]),
                    changes=changes,
                )
            )
    if entries:
        AuditEntry.objects.bulk_create(entries)
    return count


# --- Erasure ----------------------------------------------------------------------------


def audit_blank(model_label: str, object_ids: Iterable[Any]) -> int:
    """Blank the values recorded about these rows (the fact of each change stays)."""
    ids = [str(pk) for pk in object_ids]
    blanked = 0
    for start in range(0, len(ids), 500):
        blanked += AuditEntry.objects.filter(
            model=model_label, object_id__in=ids[start : start + 500]
        ).update(changes={}, subject=None, erased=True)
    return blanked


def audit_blank_subject(user: User) -> int:
    """Blank every entry naming ``user`` as its subject."""
    return AuditEntry.objects.filter(subject=user).update(changes={}, subject=None, erased=True)


# --- Rows created in bulk ---------------------------------------------------------------


def audit_records_created(objects: Iterable[models.Model]) -> int:
    """Record what ``bulk_create(objects)`` just wrote, as a save would have (one INSERT
    for all). The objects need their primary keys, which ``bulk_create`` sets on every
    database the project runs on."""
    return _record_bulk(objects, created=True, fields=None)
