"""What an erasure kept, for the answer sent to the person (Art. 17(3) and 12(4)); their
values are redacted from what is kept of the answer by ``gdpr.erasure.redaction``.

Imports nothing of gdpr's workflow: the requests desk, which sends the answer, may import
it.
"""

from __future__ import annotations

import datetime
from typing import Any

from gdpr.declarations import registered_models
from gdpr.erasure.hooks import CLAIM_BASIS


def kept_after_erasure(outcome: dict[str, Any] | None) -> list[dict[str, Any]]:
    """What an executed erasure kept, for the person's answer: the kind of record, how
    many, until when and on what legal basis (lazy texts: rendered in their language);
    then what it kept, restricted, for a legal claim, until the claim is settled."""
    entries = {entry.label: entry for entry in registered_models()}
    kept = []
    summary = (outcome or {}).get("summary") or {}
    for item in summary.get("held", []):
        entry = entries.get(item["model"])
        if entry is not None:
            kept.append(
                {
                    "name": entry.record_name(plural=True),
                    "count": item["count"],
                    "until": None,
                    "basis": CLAIM_BASIS,
                    "claim": True,
                }
            )
    for item in summary.get("kept", []):
        entry = entries.get(item["model"])
        if entry is None:
            continue
        kept.append(
            {
                "name": entry.record_name(plural=True),
                "count": item["count"],
                "until": datetime.date.fromisoformat(item["until"]) if item["until"] else None,
                "basis": entry.erasure.basis,
            }
        )
    return kept


def attached_after_erasure(outcome: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The records an executed erasure reached that no key had pointed at, found under the
    person's details: the kind of record and how many (their names lazy, for the answer
    in the person's language)."""
    entries = {entry.label: entry for entry in registered_models()}
    attached = ((outcome or {}).get("summary") or {}).get("attached") or {}
    return [
        {"name": entries[label].record_name(plural=True), "count": count}
        for label, count in sorted(attached.items())
        if label in entries
    ]
