"""Replaying the erasure ledger on a restored database (``gdpr.ledger``).

A restored backup holds again every person erased after it was taken. Each erasure is
done again for the same account ids: the same steps as the original (``execute._erase``,
then the redaction of the kept texts), on the person's rows as the restored database
holds them plus the row ids the ledger recorded (rows attached to the request, or already
detached from the account). The person's values are read from the restored rows, as the
original read them from the live ones, so the free texts lose the same values. What is
already gone is simply not found: replaying twice changes nothing.

Nothing is sent: the recipients were told and the person answered by the original
erasure. Settled claims and retention purges are replayed from their own entries.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import transaction

from accounts.models import User
from gdpr.audit import acting_as, audit_blank, audit_suppressed
from gdpr.erasure.claims import _erase_released, claim_release_replay
from gdpr.erasure.execute import (
    ErasureUndecided,
    _apply_decisions,
    _erase,
    _keep_redaction_keys,
)
from gdpr.erasure.plan import erasure_plan
from gdpr.erasure.redaction import REDACTION_KEYS, redact_kept_texts, redaction_for
from gdpr.erasure.rows import delete_files_on_commit, rows_now
from gdpr.ledger import ledger_known_ids, ledger_replaying, ledger_store_replayed
from gdpr.models import DataSubjectRequest, ErasureLedgerEntry
from gdpr.retention.jobs import job as retention_job
from gdpr.retention.jobs import run_job

logger = logging.getLogger(__name__)


@dataclass
class Replayed:
    """One ledger entry done again: what it touched, by model label."""

    entry_id: str
    kind: str
    recorded_at: str
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _typed(label: str, ids: list[Any]) -> list[Any]:
    pk = apps.get_model(label)._meta.pk
    return [pk.to_python(value) for value in ids]


def _replay_erasure(data: dict[str, Any], replayed: Replayed) -> None:
    payload = data["payload"]
    recorded = {label: item["ids"] for label, item in payload.get("rows", {}).items()}
    user = User.objects.filter(pk=data.get("subject_id")).first()
    if user is None:
        # The account was made after the backup: only rows attached from elsewhere can be
        # in the restored database, and they are erased the way the erasure erased them.
        files: list = []
        with audit_suppressed():
            for label, ids in recorded.items():
                if label == "accounts.user":
                    continue
                model = apps.get_model(label)
                n = _erase_released(model, ids, files)
                audit_blank(model._meta.label_lower, ids)
                if n:
                    replayed.counts[model._meta.label] = n
        delete_files_on_commit(files)
        return
    request = DataSubjectRequest.objects.filter(pk=data.get("request_id")).first()
    pks = rows_now(user)
    for label, ids in recorded.items():
        if label in pks:
            pks[label] = list(dict.fromkeys([*pks[label], *_typed(label, ids)]))
    plan = erasure_plan(user)
    redaction = redaction_for(user)
    try:
        _apply_decisions(user, plan, payload.get("decisions", {}), actor=None)
    except ErasureUndecided as error:
        # The organizations' successors as decided then may not fit the older data: the
        # erasure goes ahead as the original did; the handler checks the organization.
        replayed.notes.append(str(error))
    with acting_as(None), audit_suppressed():
        summary = _erase(user, plan, pks, request=request)
        redact_kept_texts(redaction, pks)
    for label, n in {**summary["deleted"], **summary["anonymised"]}.items():
        replayed.counts[label] = replayed.counts.get(label, 0) + n
    outcome = payload.get("outcome")
    if request is not None and outcome:
        DataSubjectRequest.objects.filter(pk=request.pk).update(outcome=outcome)
        _keep_redaction_keys(
            pks["gdpr.datasubjectrequest"], outcome.get(REDACTION_KEYS, []), but=request
        )


def _replay_claim(data: dict[str, Any], replayed: Replayed) -> None:
    at = datetime.datetime.fromisoformat(data["recorded_at"])
    replayed.counts = claim_release_replay(data["payload"], at)


def _replay_retention(data: dict[str, Any], replayed: Replayed) -> None:
    payload = data["payload"]
    try:
        retention_job(payload["job"])
    except KeyError:
        replayed.notes.append(f"unknown job {payload['job']}")
        return
    # The same purge at the same moment: what had passed its date then goes again.
    run = run_job(payload["job"], now=datetime.datetime.fromisoformat(payload["now"]))
    replayed.counts = dict(run.counts)


_REPLAY = {
    ErasureLedgerEntry.Kind.ERASURE: _replay_erasure,
    ErasureLedgerEntry.Kind.CLAIM_SETTLED: _replay_claim,
    ErasureLedgerEntry.Kind.RETENTION: _replay_retention,
}


def ledger_replay(entries: list[dict[str, Any]]) -> list[Replayed]:
    """Do again, oldest first, every entry the database does not hold (those after its
    backup was taken); each is then stored, so a second replay does nothing."""
    known = ledger_known_ids()
    done = []
    for data in sorted(entries, key=lambda e: (e["recorded_at"], e["id"])):
        if data["id"] in known:
            continue
        replayed = Replayed(data["id"], data["kind"], data["recorded_at"])
        with transaction.atomic(), ledger_replaying():
            _REPLAY[ErasureLedgerEntry.Kind(data["kind"])](data, replayed)
            ledger_store_replayed(data)
        logger.info(
            "Replayed erasure ledger entry %s (%s of %s): %s",
            data["id"],
            data["kind"],
            data["recorded_at"],
            replayed.counts,
        )
        done.append(replayed)
    return done
