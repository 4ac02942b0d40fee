"""The erasure itself (Art. 17), as the preview (``gdpr.erasure.plan``) showed it; once.

Beyond the registry's delete/anonymise/keep, the execution ends sessions, turns
direct-marketing bans into suppression entries that name nobody, keeps consents as proof
under a keyed hash, blanks the values in the audit trail, deletes the Django admin's log
lines about the person's records and the files the records held, runs the apps' erasers
(``gdpr.erasure.hooks``), and finally deletes the account itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from allauth.usersessions.models import UserSession
from django.contrib.admin.models import LogEntry
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from gdpr.audit import acting_as, audit_suppressed
from gdpr.declarations import ErasureStrategy, ModelEntry, registered_models
from gdpr.disclosures.recipient_notices import notify_recipients
from gdpr.erasure.claims import hold_claimed_rows
from gdpr.erasure.hooks import eraser_for
from gdpr.erasure.plan import ErasurePlan, erasure_plan
from gdpr.erasure.redaction import (
    REDACTION_KEYS,
    Redaction,
    redact_kept_texts,
    redaction_for,
)
from gdpr.erasure.rows import (
    acted_by_others,
    admin_log_condition,
    anonymise_rows,
    audit_condition,
    blanks,
    by_pk,
    collect_files,
    delete_files_on_commit,
    erased_entries,
    label_of,
    rows_now,
    suppression_keys,
)
from gdpr.keys import email_key, keyed_hash
from gdpr.ledger import ledger_append
from gdpr.models import (
    AuditEntry,
    Consent,
    DataSubjectRequest,
    ErasureLedgerEntry,
    RequestEvent,
    RequestKind,
    RequestStatus,
    Suppression,
)
from gdpr.requests.base import request_event_log

# Handled by their own steps, not by the generic delete/anonymise loop (apps' models with
# more to their erasure register an eraser instead).
_SPECIAL = {
    "accounts.user",  # deleted last, once nothing points at it
    "gdpr.auditentry",  # values blanked, the facts stay
    "gdpr.consent",  # detached and kept as proof
    "usersessions.usersession",  # ended (the Django session goes too)
}


class ErasureError(Exception):
    """The request cannot be executed as an erasure (wrong kind, state, or no subject)."""


class ErasureRefused(ErasureError):
    """A legal ground to keep all of the data applies (an app's ``ErasureCheck``)."""

    def __init__(self, grounds: list[str]) -> None:
        super().__init__(" ".join(grounds))
        self.grounds = grounds


class ErasureUndecided(ErasureError):
    """The handler has not decided what an app needs decided first (an
    ``ErasureDecision``), or decided something the app does not accept."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        # {"<decision name>:<case key>": sentence for the handler}
        self.problems = problems


def decision_field(decision_name: str, case_key: str) -> str:
    """The key of one case's decision in ``erasure_execute(decisions=...)``."""
    return f"{decision_name}:{case_key}"


@dataclass
class ErasureOutcome:
    """What the execution did; stored on the request as ``outcome``."""

    executed_at: str
    summary: dict[str, Any]
    recipients_notified: int = 0
    # Keyed hashes of the person's addresses, phone numbers and IBANs: what a note added
    # to the request later is still cleared of (``gdpr.erasure.redaction``).
    redaction_keys: list[str] = field(default_factory=list)
    already_done: bool = False

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("already_done")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], *, already_done: bool) -> ErasureOutcome:
        return cls(
            executed_at=data["executed_at"],
            summary=data.get("summary", {}),
            recipients_notified=data.get("recipients_notified", 0),
            redaction_keys=data.get(REDACTION_KEYS, []),
            already_done=already_done,
        )


def _check_executable(request: DataSubjectRequest) -> None:
    if request.kind != RequestKind.ERASURE:
        raise ErasureError(_("Only an erasure request can be executed as an erasure."))
    if request.status not in (RequestStatus.IDENTITY_VERIFIED, RequestStatus.IN_PROGRESS):
        raise ErasureError(
            _("Verify the person's identity before erasing their data (and not after closing).")
        )
    if request.subject_id is None:
        raise ErasureError(_("The request names no account to erase."))


