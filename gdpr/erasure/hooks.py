"""What an app adds to the erasure beyond its models' entries in the registry.

Most of an erasure is read from ``ModelEntry.erasure`` (delete, blank fields, keep until a
date). What is more than that is declared here, by the app that knows it, through
``gdpr.api``; gdpr runs it without importing the app:

- ``ErasureCheck``: legal grounds that stop the erasure now (billing: a claim in debt
  collection, Art. 17(3)(e)) and warnings the person should read first (organizations:
  the only admin of an organization);
- ``Eraser``: a model whose rows are anonymised by more than blanking fields (a
  membership also ends and loses its link to the account).

The values that name the person in free text are declared on the model entries
(``ModelEntry.identifying``), not here.

Plain dataclasses and dict registries, like ``gdpr.declarations``: this module imports no
app.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models

from gdpr.declarations import LazyText

if TYPE_CHECKING:
    from accounts.models import User


def _nothing(user: User) -> Sequence[str]:
    return ()


@dataclass(frozen=True)
class ErasureCheck:
    """What an app says before a person is erased, each as a sentence for the person."""

    # Unique among checks ("<app>.<what>"); registering the name again
    # replaces the check.
    name: str
    # Legal grounds to keep the data that stop the erasure now (Art. 17(3)).
    refusal_grounds: Callable[[User], Sequence[str]] = _nothing
    # What the person (and the controller) should know first; the erasure may go ahead.
    warnings: Callable[[User], Sequence[str]] = _nothing


@dataclass(frozen=True)
class Eraser:
    """How the person's rows of a model are anonymised when that is more than blanking the
    fields its entry names (``Erasure.anonymise(...)``, which stays the declaration of what
    is removed). Runs, in the erasure's transaction, instead of the plain blanking."""

    model: type[models.Model]
    # Writes the rows (the person's, fixed before the erasure started) and returns how many
    # it anonymised. ``blanks`` maps the entry's erased fields to their empty values, for
    # the same UPDATE.
    erase: Callable[[models.QuerySet, Mapping[str, Any]], int]
    # Fields the preview lists as removed beyond the entry's (e.g. the link to the account).
    also_removes: tuple[str, ...] = ()
    # A sentence for the preview's "at once" list, given how many of the person's rows
    # there are (called only when there are some); lazy, so it renders in the reader's
    # language.
    step: Callable[[int], LazyText] | None = None


_checks: dict[str, ErasureCheck] = {}
_erasers: dict[str, Eraser] = {}


def register_erasure_check(check: ErasureCheck) -> ErasureCheck:
    """Add (or replace, by name) an erasure check."""
    _checks[check.name] = check
    return check


def unregister_erasure_check(name: str) -> None:
    _checks.pop(name, None)


def register_eraser(eraser: Eraser) -> Eraser:
    """Add (or replace) the eraser of a model."""
    _erasers[eraser.model._meta.label_lower] = eraser
    return eraser


def unregister_eraser(model: type[models.Model]) -> None:
    _erasers.pop(model._meta.label_lower, None)


def _sorted_checks() -> list[ErasureCheck]:
    # By name: the order the person reads them in does not depend on INSTALLED_APPS.
    return [_checks[name] for name in sorted(_checks)]


def refusal_grounds_for(user: User) -> list[str]:
    """Every registered check's grounds to refuse erasing ``user`` now."""
    return [ground for check in _sorted_checks() for ground in check.refusal_grounds(user)]


def warnings_for(user: User) -> list[str]:
    """Every registered check's warnings about erasing ``user``."""
    return [warning for check in _sorted_checks() for warning in check.warnings(user)]


def eraser_for(model: type[models.Model]) -> Eraser | None:
    return _erasers.get(model._meta.label_lower)
