"""The records about someone else that name the person as the one who acted: which record
and which field, nothing of the other person (the access export's "acted" part)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models.functions import Cast

from gdpr import declarations as registry
from gdpr.exports.data import CHUNK_SIZE, plain

if TYPE_CHECKING:
    from accounts.models import User


def acted_references(user: User, *, skip: dict[str, set[Any]]) -> Iterator[dict[str, Any]]:
    """Rows about someone else where ``user`` is named as the actor: which record and which
    field, nothing of the other person. One query for every model with actor fields: a
    UNION ALL of one part per actor field (a query per model was a fifth of an export's)."""
    entries = [entry for entry in registry.registered_models() if entry.actors]
    parts = [
        entry.model._default_manager.filter(**{name: user})
        .order_by()
        .annotate(
            _acted_model=models.Value(index),
            _acted_pk=Cast("pk", models.CharField()),
            _acted_field=models.Value(name, output_field=models.CharField()),
        )
        .values_list("_acted_model", "_acted_pk", "_acted_field")
        for index, entry in enumerate(entries)
        for name in entry.actors
    ]
    if not parts:
        return
    fields: dict[tuple[int, Any], list[str]] = {}
    for index, text_pk, name in (
        parts[0].union(*parts[1:], all=True).iterator(chunk_size=CHUNK_SIZE)
    ):
        pk = entries[index].model._meta.pk.to_python(text_pk)
        fields.setdefault((index, pk), []).append(name)
    for (index, pk), names in sorted(
        fields.items(), key=lambda item: (item[0][0], str(item[0][1]).zfill(40))
    ):
        entry = entries[index]
        if plain(pk) in skip.get(entry.label, set()):
            continue
        yield {
            "model": entry.label,
            "verbose_name": str(entry.model._meta.verbose_name),
            "id": plain(pk),
            # In the order the model declares its actors, as before.
            "fields": [name for name in entry.actors if name in names],
        }
