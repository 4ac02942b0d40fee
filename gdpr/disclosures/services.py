"""Disclosures of people's data to someone outside the service (issue 5 item 8): a partner
for a fixed period, or an authority under the law; for one person or many.

They appear in the person's access export (Art. 15(1)(c)) and decide whom an Art. 19
notice goes to (``gdpr.disclosures.recipient_notices``). Adding people is a bulk insert:
a disclosure of a whole member register must not cost a query per person. Groups of people
(an organization's members) come from the sources other apps declare
(``gdpr.disclosures.hooks.DisclosureSubjectSource``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gdpr import declarations as registry
from gdpr.audit import acting_as, current_actor_id
from gdpr.disclosures.hooks import (
    disclosure_subject_source,
    identifier_choices,
    identifiers_carried_by,
)
from gdpr.models import AuditEntry, Disclosure, DisclosureSubject, ProcessingRestriction

if TYPE_CHECKING:
    from accounts.models import User

BATCH_SIZE = 1000


class DisclosureError(ValidationError):
    """A disclosure that cannot be recorded as given."""


def disclosure_validate(
    *,
    kind: str,
    recipient_name: str,
    recipient_email: str,
    purpose: str,
    legal_basis: str,
    categories: list[str],
    starts_on: datetime.date | None,
    ends_on: datetime.date | None,
    outside_eea: bool = False,
    destination_country: str = "",
    transfer_safeguards: str = "",
    identifiers: list[str] | None = None,
) -> None:
    """Raise DisclosureError naming each field that breaks a rule (shared by the admin
    form, so it shows the rules the service enforces)."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if kind not in Disclosure.Kind.values:
        add("kind", _("Choose whether the data goes to a partner or an authority."))
    if not recipient_name.strip():
        add("recipient_name", _("Name the recipient."))
    if recipient_email:
        try:
            validate_email(recipient_email)
        except ValidationError:
            add("recipient_email", _("Enter a valid email address."))
    if not purpose.strip():
        add("purpose", _("Say what the recipient uses the data for."))
    known = {category.key for category in registry.categories()}
    unknown = sorted(set(categories) - known)
    if not categories:
        add("categories", _("Choose at least one category of data."))
    elif unknown:
        add(
            "categories",
            _("Unknown categories of data: %(keys)s.") % {"keys": ", ".join(unknown)},
        )
    unknown_identifiers = sorted(set(identifiers or ()) - {k for k, _l in identifier_choices()})
    if unknown_identifiers:
        add(
            "identifiers",
            _("Unknown identifiers: %(keys)s.") % {"keys": ", ".join(unknown_identifiers)},
        )
    if starts_on is None:
        add("starts_on", _("Give the date the data is handed over."))
    if kind == Disclosure.Kind.PARTNER and ends_on is None:
        # A partner gets the data for a fixed period only (purpose limitation, Art. 5(1)(b)).
        add("ends_on", _("A disclosure to a partner needs an end date."))
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        add("ends_on", _("The end date cannot be before the start date."))
    if kind == Disclosure.Kind.AUTHORITY and not legal_basis.strip():
        add("legal_basis", _("A disclosure to an authority needs the provision that requires it."))
    if outside_eea and not destination_country.strip():
        add("destination_country", _("Name the country the data is transferred to."))
    if outside_eea and not transfer_safeguards.strip():
        add(
            "transfer_safeguards",
            _("A transfer outside the EU/EEA needs its safeguard (GDPR Art. 44 to 46)."),
        )
    if errors:
        raise DisclosureError(errors)


@transaction.atomic
def disclosure_record(
    *,
    kind: Disclosure.Kind | str,
    recipient_name: str,
    recipient_email: str = "",
    purpose: str,
    legal_basis: str = "",
    categories: Iterable[str],
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    outside_eea: bool = False,
    destination_country: str = "",
    transfer_safeguards: str = "",
    subjects: Iterable[User] | QuerySet | None = None,
    identifiers: Iterable[str] | None = None,
    actor: User | None,
) -> Disclosure:
    """Record a disclosure and the people whose data it carried.

    Categories are registry keys, so the access report and the Art. 19 notices can tell
    which data went where. ``identifiers``: the keys of the person identifiers that went
    with the data (``gdpr.disclosures.hooks.PersonIdentifier``), by which alone the Art. 19
    notices name a person to this recipient; none given, those the categories carry.
    """
    categories = list(dict.fromkeys(categories))
    identifiers = list(dict.fromkeys(identifiers or identifiers_carried_by(categories)))
    recipient_email = (recipient_email or "").strip()
    disclosure_validate(
        kind=str(kind),
        recipient_name=recipient_name,
        recipient_email=recipient_email,
        purpose=purpose,
        legal_basis=legal_basis,
        categories=categories,
        starts_on=starts_on,
        ends_on=ends_on,
        outside_eea=outside_eea,
        destination_country=destination_country,
        transfer_safeguards=transfer_safeguards,
        identifiers=identifiers,
    )
    with acting_as(actor):
        disclosure = Disclosure.objects.create(
            kind=kind,
            recipient_name=recipient_name.strip(),
            recipient_email=recipient_email,
            purpose=purpose.strip(),
            legal_basis=legal_basis.strip(),
            categories=categories,
            identifiers=identifiers,
            starts_on=starts_on,
            ends_on=ends_on,
            outside_eea=outside_eea,
            # Only a transfer has a destination to name.
            destination_country=destination_country.strip() if outside_eea else "",
            transfer_safeguards=transfer_safeguards.strip() if outside_eea else "",
            recorded_by=actor,
        )
    if subjects is not None:
        disclosure_add_subjects(disclosure, users=subjects, actor=actor)
    return disclosure


