"""What other apps declare about who receives people's data, so gdpr can tell them (Art. 19)
and add their people to a disclosure without importing the apps.

- A ``RecipientSource`` says who, in its app, received a person's data (an organization
  whose admins see its members, say) and where to write to such a recipient. The Art. 19
  notices (``gdpr.disclosures.recipient_notices``) go to every declared recipient and to
  the partners and authorities of the disclosures gdpr records itself.
- A ``DisclosureSubjectSource`` offers a group of people the controller may add to a
  disclosure at once ("all active members of an organization") in the admin.

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


_recipient_sources: dict[str, RecipientSource] = {}
_subject_sources: dict[str, DisclosureSubjectSource] = {}


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
