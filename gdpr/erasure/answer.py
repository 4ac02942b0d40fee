"""What an erasure kept, for the answer sent to the person (Art. 17(3) and 12(4)); their
values are redacted from what is kept of the answer by ``gdpr.erasure.redaction``.

Also the outcome as the controller's staff read it on the request's page
(``outcome_lines``). Imports nothing of gdpr's workflow: the requests desk, which sends the
answer, may import it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext

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


def outcome_lines(outcome: dict[str, Any] | None) -> list[str]:
    """An executed erasure's outcome as sentences for the controller's staff: when it ran,
    and per kind of record what it did, with the counts (the keyed hashes it keeps for
    redaction are no reading matter and are left out)."""
    outcome = outcome or {}
    entries = {entry.label: entry for entry in registered_models()}

    def name(label: str) -> str:
        entry = entries.get(label)
        return str(entry.record_name(plural=True)) if entry else label

    lines: list[str] = []
    executed = outcome.get("executed_at")
    if executed:
        try:
            at = timezone.localtime(datetime.datetime.fromisoformat(executed))
        except ValueError:
            at = None
        if at is not None:
            lines.append(gettext("Erased on %(date)s.") % {"date": at.strftime("%d.%m.%Y %H:%M")})
    summary = outcome.get("summary") or {}
    for label, count in sorted((summary.get("deleted") or {}).items()):
        lines.append(
            gettext("Deleted: %(records)s, %(count)s.") % {"records": name(label), "count": count}
        )
    for label, count in sorted((summary.get("anonymised") or {}).items()):
        lines.append(
            gettext("Kept without what identifies the person: %(records)s, %(count)s.")
            % {"records": name(label), "count": count}
        )
    for item in summary.get("kept") or []:
        until = item.get("until")
        entry = entries.get(item.get("model", ""))
        values = {
            "date": datetime.date.fromisoformat(until).strftime("%d.%m.%Y") if until else "—",
            "records": name(item.get("model", "")),
            "count": item.get("count", 0),
        }
        if entry is not None and entry.erasure.basis:
            # Why the law keeps them, as the person's answer says it.
            lines.append(
                gettext("Kept until %(date)s: %(records)s, %(count)s. Why: %(basis)s")
                % {**values, "basis": entry.erasure.basis}
            )
        else:
            lines.append(gettext("Kept until %(date)s: %(records)s, %(count)s.") % values)
    for item in summary.get("held") or []:
        lines.append(
            gettext("Kept, restricted, for a legal claim: %(records)s, %(count)s. Why: %(basis)s")
            % {
                "records": name(item.get("model", "")),
                "count": item.get("count", 0),
                "basis": CLAIM_BASIS,
            }
        )
    for label, count in sorted((summary.get("actor_references") or {}).items()):
        lines.append(
            gettext("The person's name removed from other people's %(records)s: %(count)s.")
            % {"records": name(label), "count": count}
        )
    counts = (
        ("audit_entries", gettext("Changes in the history emptied of their values: %(count)s.")),
        ("admin_log_entries", gettext("Lines of the administrators' log deleted: %(count)s.")),
        ("files", gettext("Stored files deleted: %(count)s.")),
        ("sessions", gettext("Signed-in sessions ended: %(count)s.")),
    )
    for key, text in counts:
        if summary.get(key):
            lines.append(text % {"count": summary[key]})
    for label, count in sorted((summary.get("attached") or {}).items()):
        lines.append(
            gettext("Attached to the request and handled with the rest: %(records)s, %(count)s.")
            % {"records": name(label), "count": count}
        )
    if "recipients_notified" in outcome:
        lines.append(
            gettext("Recipients told of the erasure (Art. 19): %(count)s.")
            % {"count": outcome["recipients_notified"]}
        )
    return lines
