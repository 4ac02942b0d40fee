"""What an app adds to the erasure beyond its models' entries in the registry.

Most of an erasure is read from ``ModelEntry.erasure`` (delete, blank fields, keep until a
date). What is more than that is declared here, by the app that knows it, through
``gdpr.api``; gdpr runs it without importing the app:

- ``ErasureCheck``: legal grounds that stop the whole erasure now (Art. 17(3)) and
  warnings the person should read first (organizations: the only admin of an
  organization);
- ``Eraser``: a model whose rows are anonymised by more than blanking fields (a
  membership also ends and loses its link to the account);
- ``LegalClaims``: the person's rows a legal claim of the app needs (billing: a debt in
  collection). The erasure erases everything else and keeps those rows, restricted, until
  the app says the claim is settled (Art. 17(3)(e)); the retention job
  ``gdpr.settled_claims`` then erases them;
- ``ErasureDecision``: a choice the handler must make per affected record before the
  erasure may run (organizations: who becomes the admin of an organization whose only
  admin is erased). Undecided, the erasure raises ``ErasureUndecided``.

The values that name the person in free text are declared on the model entries
(``ModelEntry.identifying``), not here.

Plain dataclasses and dict registries, like ``gdpr.declarations``: this module imports no
app.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy

from gdpr.declarations import LazyText

if TYPE_CHECKING:
    from accounts.models import User


# Why rows held for a claim are kept, for the preview and the answer.
CLAIM_BASIS = gettext_lazy(
    "Needed to establish, exercise or defend a legal claim (GDPR Art. 17(3)(e)): kept,"
    " restricted to that use, until the claim is settled; then erased."
)


class Audience(StrEnum):
    """Who reads the erasure's preview: the person about their own erasure ("your
    membership ends"), or the controller's staff about the person's ("the person's
    membership ends"). The apps' warnings and steps are declared in both wordings."""

    PERSON = "person"
    CONTROLLER = "controller"


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
    # What the person should know first, said to them ("you are the only admin"); the
    # erasure may go ahead.
    warnings: Callable[[User], Sequence[str]] = _nothing
    # The same warnings for the controller's staff, who erase the person on request: of
    # the person in the third person, and pointing at the decisions on their page rather
    # than at what the person could do first. Required whenever ``warnings`` is given.
    controller_warnings: Callable[[User], Sequence[str]] | None = None

    def __post_init__(self) -> None:
        if self.warnings is not _nothing and self.controller_warnings is None:
            raise ValueError(f"{self.name}: warnings need controller_warnings too")


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
    # language. Said to the person ("your membership ends").
    step: Callable[[int], LazyText] | None = None
    # The same sentence for the controller's staff ("the person's membership ends");
    # required with ``step``.
    controller_step: Callable[[int], LazyText] | None = None

    def __post_init__(self) -> None:
        if (self.step is None) != (self.controller_step is None):
            raise ValueError(f"{self.model._meta.label}: give both step and controller_step")

    def step_for(self, count: int, audience: Audience) -> LazyText | None:
        """The step's sentence, worded for ``audience``; None when the eraser has none."""
        step = self.controller_step if audience is Audience.CONTROLLER else self.step
        return step(count) if step is not None else None


@dataclass(frozen=True)
class ClaimRows:
    """Rows of one registered model that a claim needs, by primary key."""

    model: type[models.Model]
    pks: tuple[Any, ...]


@dataclass(frozen=True)
class Claim:
    """One legal claim against the person, and the rows it needs kept."""

    # Stable within its source, e.g. "invoice:12": the source is asked later, by this key,
    # whether the claim is settled.
    key: str
    # Why, as a sentence for the person (lazy: rendered in the reader's language).
    reason: LazyText
    rows: tuple[ClaimRows, ...]


@dataclass(frozen=True)
class LegalClaims:
    """An app's legal claims against people (Art. 17(3)(e))."""

    # Unique among sources ("<app>.<what>").
    name: str
    claims: Callable[[User], Sequence[Claim]]
    # Of these keys, those whose claims are settled (or gone): their rows may be erased.
    settled: Callable[[Collection[str]], Collection[str]]


@dataclass(frozen=True)
class DecisionChoice:
    """One way the handler may decide a case: ``value`` is what the form posts."""

    value: str
    label: str


@dataclass(frozen=True)
class DecisionCase:
    """Something about the person that needs the handler's decision before erasing."""

    # Stable within its source (e.g. the organization's id): decisions are keyed by it.
    key: str
    # What is to be decided, for the handler.
    question: str
    choices: tuple[DecisionChoice, ...]


@dataclass(frozen=True)
class ErasureDecision:
    """Decisions an app needs from the handler before a person is erased.

    ``cases`` lists what needs deciding; ``apply`` carries out the decisions (one value
    per case key, from the cases' choices) in the erasure's transaction, before the
    person's rows are erased; it raises ``ValueError`` with a sentence for the handler
    when a decision is not acceptable."""

    name: str
    cases: Callable[[User], Sequence[DecisionCase]]
    apply: Callable[[User, Mapping[str, str], User | None], None]


_checks: dict[str, ErasureCheck] = {}
_erasers: dict[str, Eraser] = {}
_claims: dict[str, LegalClaims] = {}
_decisions: dict[str, ErasureDecision] = {}


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


def warnings_for(user: User, audience: Audience = Audience.PERSON) -> list[str]:
    """Every registered check's warnings about erasing ``user``, worded for ``audience``."""
    found = []
    for check in _sorted_checks():
        warnings = check.warnings
        if audience is Audience.CONTROLLER and check.controller_warnings is not None:
            warnings = check.controller_warnings
        found += warnings(user)
    return found


def eraser_for(model: type[models.Model]) -> Eraser | None:
    return _erasers.get(model._meta.label_lower)


def register_legal_claims(source: LegalClaims) -> LegalClaims:
    """Add (or replace, by name) a source of legal claims."""
    _claims[source.name] = source
    return source


def unregister_legal_claims(name: str) -> None:
    _claims.pop(name, None)


def legal_claims(name: str) -> LegalClaims | None:
    return _claims.get(name)


def claims_for(user: User) -> list[tuple[str, Claim]]:
    """Every registered source's claims against ``user``, as (source name, claim)."""
    return [(name, claim) for name in sorted(_claims) for claim in _claims[name].claims(user)]


def register_erasure_decision(decision: ErasureDecision) -> ErasureDecision:
    """Add (or replace, by name) a decision the handler makes before an erasure."""
    _decisions[decision.name] = decision
    return decision


def unregister_erasure_decision(name: str) -> None:
    _decisions.pop(name, None)


def decisions_for(user: User) -> list[tuple[ErasureDecision, list[DecisionCase]]]:
    """The registered decisions that have cases for ``user``, with those cases."""
    found = []
    for name in sorted(_decisions):
        cases = list(_decisions[name].cases(user))
        if cases:
            found.append((_decisions[name], cases))
    return found
