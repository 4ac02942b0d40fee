"""What is written to and about a person after their erasure: what was kept (for the answer
sent to them, Art. 17(3) and 12(4)) and their values blanked from the text kept of it.

Imports nothing of gdpr's workflow: the requests desk, which sends the answer, may import
it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from accounts.selectors import verified_addresses
from gdpr.declarations import registered_models
from gdpr.erasure.hooks import subject_names_for

if TYPE_CHECKING:
    from accounts.models import User


def kept_after_erasure(outcome: dict[str, Any] | None) -> list[dict[str, Any]]:
    """What an executed erasure kept, for the person's answer: the kind of record, how
    many, until when and on what legal basis (lazy texts: rendered in their language)."""
    entries = {entry.label: entry for entry in registered_models()}
    kept = []
    for item in ((outcome or {}).get("summary") or {}).get("kept", []):
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


def subject_values(user: User) -> list[str]:
    """What names the person in free text: their name, addresses, phone and street
    address, and the names they go by in the apps' records (e.g. organizations' member
    registers: ``gdpr.api.register_subject_names``); longest first."""
    values = {user.get_full_name(), user.first_name, user.last_name, user.email}
    values |= {str(user.phone) if user.phone else "", user.street_address}
    values |= verified_addresses(user=user)
    values |= subject_names_for(user)
    # Shorter strings ("Li") would blank ordinary words around them.
    return sorted({v.strip() for v in values if v and len(v.strip()) >= 3}, key=len, reverse=True)


def redact(text: str, values: Iterable[str]) -> str:
    """``text`` with each of ``values`` replaced, whatever its case: what is written about
    an erased person after the erasure (the answer sent to them) keeps no copy of them."""
    for value in values:
        # Whole words only: a first name "Ann" leaves "annual" alone.
        pattern = rf"(?<!\w){re.escape(value)}(?!\w)"
        text = re.sub(pattern, _("[erased]"), text, flags=re.IGNORECASE)
    return text