@transaction.atomic
def erasure_execute(
    request: DataSubjectRequest,
    *,
    actor: User | None,
    decisions: dict[str, str] | None = None,
) -> ErasureOutcome:
    """Erase the subject of an erasure request, as the preview showed; once.

    ``decisions`` answers what the apps need decided first (``decision_field(...)`` ->
    one of the case's choices); a case left undecided raises ``ErasureUndecided``.
    Rows a legal claim needs are kept, restricted, and recorded as ``ClaimHold``s.

    Atomic: either all of it happens or nothing does. A second call (or a call while
    another is running: the request row is locked) finds the outcome and does nothing.
    """
    request = DataSubjectRequest.objects.select_for_update().get(pk=request.pk)
    if request.outcome.get("executed_at"):
        return ErasureOutcome.from_json(request.outcome, already_done=True)
    _check_executable(request)
    user = User.objects.select_for_update().get(pk=request.subject_id)
    plan = erasure_plan(user)
    if plan.refusal_grounds:
        raise ErasureRefused(plan.refusal_grounds)
    _apply_decisions(user, plan, decisions or {}, actor=actor)

    # The rows the preview counted, fixed now: later steps (the notices' own step log
    # included) must neither add to them nor hide any.
    pks = rows_now(user)
    # The person's values, read before anything of them goes: what the texts kept after
    # the erasure must not repeat.
    redaction = redaction_for(user)
    # Art. 19: the notices name the person, so they go out before the person does. (The
    # answer to the person is the controller's step that follows, at the address taken
    # before this ran: see gdpr.requests.services.request_complete.)
    notices = notify_recipients(request, actor=actor)

    # What the ledger replays after a restore: the rows as they were before any step
    # below detached or deleted them.
    rows_before = {label: list(ids) for label, ids in pks.items()}
    subject_id = user.pk  # deleting the account clears it on the instance
    file_names: list[str] = []
    with acting_as(actor), audit_suppressed():
        done = _erase(user, plan, pks, request=request, file_names=file_names)
        redact_kept_texts(redaction, pks)

    outcome = ErasureOutcome(
        executed_at=timezone.now().isoformat(),
        summary=done,
        recipients_notified=len(notices),
        redaction_keys=redaction.stored_keys(),
    )
    DataSubjectRequest.objects.filter(pk=request.pk).update(outcome=outcome.as_json())
    _keep_redaction_keys(pks["gdpr.datasubjectrequest"], outcome.redaction_keys, but=request)
    ledger_append(
        kind=ErasureLedgerEntry.Kind.ERASURE,
        request_id=request.pk,
        subject_id=subject_id,
        payload=erasure_ledger_payload(
            rows=rows_before,
            plan=plan,
            decisions=decisions or {},
            files=file_names,
            redaction=redaction,
            outcome=outcome.as_json(),
        ),
    )
    request_event_log(request, RequestEvent.Action.ERASURE_EXECUTED, actor=actor)
    return outcome


def erasure_ledger_payload(
    *,
    rows: dict[str, list[Any]],
    plan: ErasurePlan,
    decisions: dict[str, str],
    files: list[str],
    redaction: Redaction,
    outcome: dict[str, Any],
) -> dict[str, Any]:
    """The erasure as the ledger keeps it: ids, labels, field and file names, keyed hashes
    (``gdpr.ledger``); nothing of the person readable."""
    by_label = {label_of(e): e for e in erased_entries()}
    actions = {}
    for label, ids in rows.items():
        if not ids:
            continue
        erasure = by_label[label].erasure
        actions[label] = {
            "strategy": erasure.strategy.value,
            "fields": sorted(erasure.fields),
            "ids": [str(pk) for pk in ids],
        }
    return {
        "rows": actions,
        "held": {label: sorted(str(pk) for pk in ids) for label, ids in plan.held.items()},
        # The handler's choices are ids and choice values (an organization's successor).
        "decisions": decisions,
        # Files are named by keyed hash: their names may hold the person's (an uploaded
        # letter's). A restore brings no file back, so the replay needs no name.
        "files": sorted(keyed_hash("file", name) for name in files),
        "redacted": sorted(
            {keyed_hash(f"redacted:{kind}", value) for kind, value in redaction.values}
        ),
        "outcome": outcome,
    }


