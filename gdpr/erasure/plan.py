"""The erasure preview (Art. 17): every record of the person and what the erasure does to
it, the grounds for refusing it now, and the warnings to read first.

Driven by the personal-data registry: each model's entry says how to find the person's
rows and whether they are deleted, anonymised or kept until a date on a legal basis; the
apps' erasure hooks (``gdpr.erasure.hooks``) add refusal grounds, warnings and erasers of
their own. The execution (``gdpr.erasure.execute``) reads the same querysets, so what the
person is shown is what happens.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.db import models
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from gdpr.declarations import ErasureStrategy, LazyText, ModelEntry, entry_for, registered_models
from gdpr.erasure.hooks import (
    CLAIM_BASIS,
    Audience,
    Claim,
    DecisionCase,
    ErasureDecision,
    claims_for,
    decisions_for,
    eraser_for,
    refusal_grounds_for,
    warnings_for,
)
from gdpr.erasure.rows import (
    acted_by_others,
    admin_log_condition,
    audit_condition,
    erased_entries,
    erased_file_fields,
    field_names,
    label_of,
    plural,
    suppression_keys,
)
from gdpr.models import AuditEntry, MarketingChannel, Suppression
from gdpr.unlinked.search import attached_counts

if TYPE_CHECKING:
    from accounts.models import User


class Action:
    DELETE = "delete"
    ANONYMISE = "anonymise"
    KEEP_UNTIL = "keep_until"
    KEEP = "keep"
    HELD = "held"


ACTION_LABELS = {
    Action.DELETE: gettext_lazy("Deleted"),
    Action.ANONYMISE: gettext_lazy("Kept without what identifies you"),
    Action.KEEP_UNTIL: gettext_lazy("Kept until a date the law sets"),
    Action.KEEP: gettext_lazy("Kept, naming nobody"),
    Action.HELD: gettext_lazy("Kept, restricted, for a legal claim"),
}

# The allauth model whose rows are sessions the erasure ends (counted apart in the plan).
SESSIONS = "usersessions.usersession"


@dataclass(frozen=True)
class PlanItem:
    """What happens to one kind of record."""

    model: str  # "gdpr.Consent"
    name: LazyText  # its plural name
    action: str
    count: int
    fields: tuple[LazyText, ...] = ()  # anonymised or cleared fields
    basis: LazyText = ""
    until: datetime.date | None = None  # the latest date anything of this kind is kept

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS[self.action])


@dataclass(frozen=True)
class KeptRecord:
    """One record kept after the erasure, with the date until which it is kept."""

    model: str
    object_id: str
    name: LazyText  # e.g. "invoice 12"
    until: datetime.date | None
    basis: LazyText


@dataclass(frozen=True)
class ClaimPlan:
    """One legal claim that keeps some of the person's rows: why, and which."""

    source: str
    key: str
    reason: LazyText
    records: tuple[PlanItem, ...]


@dataclass
class ErasurePlan:
    """The dry run: every record of the person and what the erasure does to it."""

    items: list[PlanItem] = field(default_factory=list)
    kept: list[KeptRecord] = field(default_factory=list)
    # Other people's records that name the person as who did something.
    actor_references: list[PlanItem] = field(default_factory=list)
    audit_entries: int = 0
    admin_log_entries: int = 0
    files: int = 0
    sessions: int = 0
    suppressions: list[str] = field(default_factory=list)  # channels
    consents: int = 0
    consents_kept_until: datetime.date | None = None
    # What the apps' erasers add to the "at once" list (e.g. the memberships that end).
    steps: list[LazyText] = field(default_factory=list)
    refusal_grounds: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Legal claims that keep some rows (Art. 17(3)(e)), and those rows' keys by model
    # ("app.model"): only rows of the person, the rest of the claim is not theirs.
    claims: list[ClaimPlan] = field(default_factory=list)
    held: dict[str, set[Any]] = field(default_factory=dict)
    # What the handler must decide before the erasure runs (the apps' decisions).
    decisions: list[tuple[ErasureDecision, list[DecisionCase]]] = field(default_factory=list)
    # Records no key pointed at, found under the person's details and attached to their
    # request; counted among the rows above as well: {"model", "name", "count"}.
    attached: list[dict[str, Any]] = field(default_factory=list)
    # Who reads it: the person ("you") or the controller's staff ("the person"); the
    # apps' texts above are worded for them, the template's own by ``for_controller``.
    audience: Audience = Audience.PERSON

    @property
    def for_controller(self) -> bool:
        return self.audience is Audience.CONTROLLER

    # Only the kinds the person has records of (``items`` lists every kind).
    @property
    def deleted(self) -> list[PlanItem]:
        return [i for i in self.items if i.action == Action.DELETE and i.count]

    @property
    def anonymised(self) -> list[PlanItem]:
        return [i for i in self.items if i.action == Action.ANONYMISE and i.count]

    @property
    def kept_items(self) -> list[PlanItem]:
        return [i for i in self.items if i.action in (Action.KEEP_UNTIL, Action.KEEP) and i.count]

    @property
    def held_items(self) -> list[PlanItem]:
        return [i for i in self.items if i.action == Action.HELD and i.count]

    @property
    def suppression_labels(self) -> list[str]:
        labels = dict(MarketingChannel.choices)
        return [str(labels[channel]) for channel in self.suppressions]

    def is_kept(self, model_label: str, object_id: Any) -> bool:
        return any(k.model == model_label and k.object_id == str(object_id) for k in self.kept)

    def summary(self) -> dict[str, Any]:
        """The counts the execution reports in its outcome (no personal data)."""
        return {
            "deleted": {i.model: i.count for i in self.deleted},
            "anonymised": {i.model: i.count for i in self.anonymised},
            "kept": [
                {
                    "model": i.model,
                    "count": i.count,
                    "until": i.until.isoformat() if i.until else None,
                }
                for i in self.kept_items
            ],
            "held": [{"model": i.model, "count": i.count} for i in self.held_items],
            "actor_references": {i.model: i.count for i in self.actor_references},
            "audit_entries": self.audit_entries,
            "admin_log_entries": self.admin_log_entries,
            "files": self.files,
            "sessions": self.sessions,
            "suppressions": sorted(self.suppressions),
            "consents_kept_until": (
                self.consents_kept_until.isoformat() if self.consents_kept_until else None
            ),
            "attached": {item["model"]: item["count"] for item in self.attached},
        }


