"""The rows an erasure reads and writes, shared by the preview (``gdpr.erasure.plan``) and
the execution (``gdpr.erasure.execute``) so both see the same querysets; the blanking and
file deletion are used by the retention purges too.

Imports nothing of gdpr's workflow (requests, disclosures): any of them may import it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import CharField, Q
from django.db.models.functions import Cast

from accounts.selectors import verified_addresses
from gdpr.declarations import ErasureStrategy, LazyText, ModelEntry, entry_for, registered_models
from gdpr.keys import address_key, email_key, phone_key
from gdpr.models import AuditEntry, MarketingBan, MarketingChannel

if TYPE_CHECKING:
    from accounts.models import User


def label_of(entry: ModelEntry) -> str:
    """The entry's key in the registry and in ``pks`` ("gdpr.consent")."""
    return entry.model._meta.label_lower


def erased_entries() -> list[ModelEntry]:
    """The entries an erasure acts on: rows about a person, and a strategy for them."""
    return [
        entry
        for entry in registered_models()
        if entry.person is not None and entry.erasure.strategy is not ErasureStrategy.NONE
    ]


def rows_now(user: User) -> dict[str, list[Any]]:
    """The primary keys of the person's rows in every entry, as they are now."""
    return {
        label_of(e): list(e.rows_for(user).values_list("pk", flat=True)) for e in erased_entries()
    }


def by_pk(model: type[models.Model], pks: list[Any]) -> models.QuerySet:
    return model._default_manager.filter(pk__in=pks)


# Names and bases stay lazy: the same plan renders in the reader's language (the member's
# page, the controller's admin, the mail to the person).
def plural(model: type[models.Model]) -> LazyText:
    entry = entry_for(model)
    return entry.record_name(plural=True) if entry else model._meta.verbose_name_plural


def field_names(model: type[models.Model], names: Iterable[str]) -> tuple[LazyText, ...]:
    entry = entry_for(model)
    if entry is None:
        return tuple(model._meta.get_field(name).verbose_name for name in names)
    return tuple(entry.field_label(name) for name in names)


# --- Files -----------------------------------------------------------------------------------


def _file_fields(model: type[models.Model]) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def erased_file_fields(entry: ModelEntry) -> list[models.FileField]:
    """The file fields whose files the erasure deletes: all of a deleted row's, the blanked
    ones of an anonymised row's."""
    files = _file_fields(entry.model)
    if entry.erasure.strategy is ErasureStrategy.DELETE:
        return files
    if entry.erasure.strategy is ErasureStrategy.ANONYMISE:
        return [f for f in files if f.name in entry.erasure.fields]
    return []


def collect_files(entry: ModelEntry, pks: list[Any]) -> list[tuple[Any, str]]:
    """(storage, name) of each file the erasure of these rows deletes."""
    found = []
    for file_field in erased_file_fields(entry):
        names = (
            entry.model._default_manager.filter(pk__in=pks)
            .exclude(**{file_field.attname: ""})
            .values_list(file_field.attname, flat=True)
        )
        found += [(file_field.storage, name) for name in names if name]
    return found


def delete_files_on_commit(names_by_storage: list[tuple[Any, str]]) -> None:
    """Delete the files once the transaction commits (a rollback keeps them)."""

    def delete() -> None:
        for storage, name in names_by_storage:
            storage.delete(name)

    if names_by_storage:
        transaction.on_commit(delete)


# --- Blanking --------------------------------------------------------------------------------


def blank_value(model: type[models.Model], name: str) -> Any:
    """The empty value of a field: null where allowed, else its empty form."""
    f = model._meta.get_field(name)
    if f.null:
        return None
    if isinstance(f, models.JSONField):
        return f.get_default()
    return ""


def blanks(entry: ModelEntry) -> dict[str, Any]:
    """The entry's erased fields with their empty values."""
    return {name: blank_value(entry.model, name) for name in entry.erasure.fields}


def anonymise_rows(entry: ModelEntry, pks: list[Any], files: list[tuple[Any, str]]) -> int:
    """Blank the fields the entry's erasure names in these rows; the files they held are
    added to ``files``, for deleting once the transaction commits."""
    files += collect_files(entry, pks)
    return by_pk(entry.model, pks).update(**blanks(entry))


# --- What else names the person ----------------------------------------------------------------


def ids_as_text(queryset: models.QuerySet) -> Any:
    """The queryset's primary keys as text, the way audit and admin log rows store them.

    A subquery where the database casts them alike; a list otherwise (UUIDs, which SQLite
    stores without dashes)."""
    pk = queryset.model._meta.pk
    if isinstance(pk, models.UUIDField):
        return [str(value) for value in queryset.values_list("pk", flat=True)]
    return queryset.annotate(_text_id=Cast("pk", CharField())).values("_text_id")


def _touched_rows(user: User) -> list[tuple[ModelEntry, models.QuerySet]]:
    return [
        (entry, entry.rows_for(user))
        for entry in registered_models()
        if entry.person is not None and label_of(entry) != "gdpr.auditentry"
    ]


def acted_by_others(entry: ModelEntry, user: User) -> models.QuerySet:
    """Rows of other people (or of nobody) that name ``user`` as who did something."""
    acted = entry.rows_acted_by(user)
    if entry.person is None:
        return acted
    return acted.exclude(pk__in=entry.rows_for(user).values("pk"))


def audit_condition(user: User) -> Q:
    """The audit entries about the person or any of their rows."""
    # A UNION of one indexed lookup per part rather than one OR: an OR of ``subject = …``
    # with ``object_id IN (subquery)`` can use neither index, so PostgreSQL scanned the
    # whole audit trail for every erasure preview.
    parts = [AuditEntry.objects.filter(subject=user).values("pk")]
    for entry, rows in _touched_rows(user):
        parts.append(
            AuditEntry.objects.filter(
                model=label_of(entry), object_id__in=ids_as_text(rows)
            ).values("pk")
        )
    return Q(pk__in=parts[0].union(*parts[1:]))


def admin_log_condition(user: User) -> Q:
    """The Django admin's log lines about any of the person's rows."""
    condition = Q(pk__in=[])
    touched = _touched_rows(user)
    # One query for all the content types (none once they are cached).
    types = ContentType.objects.get_for_models(
        *(entry.model for entry, _rows in touched), for_concrete_models=False
    )
    for entry, rows in touched:
        condition |= Q(content_type=types[entry.model], object_id__in=ids_as_text(rows))
    return condition


def suppression_keys(user: User) -> list[tuple[str, str]]:
    """(channel, keyed hash) for each channel the person has banned and we can key.

    Only addresses the person has shown to be theirs: a ban kept under an unverified one
    would silence its real owner, who may sign up later."""
    channels = set(
        MarketingBan.objects.filter(user=user, lifted_at__isnull=True).values_list(
            "channel", flat=True
        )
    )
    keys: set[tuple[str, str]] = set()
    if MarketingChannel.EMAIL in channels:
        keys |= {(MarketingChannel.EMAIL, email_key(a)) for a in verified_addresses(user=user)}
    for channel in (MarketingChannel.PHONE, MarketingChannel.SMS):
        if channel in channels and user.phone:
            keys.add((channel, phone_key(str(user.phone))))
    if MarketingChannel.POST in channels and user.street_address:
        keys.add((MarketingChannel.POST, address_key(user.street_address, user.postal_code)))
    return sorted(keys)