def _keep_redaction_keys(
    request_pks: list[Any], keys: list[str], *, but: DataSubjectRequest
) -> None:
    """The person's other requests keep the keyed hashes too: a note added to any of them
    later loses the person's addresses, phone numbers and IBANs."""
    if not keys:
        return
    others = DataSubjectRequest.objects.filter(pk__in=request_pks).exclude(pk=but.pk)
    for other in others.only("pk", "outcome"):
        outcome = {**(other.outcome or {}), REDACTION_KEYS: keys}
        DataSubjectRequest.objects.filter(pk=other.pk).update(outcome=outcome)


def _apply_decisions(
    user: User, plan: ErasurePlan, decisions: dict[str, str], *, actor: User | None
) -> None:
    """Every case decided with one of its choices, then each app carries its out."""
    problems = {}
    for decision, cases in plan.decisions:
        for case in cases:
            field = decision_field(decision.name, case.key)
            if decisions.get(field) not in {choice.value for choice in case.choices}:
                problems[field] = _("Decide first: %(question)s") % {"question": case.question}
    if problems:
        raise ErasureUndecided(problems)
    for decision, cases in plan.decisions:
        mine = {case.key: decisions[decision_field(decision.name, case.key)] for case in cases}
        try:
            decision.apply(user, mine, actor)
        except ValueError as error:
            raise ErasureUndecided({decision.name: str(error)}) from error


def _count_deleted(counts: dict[str, int], result: tuple[int, dict[str, int]]) -> None:
    for label, n in result[1].items():
        if n:
            counts[label] = counts.get(label, 0) + n


@dataclass
class _Done:
    """What the execution did, counted from the writes themselves."""

    deleted: dict[str, int]
    anonymised: dict[str, int]
    actor_references: dict[str, int]
    files: list[tuple[Any, str]]
    audit_entries: int = 0
    admin_log_entries: int = 0
    sessions: int = 0
    consents: int = 0


def _erase(
    user: User,
    plan: ErasurePlan,
    pks: dict[str, list[Any]],
    *,
    request: DataSubjectRequest | None,
    file_names: list[str] | None = None,
) -> dict[str, Any]:
    """Do it; return what was done, counted from the writes themselves, in the shape of
    ``ErasurePlan.summary()`` (so a test can hold one against the other). ``pks`` are
    fixed first: later steps detach and cascade, and would hide rows from the lookups."""
    by_label = {label_of(e): e for e in erased_entries()}
    done = _Done(deleted={}, anonymised={}, actor_references={}, files=[])

    # Who did what first: once the audit entries about the person name nobody, those of
    # their own doing would count as references in other people's rows.
    _detach_actor(user, done)
    done.audit_entries = AuditEntry.objects.filter(audit_condition(user)).update(
        changes={}, subject=None, erased=True
    )
    done.admin_log_entries, _detail = LogEntry.objects.filter(admin_log_condition(user)).delete()
    _end_sessions(user, done)
    # Sessions the tracker did not see are cut by the unusable password below.

    keys = suppression_keys(user)
    Suppression.objects.bulk_create(
        [Suppression(channel=channel, key=key) for channel, key in keys], ignore_conflicts=True
    )
    done.consents = Consent.objects.filter(pk__in=pks["gdpr.consent"]).update(
        user=None,
        subject_key=email_key(user.email),
        keep_until=plan.consents_kept_until,
        withdrawn_at=Coalesce("withdrawn_at", timezone.now()),
    )
    # What a legal claim needs is kept as it is (detached from the account), the rest of
    # its kind erased below; kept-by-law kinds stay in ``pks``, counted with the kept.
    held = hold_claimed_rows(user, plan, request=request)
    for key, rows in plan.held.items():
        if by_label[key].erasure.strategy is not ErasureStrategy.KEEP_UNTIL:
            pks[key] = [pk for pk in pks[key] if pk not in rows]
    _anonymise(by_label, pks, done)
    _delete(by_label, pks, done)

    # The account itself: no login, no session survives, then the row goes (what is kept
    # no longer points at it).
    user.set_unusable_password()
    user.is_active = False
    user.save(update_fields=["password", "is_active"])
    _count_deleted(done.deleted, user.delete())
    delete_files_on_commit(done.files)
    if file_names is not None:
        file_names += [name for _storage, name in done.files]

    registered = {e.label for e in registered_models()}
    return {
        "deleted": {k: v for k, v in done.deleted.items() if k in registered},
        "anonymised": done.anonymised,
        "kept": _kept(by_label, pks, plan, keys, consents=done.consents),
        "held": held,
        "actor_references": done.actor_references,
        "audit_entries": done.audit_entries,
        "admin_log_entries": done.admin_log_entries,
        "files": len(done.files),
        "sessions": done.sessions,
        "suppressions": sorted({channel for channel, _key in keys}),
        "consents_kept_until": (
            plan.consents_kept_until.isoformat()
            if done.consents and plan.consents_kept_until
            else None
        ),
        # Counted among the rows above; named apart so the answer can say they were found
        # under the person's details.
        "attached": {item["model"]: item["count"] for item in plan.attached},
    }