def erasure_refusal_grounds(user: User) -> list[str]:
    """Legal grounds that stop the erasure now, each as a sentence for the person (the
    apps declare them: ``gdpr.api.register_erasure_check``)."""
    return refusal_grounds_for(user)


def consent_until(today: datetime.date) -> datetime.date:
    """Until when a consent is kept as proof after the erasure."""
    years = settings.CONSENT_PROOF_YEARS
    try:
        return today.replace(year=today.year + years)
    except ValueError:  # 29 February
        return today.replace(year=today.year + years, day=28)


def erasure_plan(
    user: User,
    *,
    today: datetime.date | None = None,
    audience: Audience = Audience.PERSON,
) -> ErasurePlan:
    """What erasing ``user`` would do, record by record, without doing it; its sentences
    worded for ``audience`` (the person, or the controller's staff erasing them).

    A fixed number of queries whatever the person holds: counts per model; only the kept
    records (a few vouchers and consents) are listed one by one."""
    today = today or timezone.localdate()
    plan = ErasurePlan(audience=audience)
    claims = claims_for(user)
    wanted = _claimed_rows(claims)
    for entry in erased_entries():
        key = label_of(entry)
        if key in ("gdpr.auditentry", "gdpr.suppression"):
            continue  # the trail is counted below; suppressions with the new entries
        rows = entry.rows_for(user)
        if key == "gdpr.consent":
            _plan_consents(plan, entry, rows, consent_until(today))
            continue
        if wanted.get(key) and entry.erasure.strategy is not ErasureStrategy.KEEP_UNTIL:
            # A claim needs some of these rows: they are kept as they are, the rest erased.
            held = set(rows.filter(pk__in=wanted[key]).values_list("pk", flat=True))
            if held:
                plan.held[key] = held
                rows = rows.exclude(pk__in=held)
        elif wanted.get(key):
            # Kept by law anyway; held too, so their own purge waits for the claim.
            held = set(rows.filter(pk__in=wanted[key]).values_list("pk", flat=True))
            if held:
                plan.held[key] = held
        _plan_rows(plan, entry, rows)
        for file_field in erased_file_fields(entry):
            plan.files += rows.exclude(**{file_field.name: ""}).count()
    _plan_actor_references(plan, user)
    _plan_suppressions(plan, user)
    plan.audit_entries = AuditEntry.objects.filter(audit_condition(user)).count()
    plan.admin_log_entries = LogEntry.objects.filter(admin_log_condition(user)).count()
    plan.refusal_grounds = erasure_refusal_grounds(user)
    plan.warnings = warnings_for(user, audience)
    plan.decisions = decisions_for(user)
    _plan_claims(plan, claims)
    plan.attached = attached_counts(user)
    return plan


def _claimed_rows(claims: list[tuple[str, Claim]]) -> dict[str, set[Any]]:
    """The rows the apps' legal claims against the person name, by model."""
    wanted: dict[str, set[Any]] = {}
    for _source, claim in claims:
        for rows in claim.rows:
            wanted.setdefault(rows.model._meta.label_lower, set()).update(rows.pks)
    return wanted