def _user_ids(users: Iterable[User] | QuerySet) -> Iterator[int]:
    if isinstance(users, QuerySet):
        # Streamed, so a register of tens of thousands is never held in memory at once.
        yield from users.values_list("pk", flat=True).order_by().iterator(chunk_size=BATCH_SIZE)
        return
    for user in users:
        yield user if isinstance(user, int) else user.pk


def _batches(ids: Iterator[int]) -> Iterator[list[int]]:
    while batch := list(islice(ids, BATCH_SIZE)):
        yield batch


@dataclass(frozen=True)
class Added:
    """What adding people to a disclosure did: how many were new, and how many were left
    out because the processing of their data is restricted."""

    added: int = 0
    restricted: int = 0

    def __add__(self, other: Added) -> Added:
        return Added(self.added + other.added, self.restricted + other.restricted)


@transaction.atomic
def disclosure_add_subjects(
    disclosure: Disclosure, *, users: Iterable[User] | QuerySet, actor: User | None
) -> Added:
    """Add people to a disclosure. Someone already on it is skipped, and so is, for a
    partner, someone whose processing is restricted (Art. 18(2) leaves only storage, legal
    claims and duties to authorities). Two SELECTs and two INSERTs per thousand people,
    whatever the source."""
    # Serialises concurrent additions to the same disclosure, so the "already on it"
    # check below cannot race.
    Disclosure.objects.select_for_update().filter(pk=disclosure.pk).exists()
    done = Added()
    with acting_as(actor):
        for batch in _batches(_user_ids(users)):
            done += _add_batch(disclosure, list(dict.fromkeys(batch)), actor=actor)
    return done


def _add_batch(disclosure: Disclosure, wanted: list[int], *, actor: User | None) -> Added:
    """Add one batch of people: who is already on it and who is restricted (for a
    partner) in one SELECT each, the rows and their audit entries in one INSERT each."""
    present = set(
        DisclosureSubject.objects.filter(disclosure=disclosure, user_id__in=wanted).values_list(
            "user_id", flat=True
        )
    )
    restricted = 0
    if disclosure.kind == Disclosure.Kind.PARTNER:
        held = set(
            ProcessingRestriction.objects.in_force()
            .filter(user_id__in=wanted)
            .values_list("user_id", flat=True)
        )
        restricted = len(held - present)
        present |= held
    rows = [
        DisclosureSubject(disclosure=disclosure, user_id=user_id)
        for user_id in wanted
        if user_id not in present
    ]
    if not rows:
        return Added(0, restricted)
    created = DisclosureSubject.objects.bulk_create(rows)
    _audit_created(created, actor=actor)
    return Added(len(created), restricted)


def _audit_created(rows: list[DisclosureSubject], *, actor: User | None) -> None:
    """bulk_create skips the audit trail's signals: record the additions the way a save
    would have (one entry per person, written in one INSERT)."""
    actor_id = actor.pk if actor is not None else current_actor_id()
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor_id=actor_id,
            subject_id=row.user_id,
            action=AuditEntry.Action.CREATED,
            model=DisclosureSubject._meta.label_lower,
            object_id=str(row.pk),
            changes={"user": [None, row.user_id]},
        )
        for row in rows
        if row.pk is not None
    )


def disclosure_add_from_source(
    disclosure: Disclosure, *, source: str, holder: Any, actor: User | None
) -> Added:
    """Add the people a declared source gives for ``holder`` (every active member of an
    organization, say) to a disclosure."""
    people = disclosure_subject_source(source).people(holder)
    return disclosure_add_subjects(disclosure, users=people, actor=actor)


def disclosures_of(user: User) -> QuerySet[Disclosure]:
    """The disclosures that carried ``user``'s data, newest first (one query)."""
    return Disclosure.objects.filter(
        pk__in=DisclosureSubject.objects.filter(user=user).values("disclosure_id")
    ).order_by("-starts_on", "-pk")