def _detach_actor(user: User, done: _Done) -> None:
    """Null the keys naming the person as who did something, and blank their copies."""
    for entry in registered_models():
        if not entry.actors:
            continue
        others = list(acted_by_others(entry, user).values_list("pk", flat=True))
        # The person's own rows too (those kept or anonymised would otherwise keep the
        # copies); only other people's count as references.
        for name, copies in entry.actors.items():
            entry.model._default_manager.filter(**{name: user}).update(
                **{name: None}, **dict.fromkeys(copies, "")
            )
        if others:
            done.actor_references[entry.label] = len(others)


def _end_sessions(user: User, done: _Done) -> None:
    for session in UserSession.objects.filter(user=user):
        session.end()
        done.sessions += 1
    if done.sessions:
        done.deleted[UserSession._meta.label] = done.sessions


def _anonymise(by_label: dict[str, ModelEntry], pks: dict[str, list[Any]], done: _Done) -> None:
    """The apps' erasers first (their rows may hold what the plain blanking would look
    for), then the plain blanking of every other anonymised entry."""
    for key, entry in by_label.items():
        eraser = eraser_for(entry.model)
        if key in _SPECIAL or eraser is None:
            continue
        done.files += collect_files(entry, pks[key])
        n = eraser.erase(by_pk(entry.model, pks[key]), blanks(entry))
        if n:
            done.anonymised[entry.label] = n
    for key, entry in by_label.items():
        if key in _SPECIAL or eraser_for(entry.model) is not None:
            continue
        if entry.erasure.strategy is not ErasureStrategy.ANONYMISE:
            continue
        n = anonymise_rows(entry, pks[key], done.files)
        if n:
            done.anonymised[entry.label] = n


def _delete(by_label: dict[str, ModelEntry], pks: dict[str, list[Any]], done: _Done) -> None:
    for key, entry in by_label.items():
        if key in _SPECIAL or entry.erasure.strategy is not ErasureStrategy.DELETE:
            continue
        if eraser_for(entry.model) is not None:
            continue
        done.files += collect_files(entry, pks[key])
        _count_deleted(done.deleted, by_pk(entry.model, pks[key]).delete())


def _kept(
    by_label: dict[str, ModelEntry],
    pks: dict[str, list[Any]],
    plan: ErasurePlan,
    keys: list[tuple[str, str]],
    *,
    consents: int,
) -> list[dict[str, Any]]:
    """What is kept after the erasure, in the plan's order, counted again."""
    kept = []
    for key, entry in by_label.items():
        if entry.erasure.strategy is not ErasureStrategy.KEEP_UNTIL:
            continue
        if key == "gdpr.consent":
            count, until = consents, plan.consents_kept_until
        else:
            found = by_pk(entry.model, pks[key]).aggregate(
                n=models.Count("pk"), until=models.Max(entry.erasure.date_field)
            )
            count, until = found["n"], found["until"]
        if count:
            iso = until.isoformat() if until else None
            kept.append({"model": entry.label, "count": count, "until": iso})
    suppression_entry = by_label["gdpr.suppression"]
    wanted = Q(pk__in=pks["gdpr.suppression"])
    for channel, key in keys:
        wanted |= Q(channel=channel, key=key)
    suppressions = Suppression.objects.filter(wanted).count()
    if suppressions:
        kept.append({"model": suppression_entry.label, "count": suppressions, "until": None})
    order = [item.model for item in plan.kept_items]
    kept.sort(key=lambda k: order.index(k["model"]) if k["model"] in order else len(order))
    return kept