def _plan_claims(plan: ErasurePlan, claims: list[tuple[str, Claim]]) -> None:
    """Each claim with the person's rows it keeps, and those rows counted per model."""
    for source, claim in claims:
        records = []
        for rows in claim.rows:
            key = rows.model._meta.label_lower
            count = len(plan.held.get(key, set()) & set(rows.pks))
            if count:
                records.append(
                    PlanItem(
                        rows.model._meta.label,
                        plural(rows.model),
                        Action.HELD,
                        count,
                        basis=CLAIM_BASIS,
                    )
                )
        if records:
            plan.claims.append(ClaimPlan(source, claim.key, claim.reason, tuple(records)))
    for key, held in plan.held.items():
        model = next(e.model for e in erased_entries() if label_of(e) == key)
        plan.items.append(
            PlanItem(model._meta.label, plural(model), Action.HELD, len(held), basis=CLAIM_BASIS)
        )


def _plan_consents(
    plan: ErasurePlan, entry: ModelEntry, rows: models.QuerySet, until: datetime.date
) -> None:
    """Consents are kept as proof, detached from the person, until a date."""
    model = entry.model
    consents = list(rows)
    plan.consents = len(consents)
    plan.consents_kept_until = until if consents else None
    plan.items.append(
        PlanItem(
            entry.label,
            plural(model),
            Action.KEEP_UNTIL,
            len(consents),
            basis=entry.erasure.basis,
            until=plan.consents_kept_until,
        )
    )
    plan.kept += [
        KeptRecord(
            entry.label,
            str(c.pk),
            format_lazy("{} {}", model._meta.verbose_name, c),
            until,
            entry.erasure.basis,
        )
        for c in consents
    ]


def _plan_rows(plan: ErasurePlan, entry: ModelEntry, rows: models.QuerySet) -> None:
    """One registered model's rows, as its entry (and any eraser an app added) says."""
    model = entry.model
    strategy = entry.erasure.strategy
    eraser = eraser_for(model)
    if eraser is not None:
        if strategy is not ErasureStrategy.ANONYMISE:
            raise ValueError(f"{entry.label}: an eraser needs Erasure.anonymise(...)")
        count = rows.count()
        fields = (*eraser.also_removes, *entry.erasure.fields)
        plan.items.append(
            PlanItem(
                entry.label, plural(model), Action.ANONYMISE, count, field_names(model, fields)
            )
        )
        step = eraser.step_for(count, plan.audience) if count else None
        if step is not None:
            plan.steps.append(step)
    elif strategy is ErasureStrategy.DELETE:
        count = rows.count()
        if label_of(entry) == SESSIONS:
            plan.sessions = count
        plan.items.append(PlanItem(entry.label, plural(model), Action.DELETE, count))
    elif strategy is ErasureStrategy.ANONYMISE:
        plan.items.append(
            PlanItem(
                entry.label,
                plural(model),
                Action.ANONYMISE,
                rows.count(),
                field_names(model, entry.erasure.fields),
            )
        )
    elif strategy is ErasureStrategy.KEEP_UNTIL:
        _plan_kept_until(plan, entry, rows)


def _plan_kept_until(plan: ErasurePlan, entry: ModelEntry, rows: models.QuerySet) -> None:
    """Rows kept on a legal basis until a date each: listed one by one."""
    model = entry.model
    kept = list(rows.annotate(_kept_until=models.F(entry.erasure.date_field)))
    basis = entry.erasure.basis
    plan.kept += [
        KeptRecord(
            entry.label,
            str(obj.pk),
            format_lazy("{} {}", model._meta.verbose_name, obj),
            obj._kept_until,
            basis,
        )
        for obj in kept
    ]
    dates = [obj._kept_until for obj in kept if obj._kept_until]
    plan.items.append(
        PlanItem(
            entry.label,
            plural(model),
            Action.KEEP_UNTIL,
            len(kept),
            basis=basis,
            until=max(dates) if dates else None,
        )
    )


def _plan_actor_references(plan: ErasurePlan, user: User) -> None:
    """Other people's rows that name the person as who did something."""
    for entry in registered_models():
        if not entry.actors:
            continue
        count = acted_by_others(entry, user).count()
        if not count:
            continue
        fields = list(entry.actors) + [copy for copies in entry.actors.values() for copy in copies]
        plan.actor_references.append(
            PlanItem(
                entry.label,
                plural(entry.model),
                Action.ANONYMISE,
                count,
                field_names(entry.model, fields),
            )
        )


def _plan_suppressions(plan: ErasurePlan, user: User) -> None:
    """The marketing bans that outlive the person, as keyed hashes."""
    suppression_entry = entry_for(Suppression)
    new_keys = suppression_keys(user)
    plan.suppressions = sorted({channel for channel, _key in new_keys})
    existing = set(suppression_entry.rows_for(user).values_list("channel", "key"))
    plan.items.append(
        PlanItem(
            suppression_entry.label,
            plural(Suppression),
            Action.KEEP,
            len(existing | set(new_keys)),
            basis=suppression_entry.erasure.basis,
        )
    )
