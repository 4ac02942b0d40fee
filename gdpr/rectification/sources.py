"""What the apps declare for rectification (GDPR Art. 16); gdpr imports none of them.

An app registers, from its ``AppConfig.ready()``, through ``gdpr.api``:

- a ``RectifiableSource`` for each model whose rows hold data about a person that the
  person cannot edit themselves: which fields may be corrected, how the person's rows are
  found, how an accepted value is applied (through the app's own service) and who holds
  each row;
- a ``RecordHolder`` for each kind of holder other than the controller (an organization):
  who administers a holder and so decides corrections of its records, where the holder is
  told a correction waits, and the page where it is decided.

A row whose holder is ``None`` is the controller's: only the controller's staff decide it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import QuerySet

from gdpr.declarations import LazyText

if TYPE_CHECKING:
    from accounts.models import User
    from gdpr.models import DataSubjectRequest


class ValueKind(models.TextChoices):
    TEXT = "text"
    LONG_TEXT = "long_text"
    EMAIL = "email"
    DATE = "date"
    PHONE = "phone"
    CHOICE = "choice"


def _always(obj: Any) -> bool:
    return True


@dataclass(frozen=True)
class RectifiableField:
    name: str
    label: LazyText
    kind: ValueKind = ValueKind.TEXT
    # For CHOICE: the model's choices.
    choices: tuple[tuple[str, LazyText], ...] = ()
    # Whether this field of this row may be corrected through a request (e.g. the end
    # date only of an ended membership).
    applies: Callable[[Any], bool] = _always


@dataclass(frozen=True)
class RectifiableSource:
    """One model whose rows hold data about a person that the person cannot edit.

    ``apply(obj, field, value, *, actor, reason)`` applies an accepted, already cleaned
    value through the owning app's service; a ``ValidationError`` it raises is shown to
    whoever decides.
    """

    model: type[models.Model]
    # What kind of record, in words ("Membership").
    noun: LazyText
    fields: tuple[RectifiableField, ...]
    # The person's rows (with what ``describe`` and ``holder`` need, in one query).
    rows: Callable[[User], QuerySet]
    # Which record: "Membership of Malmin Ilmailukerho ry".
    describe: Callable[[Any], str]
    # Who decides: the holder of the row (its admins decide, see ``RecordHolder``), or
    # None when the controller holds it.
    holder: Callable[[Any], models.Model | None]
    apply: Callable[..., None]
    # How an accepted correction is applied, in the member's words.
    how: LazyText
    # Where the source's data comes on the member's page (lower first).
    order: int = 100

    @property
    def label(self) -> str:
        """The first part of a datum's key: the model's "<app_label>.<model_name>"."""
        return self.model._meta.label_lower

    def field(self, name: str) -> RectifiableField | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class RecordHolder:
    """A kind of holder of records (an organization) whose admins decide corrections of
    the records it holds."""

    model: type[models.Model]
    # Whether ``user`` administers ``holder``: (user, holder) -> bool.
    administers: Callable[[User, Any], bool]
    # Where to tell ``holder`` a correction waits, as (language, email) pairs; never the
    # address of ``exclude`` (the person who asks): (holder, *, exclude) -> pairs.
    addresses: Callable[..., Iterable[tuple[str, str]]]
    # The page where the holder's admins decide ``request``: (holder, request) -> path.
    decide_path: Callable[[Any, DataSubjectRequest], str]

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


_sources: dict[str, RectifiableSource] = {}
_holders: dict[str, RecordHolder] = {}


def register_source(source: RectifiableSource) -> RectifiableSource:
    _sources[source.label] = source
    return source


def unregister_source(source: RectifiableSource) -> None:
    """For tests that declare a source of their own."""
    _sources.pop(source.label, None)


def sources() -> list[RectifiableSource]:
    """The registered sources in page order (then in the order they were registered)."""
    return sorted(_sources.values(), key=lambda source: source.order)


def source_for(label: str) -> RectifiableSource | None:
    return _sources.get(label)


def register_holder(holder: RecordHolder) -> RecordHolder:
    _holders[holder.label] = holder
    return holder


def unregister_holder(holder: RecordHolder) -> None:
    """For tests that declare a holder of their own."""
    _holders.pop(holder.label, None)


def holder_kind(obj: models.Model | None) -> RecordHolder | None:
    """The declaration of ``obj``'s kind of holder; None for the controller or for a kind
    nobody declared (then only the controller decides)."""
    if obj is None:
        return None
    return _holders.get(obj._meta.label_lower)
