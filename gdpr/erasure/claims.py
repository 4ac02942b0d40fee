"""Rows kept for a legal claim (Art. 17(3)(e)): held by the erasure, erased once settled.

The apps declare their claims (``gdpr.api.register_legal_claims``): which of the person's
rows a claim needs, and later whether it is settled. The erasure keeps those rows as they
are, detached from the account, and records each as a ``ClaimHold``; everything else of
the person is erased as usual. The retention job ``gdpr.settled_claims`` asks each source
which of its claims are settled and erases their rows the way the erasure would have
(the app's eraser, the entry's anonymising or deleting; kept-by-law rows are left to their
own purge), unless another open claim still needs them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from gdpr.audit import audit_blank, audit_suppressed
from gdpr.declarations import ErasureStrategy, ModelEntry, entry_for
from gdpr.erasure.hooks import claims_for, eraser_for, legal_claims
from gdpr.erasure.rows import (
    anonymise_rows,
    blanks,
    by_pk,
    collect_files,
    delete_files_on_commit,
)
from gdpr.keys import keyed_hash
from gdpr.ledger import ledger_append
from gdpr.models import ClaimHold, DataSubjectRequest, ErasureLedgerEntry

if TYPE_CHECKING:
    from accounts.models import User
    from gdpr.erasure.plan import ErasurePlan


def _detach(entry: ModelEntry, pks: list[Any]) -> None:
    """Cut a held row's link to the account (which the erasure deletes), keeping what the
    claim needs: the app's eraser with nothing blanked, or the plain link nulled."""
    rows = by_pk(entry.model, pks)
    eraser = eraser_for(entry.model)
    if eraser is not None:
        eraser.erase(rows, {})
        return
    if entry.erasure.strategy is ErasureStrategy.KEEP_UNTIL or not isinstance(entry.person, str):
        return
    field = entry.model._meta.get_field(entry.person) if "__" not in entry.person else None
    if isinstance(field, models.ForeignKey) and field.null:
        rows.update(**{field.name: None})


def hold_claimed_rows(
    user: User, plan: ErasurePlan, *, request: DataSubjectRequest
) -> list[dict[str, Any]]:
    """Record and detach the rows the plan holds for claims; ``[{"model", "count"}]``."""
    if not plan.held:
        return []
    now = timezone.now()
    holds = []
    for source, claim in claims_for(user):
        for rows in claim.rows:
            key = rows.model._meta.label_lower
            content_type = ContentType.objects.get_for_model(rows.model)
            holds += [
                ClaimHold(
                    request=request,
                    source=source,
                    claim_key=claim.key,
                    content_type=content_type,
                    object_id=str(pk),
                    reason=str(claim.reason),
                    held_since=now,
                )
                for pk in plan.held.get(key, set()) & set(rows.pks)
            ]
    ClaimHold.objects.bulk_create(holds, ignore_conflicts=True)
    held = []
    for key, pks in plan.held.items():
        entry = entry_for(apps.get_model(key))
        _detach(entry, list(pks))
        held.append({"model": entry.label, "count": len(pks)})
    return held


def _erase_released(model: type[models.Model], pks: list[Any], files: list) -> int:
    """Erase the rows a settled claim no longer needs, as the erasure would have."""
    entry = entry_for(model)
    if entry is None:
        return 0
    eraser = eraser_for(model)
    if eraser is not None:
        files += collect_files(entry, pks)
        return eraser.erase(by_pk(model, pks), blanks(entry))
    match entry.erasure.strategy:
        case ErasureStrategy.ANONYMISE:
            return anonymise_rows(entry, pks, files)
        case ErasureStrategy.DELETE:
            files += collect_files(entry, pks)
            return by_pk(model, pks).delete()[0]
    # Kept by law (or nothing to do): its own purge takes it when its date has passed.
    return 0


def erase_settled_claims(now: datetime.datetime) -> dict[str, int]:
    """Erase the held rows of every settled claim; safe to run twice (a released hold is
    not looked at again)."""
    open_holds = list(
        ClaimHold.objects.filter(released_at__isnull=True)
        .select_related("content_type")
        .select_for_update(skip_locked=True, of=("self",))
    )
    keys: dict[str, set[str]] = defaultdict(set)
    for hold in open_holds:
        keys[hold.source].add(hold.claim_key)
    settled: set[tuple[str, str]] = set()
    for source_name, claim_keys in keys.items():
        source = legal_claims(source_name)
        if source is None:
            continue  # nobody can say the claim is settled: keep holding
        settled |= {(source_name, key) for key in source.settled(claim_keys)}
    released = [h for h in open_holds if (h.source, h.claim_key) in settled]
    if not released:
        return {}
    # A row another open claim still needs stays.
    still_needed = {
        (h.content_type_id, h.object_id)
        for h in open_holds
        if (h.source, h.claim_key) not in settled
    }
    to_erase: dict[ContentType, set[str]] = defaultdict(set)
    for hold in released:
        if (hold.content_type_id, hold.object_id) not in still_needed:
            to_erase[hold.content_type].add(hold.object_id)
    counts: dict[str, int] = {}
    files: list = []
    erased: dict[str, list[str]] = {}
    with audit_suppressed():
        for content_type, object_ids in to_erase.items():
            model = content_type.model_class()
            if model is None:
                continue
            n = _erase_released(model, sorted(object_ids), files)
            erased[model._meta.label_lower] = sorted(object_ids)
            if n:
                counts[model._meta.label] = n
                audit_blank(model._meta.label_lower, sorted(object_ids))
        ClaimHold.objects.filter(pk__in=[h.pk for h in released]).update(released_at=now)
    delete_files_on_commit(files)
    ledger_append(
        kind=ErasureLedgerEntry.Kind.CLAIM_SETTLED,
        payload={
            "rows": erased,
            "holds": sorted(h.pk for h in released),
            # By keyed hash, as the erasure's entries (gdpr.erasure.execute).
            "files": sorted(keyed_hash("file", name) for _storage, name in files),
        },
    )
    counts[ClaimHold._meta.label] = len(released)
    return counts


def claim_release_replay(payload: dict[str, Any], now: datetime.datetime) -> dict[str, int]:
    """A settled claim's erasure again, from its ledger entry (a restored backup still
    holds the rows): the same rows erased the same way, the same holds released."""
    counts: dict[str, int] = {}
    files: list = []
    with audit_suppressed():
        for label, object_ids in payload.get("rows", {}).items():
            model = apps.get_model(label)
            n = _erase_released(model, object_ids, files)
            if n:
                counts[model._meta.label] = n
            audit_blank(model._meta.label_lower, object_ids)
        ClaimHold.objects.filter(pk__in=payload.get("holds", []), released_at__isnull=True).update(
            released_at=now
        )
    delete_files_on_commit(files)
    return counts
