"""What other apps declare about who receives people's data, so gdpr can tell them (Art. 19)
and add their people to a disclosure without importing the apps.

- A ``RecipientSource`` says who, in its app, received a person's data (an organization
  whose admins see its members, say) and where to write to such a recipient. The Art. 19
  notices (``gdpr.disclosures.recipient_notices``) go to every declared recipient and to
  the partners and authorities of the disclosures gdpr records itself.
- A ``DisclosureSubjectSource`` offers a group of people the controller may add to a
  disclosure at once ("all active members of an organization") in the admin.
- A ``PersonIdentifier`` is a value by which a recipient recognises a person (a name, an
  email address, a member number), with the category of data that carries it. A notice
  names the person to a recipient only by the identifiers that recipient received: telling
  a partner that got member numbers the person's name and email would disclose them.

Apps register them from their ``AppConfig.ready()`` through ``gdpr.api``; this module
imports no app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import QuerySet

from gdpr.declarations import LazyText

if TYPE_CHECKING:
    from accounts.models import User
    from gdpr.models import Disclosure


@dataclass(frozen=True)
class RecipientAddress:
    """Where a message to a recipient goes, and in which language it is written."""

    email: str
    language: str


@dataclass(frozen=True)
class DataRecipient:
    """Someone who received a person's data."""

    # "organization", "partner", "authority": what kind of recipient this is.
    kind: str
    name: str
    # Why they have the data, in the subject's words ("Member", "Contact person", purpose).
    reason: str
    # The row in the service that is the recipient (an organization); the notice keeps a
    # reference to it, and a correction goes only to the holder of the corrected record.
    holder: models.Model | None = None
    # The address recorded on the notice: the recipient's own, never an admin's personal
    # one (the notice row outlives that admin's data).
    email: str = ""
    # Where a notice goes; empty when there is no address.
    addresses: tuple[RecipientAddress, ...] = field(default=(), compare=False)
    # The registry categories that went; empty when the holder sees all it holds (then a
    # correction reaches it only for its own records).
    categories: tuple[str, ...] = ()
    # Set for the partners and authorities of gdpr's own disclosures.
    disclosure: Disclosure | None = None
    # Keys of the PersonIdentifiers the recipient received: the notice names the person by
    # these only (their values as ``holder`` holds them, when there is a holder).
    identifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecipientSource:
    """Who, in one app, received people's data.

    ``recipients_for(user)`` lists them, in the order they are shown (a fixed, small
    number of queries whatever the count). ``addresses_of(holder, exclude)`` says where to
    write to one holder of ``holder_model`` about someone, never to ``exclude`` (the person
    the message is about); gdpr uses it to tell a holder of a request for it to decide.
    """

    name: str
    recipients_for: Callable[[User], Iterable[DataRecipient]]
    holder_model: type[models.Model] | None = None
    addresses_of: Callable[[models.Model, User | None], Iterable[RecipientAddress]] | None = None


@dataclass(frozen=True)
class DisclosureSubjectSource:
    """A group of people the controller may add to a disclosure in one step.

    ``key`` names the admin form's field. The controller picks a holder through
    ``holder_field``, a relation to the holders (its target's admin search gives the
    autocomplete); ``people(holder)`` is a queryset of the users it adds.
    """

    key: str
    label: LazyText
    help_text: LazyText
    holder_field: models.Field
    people: Callable[[Any], QuerySet]

    @property
    def holder_model(self) -> type[models.Model]:
        return self.holder_field.remote_field.model


@dataclass(frozen=True)
class PersonIdentifier:
    """A value by which a recipient recognises whom a notice is about.

    ``key`` names the identifier across apps ("name", "email", "member_number"); several
    apps may declare the same key, each for a category of data that carries it (a name
    comes with the account's identity and with a membership record). ``values(user,
    holder)`` gives the person's values as ``holder`` (a recipient's row, such as an
    organization) holds them, or all of them when ``holder`` is None.
    """

    key: str
    label: LazyText
    category: str
    values: Callable[[User, models.Model | None], Iterable[str]]


_recipient_sources: dict[str, RecipientSource] = {}
_subject_sources: dict[str, DisclosureSubjectSource] = {}
_identifiers: dict[tuple[str, str], PersonIdentifier] = {}


def register_recipient_source(source: RecipientSource) -> RecipientSource:
    _recipient_sources[source.name] = source
    return source


def unregister_recipient_source(name: str) -> None:
    _recipient_sources.pop(name, None)


def recipient_sources() -> list[RecipientSource]:
    """The declared sources, in the order they were registered."""
    return list(_recipient_sources.values())


def recipient_source_for(holder: models.Model) -> RecipientSource | None:
    """The source whose recipients are rows like ``holder``, if one is declared."""
    for source in _recipient_sources.values():
        if source.holder_model is not None and isinstance(holder, source.holder_model):
            return source
    return None


def register_disclosure_subject_source(source: DisclosureSubjectSource) -> DisclosureSubjectSource:
    _subject_sources[source.key] = source
    return source


def unregister_disclosure_subject_source(key: str) -> None:
    _subject_sources.pop(key, None)


def disclosure_subject_sources() -> list[DisclosureSubjectSource]:
    return list(_subject_sources.values())


def disclosure_subject_source(key: str) -> DisclosureSubjectSource:
    """The source named ``key``; KeyError when none is declared."""
    return _subject_sources[key]


def register_person_identifier(identifier: PersonIdentifier) -> PersonIdentifier:
    _identifiers[(identifier.key, identifier.category)] = identifier
    return identifier


def unregister_person_identifier(key: str, category: str) -> None:
    _identifiers.pop((key, category), None)


def person_identifiers() -> list[PersonIdentifier]:
    """The declared identifiers, in the order they were registered."""
    return list(_identifiers.values())


def identifier_choices() -> list[tuple[str, str]]:
    """One (key, label) per identifier key, for choosing what went with a disclosure."""
    found: dict[str, str] = {}
    for identifier in _identifiers.values():
        found.setdefault(identifier.key, str(identifier.label))
    return list(found.items())


def identifiers_carried_by(categories: Iterable[str]) -> tuple[str, ...]:
    """The identifier keys that data of ``categories`` carries, in declaration order."""
    wanted = set(categories)
    keys = (i.key for i in _identifiers.values() if i.category in wanted)
    return tuple(dict.fromkeys(keys))


def identify(
    user: User, keys: Iterable[str], *, holder: models.Model | None = None
) -> list[tuple[LazyText, str]]:
    """(label, value) for each value of the identifiers ``keys`` that ``user`` has, as
    ``holder`` holds them (all of them without a holder), without repeats. The labels
    stay lazy: each notice renders them in its recipient's language."""
    # Keyed without case: the same address typed in capitals by an admin is one value.
    found: dict[tuple[str, str], tuple[LazyText, str]] = {}
    for key in dict.fromkeys(keys):
        declared = [i for i in _identifiers.values() if i.key == key]
        for identifier in declared:
            for value in identifier.values(user, holder):
                value = (value or "").strip()
                if value:
                    found.setdefault((key, value.casefold()), (declared[0].label, value))
    return list(found.values())
