"""Erasure (Art. 17): the preview shown to the person and the controller, the grounds for
refusing, and the execution.

Everything is driven by the personal-data registry: each model's entry says how to find
the person's rows and whether they are deleted, anonymised or kept until a date on a legal
basis. The preview (``erasure_plan``) and the execution (``erasure_execute``) read the same
querysets, so what the person is shown is what happens. Beyond the registry the execution
also ends sessions, turns direct-marketing bans into suppression entries that name nobody,
keeps consents as proof under a keyed hash, blanks the values in the audit trail, deletes
the Django admin's log lines about the person's records and the files the records held,
and finally deletes the account itself.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import CharField, Q
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gdpr.audit import acting_as, audit_suppressed
from gdpr.declarations import ErasureStrategy, LazyText, ModelEntry, entry_for, registered_models
from gdpr.keys import address_key, email_key, phone_key
from gdpr.models import (
    OPEN_STATUSES,
    AuditEntry,
    Consent,
    DataSubjectRequest,
    MarketingBan,
    MarketingChannel,
    RequestEvent,
    RequestKind,
    RequestStatus,
    Suppression,
)

if TYPE_CHECKING:
    from accounts.models import User


class ErasureError(Exception):
    """The request cannot be executed as an erasure (wrong kind, state, or no subject)."""


class ErasureRefused(ErasureError):
    """A legal ground to keep the data applies (e.g. a debt in collection)."""

    def __init__(self, grounds: list[str]) -> None:
        super().__init__(" ".join(grounds))
        self.grounds = grounds


class Action:
    DELETE = "delete"
    ANONYMISE = "anonymise"
    KEEP_UNTIL = "keep_until"
    KEEP = "keep"


ACTION_LABELS = {
    Action.DELETE: gettext_lazy("Deleted"),
    Action.ANONYMISE: gettext_lazy("Kept without what identifies you"),
    Action.KEEP_UNTIL: gettext_lazy("Kept until a date the law sets"),
    Action.KEEP: gettext_lazy("Kept, naming nobody"),
}

# Handled by their own steps, not by the generic delete/anonymise loop.
_SPECIAL = {
    "accounts.user",  # deleted last, once nothing points at it
    "gdpr.auditentry",  # values blanked, the facts stay
    "gdpr.consent",  # detached and kept as proof
    "organizations.membership",  # ended, detached and anonymised
    "usersessions.usersession",  # ended (the Django session goes too)
}


@dataclass(frozen=True)
class PlanItem:
    """What happens to one kind of record."""

    model: str  # "billing.Invoice"
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
    memberships_ended: int = 0
    refusal_grounds: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

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
            "actor_references": {i.model: i.count for i in self.actor_references},
            "audit_entries": self.audit_entries,
            "admin_log_entries": self.admin_log_entries,
            "files": self.files,
            "sessions": self.sessions,
            "suppressions": sorted(self.suppressions),
            "consents_kept_until": (
                self.consents_kept_until.isoformat() if self.consents_kept_until else None
            ),
        }


@dataclass
class ErasureOutcome:
    """What the execution did; stored on the request as ``outcome``."""

    executed_at: str
    summary: dict[str, Any]
    recipients_notified: int = 0
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
            already_done=already_done,
        )


# --- Refusal -----------------------------------------------------------------------------


def erasure_refusal_grounds(user: User) -> list[str]:
    """Legal grounds that stop the erasure now, each as a sentence for the person."""
    from billing.models import Invoice

    settled = (Invoice.Status.PAID, Invoice.Status.CREDITED, Invoice.Status.CANCELLED)
    in_collection = (
        Invoice.objects.filter(membership__user=user, collection_on__isnull=False)
        .exclude(status__in=settled)
        .select_related("organization")
        .order_by("collection_on", "number")
    )
    return [
        _(
            "Invoice %(number)s from %(organization)s was handed over for debt collection on"
            " %(date)s and is unpaid. The data needed to establish and defend the claim is"
            " kept until it is settled (GDPR Art. 17(3)(e)); everything else can be erased"
            " once it is."
        )
        % {
            "number": invoice.number,
            "organization": invoice.organization.name,
            "date": invoice.collection_on.strftime("%d.%m.%Y"),
        }
        for invoice in in_collection
    ]


# --- Plan ------------------------------------------------------------------------------------


def _consent_until(today: datetime.date) -> datetime.date:
    years = settings.CONSENT_PROOF_YEARS
    try:
        return today.replace(year=today.year + years)
    except ValueError:  # 29 February
        return today.replace(year=today.year + years, day=28)


def _entries() -> list[ModelEntry]:
    return [
        entry
        for entry in registered_models()
        if entry.person is not None and entry.erasure.strategy is not ErasureStrategy.NONE
    ]


def _label(entry: ModelEntry) -> str:
    return entry.model._meta.label_lower


# Names and bases stay lazy: the same plan renders in the reader's language (the member's
# page, the controller's admin, the mail to the person).
def _plural(model: type[models.Model]) -> LazyText:
    entry = entry_for(model)
    return entry.record_name(plural=True) if entry else model._meta.verbose_name_plural


def _field_names(model: type[models.Model], names: Iterable[str]) -> tuple[LazyText, ...]:
    entry = entry_for(model)
    if entry is None:
        return tuple(model._meta.get_field(name).verbose_name for name in names)
    return tuple(entry.field_label(name) for name in names)


def _file_fields(model: type[models.Model]) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _erased_file_fields(entry: ModelEntry) -> list[models.FileField]:
    files = _file_fields(entry.model)
    if entry.erasure.strategy is ErasureStrategy.DELETE:
        return files
    if entry.erasure.strategy is ErasureStrategy.ANONYMISE:
        return [f for f in files if f.name in entry.erasure.fields]
    return []


def _ids_as_text(queryset: models.QuerySet) -> Any:
    """The queryset's primary keys as text, the way audit and admin log rows store them.

    A subquery where the database casts them alike; a list otherwise (UUIDs, which SQLite
    stores without dashes)."""
    pk = queryset.model._meta.pk
    if isinstance(pk, models.UUIDField):
        return [str(value) for value in queryset.values_list("pk", flat=True)]
    return queryset.annotate(_text_id=Cast("pk", CharField())).values("_text_id")


def _touched_rows(user: User) -> list[tuple[ModelEntry, models.QuerySet]]:
    return [
        (entry, entry.rows_for(user))
        for entry in registered_models()
        if entry.person is not None and _label(entry) != "gdpr.auditentry"
    ]


def _acted_by_others(entry: ModelEntry, user: User) -> models.QuerySet:
    """Rows of other people (or of nobody) that name ``user`` as who did something."""
    acted = entry.rows_acted_by(user)
    if entry.person is None:
        return acted
    return acted.exclude(pk__in=entry.rows_for(user).values("pk"))


def _audit_condition(user: User) -> Q:
    condition = Q(subject=user)
    for entry, rows in _touched_rows(user):
        condition |= Q(model=_label(entry), object_id__in=_ids_as_text(rows))
    return condition


def _admin_log_condition(user: User) -> Q:
    condition = Q(pk__in=[])
    touched = _touched_rows(user)
    # One query for all the content types (none once they are cached).
    types = ContentType.objects.get_for_models(
        *(entry.model for entry, _rows in touched), for_concrete_models=False
    )
    for entry, rows in touched:
        condition |= Q(content_type=types[entry.model], object_id__in=_ids_as_text(rows))
    return condition


def _suppression_keys(user: User) -> list[tuple[str, str]]:
    """(channel, keyed hash) for each channel the person has banned and we can key."""
    channels = set(
        MarketingBan.objects.filter(user=user, lifted_at__isnull=True).values_list(
            "channel", flat=True
        )
    )
    keys: set[tuple[str, str]] = set()
    if MarketingChannel.EMAIL in channels:
        from allauth.account.models import EmailAddress

        addresses = {user.email}
        addresses |= set(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
        keys |= {(MarketingChannel.EMAIL, email_key(a)) for a in addresses if a}
    for channel in (MarketingChannel.PHONE, MarketingChannel.SMS):
        if channel in channels and user.phone:
            keys.add((channel, phone_key(str(user.phone))))
    if MarketingChannel.POST in channels and user.street_address:
        keys.add((MarketingChannel.POST, address_key(user.street_address, user.postal_code)))
    return sorted(keys)


def _only_admin_of(user: User) -> list[str]:
    from organizations.models import Membership

    admin_of = Membership.objects.filter(
        user=user, role=Membership.Role.ADMIN, status=Membership.Status.ACTIVE
    )
    lonely = (
        admin_of.annotate(
            others=models.Count(
                "organization__memberships",
                filter=Q(
                    organization__memberships__role=Membership.Role.ADMIN,
                    organization__memberships__status=Membership.Status.ACTIVE,
                )
                & ~Q(organization__memberships__user=user),
            )
        )
        .filter(others=0)
        .values_list("organization__name", flat=True)
    )
    return [
        _(
            "You are the only admin of %(organization)s. Make another member an admin first,"
            " or the organization is left without one."
        )
        % {"organization": name}
        for name in lonely
    ]


def erasure_plan(user: User, *, today: datetime.date | None = None) -> ErasurePlan:
    """What erasing ``user`` would do, record by record, without doing it.

    A fixed number of queries whatever the person holds: counts per model; only the kept
    records (a few vouchers and consents) are listed one by one."""
    today = today or timezone.localdate()
    plan = ErasurePlan()
    consent_until = _consent_until(today)
    for entry in _entries():
        model = entry.model
        label = entry.label
        key = _label(entry)
        strategy = entry.erasure.strategy
        rows = entry.rows_for(user)
        if key == "gdpr.auditentry":
            continue
        if key == "gdpr.consent":
            consents = list(rows)
            plan.consents = len(consents)
            plan.consents_kept_until = consent_until if consents else None
            plan.items.append(
                PlanItem(
                    label,
                    _plural(model),
                    Action.KEEP_UNTIL,
                    len(consents),
                    basis=entry.erasure.basis,
                    until=plan.consents_kept_until,
                )
            )
            plan.kept += [
                KeptRecord(
                    label,
                    str(c.pk),
                    format_lazy("{} {}", model._meta.verbose_name, c),
                    consent_until,
                    entry.erasure.basis,
                )
                for c in consents
            ]
            continue
        if key == "gdpr.suppression":
            continue  # listed below, with the new entries
        if key == "organizations.membership":
            count = rows.count()
            plan.memberships_ended = count
            fields = ("user", *entry.erasure.fields)
            plan.items.append(
                PlanItem(
                    label, _plural(model), Action.ANONYMISE, count, _field_names(model, fields)
                )
            )
            continue
        if strategy is ErasureStrategy.DELETE:
            count = rows.count()
            if key == "usersessions.usersession":
                plan.sessions = count
            plan.items.append(PlanItem(label, _plural(model), Action.DELETE, count))
        elif strategy is ErasureStrategy.ANONYMISE:
            plan.items.append(
                PlanItem(
                    label,
                    _plural(model),
                    Action.ANONYMISE,
                    rows.count(),
                    _field_names(model, entry.erasure.fields),
                )
            )
        elif strategy is ErasureStrategy.KEEP_UNTIL:
            kept = list(rows.annotate(_kept_until=models.F(entry.erasure.date_field)))
            basis = entry.erasure.basis
            plan.kept += [
                KeptRecord(
                    label,
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
                    label,
                    _plural(model),
                    Action.KEEP_UNTIL,
                    len(kept),
                    basis=basis,
                    until=max(dates) if dates else None,
                )
            )
        for file_field in _erased_file_fields(entry):
            plan.files += rows.exclude(**{file_field.name: ""}).count()

    for entry in registered_models():
        if not entry.actors:
            continue
        count = _acted_by_others(entry, user).count()
        if not count:
            continue
        fields = list(entry.actors) + [copy for copies in entry.actors.values() for copy in copies]
        plan.actor_references.append(
            PlanItem(
                entry.label,
                _plural(entry.model),
                Action.ANONYMISE,
                count,
                _field_names(entry.model, fields),
            )
        )

    from gdpr.declarations import entry_for

    suppression_entry = entry_for(Suppression)
    new_keys = _suppression_keys(user)
    plan.suppressions = sorted({channel for channel, _key in new_keys})
    existing = set(suppression_entry.rows_for(user).values_list("channel", "key"))
    plan.items.append(
        PlanItem(
            suppression_entry.label,
            _plural(Suppression),
            Action.KEEP,
            len(existing | set(new_keys)),
            basis=suppression_entry.erasure.basis,
        )
    )
    plan.audit_entries = AuditEntry.objects.filter(_audit_condition(user)).count()
    plan.admin_log_entries = LogEntry.objects.filter(_admin_log_condition(user)).count()
    plan.refusal_grounds = erasure_refusal_grounds(user)
    plan.warnings = _only_admin_of(user)
    return plan


# --- Execution -------------------------------------------------------------------------------


def _blank_value(model: type[models.Model], name: str) -> Any:
    f = model._meta.get_field(name)
    if f.null:
        return None
    if isinstance(f, models.JSONField):
        return f.get_default()
    return ""


def delete_files_on_commit(names_by_storage: list[tuple[Any, str]]) -> None:
    def delete() -> None:
        for storage, name in names_by_storage:
            storage.delete(name)

    if names_by_storage:
        transaction.on_commit(delete)


def _collect_files(entry: ModelEntry, pks: list[Any]) -> list[tuple[Any, str]]:
    found = []
    for file_field in _erased_file_fields(entry):
        names = (
            entry.model._default_manager.filter(pk__in=pks)
            .exclude(**{file_field.attname: ""})
            .values_list(file_field.attname, flat=True)
        )
        found += [(file_field.storage, name) for name in names if name]
    return found


def anonymise_rows(entry: ModelEntry, pks: list[Any], files: list[tuple[Any, str]]) -> int:
    """Blank the fields the entry's erasure names in these rows; the files they held are
    added to ``files``, for deleting once the transaction commits."""
    files += _collect_files(entry, pks)
    return _by_pk(entry.model, pks).update(
        **{name: _blank_value(entry.model, name) for name in entry.erasure.fields}
    )


def _by_pk(model: type[models.Model], pks: list[Any]) -> models.QuerySet:
    return model._default_manager.filter(pk__in=pks)


@transaction.atomic
def erasure_execute(request: DataSubjectRequest, *, actor: User | None) -> ErasureOutcome:
    """Erase the subject of an erasure request, as the preview showed; once.

    Atomic: either all of it happens or nothing does. A second call (or a call while
    another is running: the request row is locked) finds the outcome and does nothing.
    """
    request = DataSubjectRequest.objects.select_for_update().get(pk=request.pk)
    if request.outcome.get("executed_at"):
        return ErasureOutcome.from_json(request.outcome, already_done=True)
    if request.kind != RequestKind.ERASURE:
        raise ErasureError(_("Only an erasure request can be executed as an erasure."))
    if request.status not in (RequestStatus.IDENTITY_VERIFIED, RequestStatus.IN_PROGRESS):
        raise ErasureError(
            _("Verify the person's identity before erasing their data (and not after closing).")
        )
    if request.subject_id is None:
        raise ErasureError(_("The request names no account to erase."))
    from accounts.models import User

    user = User.objects.select_for_update().get(pk=request.subject_id)
    plan = erasure_plan(user)
    if plan.refusal_grounds:
        raise ErasureRefused(plan.refusal_grounds)

    # Art. 19: the notices name the person, so they go out before the person does. (The
    # answer to the person is the controller's step that follows, at the address taken
    # before this ran: see gdpr.requests.services.request_complete.)
    from gdpr.disclosures.recipient_notices import notify_recipients

    # The rows the preview counted, fixed now: later steps (the notices' own step log
    # included) must neither add to them nor hide any.
    pks = _rows_now(user)
    notices = notify_recipients(request, actor=actor)

    with acting_as(actor), audit_suppressed():
        done = _erase(user, plan, pks)

    outcome = ErasureOutcome(
        executed_at=timezone.now().isoformat(),
        summary=done,
        recipients_notified=len(notices),
    )
    DataSubjectRequest.objects.filter(pk=request.pk).update(outcome=outcome.as_json())
    from gdpr.requests.services import request_event_log

    request_event_log(request, RequestEvent.Action.ERASURE_EXECUTED, actor=actor)
    return outcome


def subject_values(user: User) -> list[str]:
    """What names the person in free text: their name, addresses, phone and street
    address, and the names they have in organizations' registers; longest first."""
    from accounts.selectors import verified_addresses
    from organizations.models import Membership

    values = {user.get_full_name(), user.first_name, user.last_name, user.email}
    values |= {str(user.phone) if user.phone else "", user.street_address}
    values |= verified_addresses(user=user)
    values |= set(Membership.objects.filter(user=user).values_list("name", flat=True))
    # Shorter strings ("Li") would blank ordinary words around them.
    return sorted({v.strip() for v in values if v and len(v.strip()) >= 3}, key=len, reverse=True)


def redact(text: str, values: Iterable[str]) -> str:
    """``text`` with each of ``values`` replaced, whatever its case: what is written about
    an erased person after the erasure (the answer sent to them) keeps no copy of them."""
    import re

    for value in values:
        # Whole words only: a first name "Ann" leaves "annual" alone.
        pattern = rf"(?<!\w){re.escape(value)}(?!\w)"
        text = re.sub(pattern, _("[erased]"), text, flags=re.IGNORECASE)
    return text


def _count_deleted(counts: dict[str, int], result: tuple[int, dict[str, int]]) -> None:
    for label, n in result[1].items():
        if n:
            counts[label] = counts.get(label, 0) + n


def _rows_now(user: User) -> dict[str, list[Any]]:
    """The primary keys of the person's rows in every entry, as they are now."""
    return {_label(e): list(e.rows_for(user).values_list("pk", flat=True)) for e in _entries()}


def _erase(user: User, plan: ErasurePlan, pks: dict[str, list[Any]]) -> dict[str, Any]:
    """Do it; return what was done, counted from the writes themselves, in the shape of
    ``ErasurePlan.summary()`` (so a test can hold one against the other). ``pks`` are
    fixed first: later steps detach and cascade, and would hide rows from the lookups."""
    from organizations.models import Membership

    today = timezone.localdate()
    entries = _entries()
    by_label = {_label(e): e for e in entries}
    deleted: dict[str, int] = {}
    anonymised: dict[str, int] = {}
    actor_references: dict[str, int] = {}

    audit_entries = AuditEntry.objects.filter(_audit_condition(user)).update(
        changes={}, subject=None, erased=True
    )
    admin_log_entries, _detail = LogEntry.objects.filter(_admin_log_condition(user)).delete()

    for entry in registered_models():
        if not entry.actors:
            continue
        others = list(_acted_by_others(entry, user).values_list("pk", flat=True))
        # The person's own rows too (those kept or anonymised would otherwise keep the
        # copies); only other people's count as references.
        for name, copies in entry.actors.items():
            entry.model._default_manager.filter(**{name: user}).update(
                **{name: None}, **dict.fromkeys(copies, "")
            )
        if others:
            actor_references[entry.label] = len(others)

    from allauth.usersessions.models import UserSession

    sessions = 0
    for session in UserSession.objects.filter(user=user):
        session.end()
        sessions += 1
    if sessions:
        deleted[UserSession._meta.label] = sessions
    # Sessions the tracker did not see are cut by the unusable password below.

    suppression_keys = _suppression_keys(user)
    Suppression.objects.bulk_create(
        [Suppression(channel=channel, key=key) for channel, key in suppression_keys],
        ignore_conflicts=True,
    )
    consents = Consent.objects.filter(pk__in=pks["gdpr.consent"]).update(
        user=None,
        subject_key=email_key(user.email),
        keep_until=plan.consents_kept_until,
        withdrawn_at=Coalesce("withdrawn_at", timezone.now()),
    )

    files: list[tuple[Any, str]] = []
    membership_entry = by_label["organizations.membership"]
    ended = Membership.objects.filter(pk__in=pks["organizations.membership"]).update(
        user=None,
        status=Membership.Status.ENDED,
        role=Membership.Role.MEMBER,
        ended_on=Coalesce("ended_on", today),
        **{name: _blank_value(Membership, name) for name in membership_entry.erasure.fields},
    )
    if ended:
        anonymised[membership_entry.label] = ended
    for key, entry in by_label.items():
        if key in _SPECIAL or entry.erasure.strategy is not ErasureStrategy.ANONYMISE:
            continue
        n = anonymise_rows(entry, pks[key], files)
        if n:
            anonymised[entry.label] = n
    for key, entry in by_label.items():
        if key in _SPECIAL or entry.erasure.strategy is not ErasureStrategy.DELETE:
            continue
        files += _collect_files(entry, pks[key])
        _count_deleted(deleted, _by_pk(entry.model, pks[key]).delete())

    # The account itself: no login, no session survives, then the row goes (what is kept
    # no longer points at it).
    user.set_unusable_password()
    user.is_active = False
    user.save(update_fields=["password", "is_active"])
    _count_deleted(deleted, user.delete())
    delete_files_on_commit(files)

    registered = {e.label for e in registered_models()}
    kept = []
    for key, entry in by_label.items():
        if entry.erasure.strategy is not ErasureStrategy.KEEP_UNTIL:
            continue
        if key == "gdpr.consent":
            count, until = consents, plan.consents_kept_until
        else:
            found = _by_pk(entry.model, pks[key]).aggregate(
                n=models.Count("pk"), until=models.Max(entry.erasure.date_field)
            )
            count, until = found["n"], found["until"]
        if count:
            iso = until.isoformat() if until else None
            kept.append({"model": entry.label, "count": count, "until": iso})
    suppression_entry = by_label["gdpr.suppression"]
    wanted = Q(pk__in=pks["gdpr.suppression"])
    for channel, key in suppression_keys:
        wanted |= Q(channel=channel, key=key)
    suppressions = Suppression.objects.filter(wanted).count()
    if suppressions:
        kept.append({"model": suppression_entry.label, "count": suppressions, "until": None})
    order = [item.model for item in plan.kept_items]
    kept.sort(key=lambda k: order.index(k["model"]) if k["model"] in order else len(order))
    return {
        "deleted": {k: v for k, v in deleted.items() if k in registered},
        "anonymised": anonymised,
        "kept": kept,
        "actor_references": actor_references,
        "audit_entries": audit_entries,
        "admin_log_entries": admin_log_entries,
        "files": len(files),
        "sessions": sessions,
        "suppressions": sorted({channel for channel, _key in suppression_keys}),
        "consents_kept_until": (
            plan.consents_kept_until.isoformat() if consents and plan.consents_kept_until else None
        ),
    }


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


def erasure_preview_record(request: DataSubjectRequest, *, actor: User | None) -> None:
    """Note on an erasure request that its preview was shown (once per person looking)."""
    from gdpr.requests.services import request_event_log

    if request.kind != RequestKind.ERASURE:
        return
    if request.events.filter(action=RequestEvent.Action.ERASURE_PREVIEWED, actor=actor).exists():
        return
    request_event_log(request, RequestEvent.Action.ERASURE_PREVIEWED, actor=actor)


# --- Filing (the member, in the browser) ---------------------------------------------------


class OpenErasureRequest(ErasureError):
    """The person already has an erasure request waiting for the controller."""


def open_erasure_request(user: User) -> DataSubjectRequest | None:
    return (
        DataSubjectRequest.objects.filter(
            subject=user, kind=RequestKind.ERASURE, status__in=OPEN_STATUSES
        )
        .order_by("-received_at")
        .first()
    )


@transaction.atomic
def erasure_file(user: User, *, details: str = "") -> DataSubjectRequest:
    """The signed-in person asks for erasure after seeing the preview (the step log says
    so); one open erasure request at a time, so a double click files one."""
    from accounts.models import User as UserModel
    from gdpr.requests.emails import notify_subject
    from gdpr.requests.services import request_event_log, request_file

    # Serialises filing per person, so the check below holds under concurrent posts.
    list(UserModel.objects.select_for_update().filter(pk=user.pk).values_list("pk"))
    if open_erasure_request(user) is not None:
        raise OpenErasureRequest(
            _("You already have an open erasure request. It is handled within a month.")
        )
    request = request_file(
        subject=user, kind=RequestKind.ERASURE, actor=user, details=details.strip()
    )
    request_event_log(request, RequestEvent.Action.ERASURE_PREVIEWED, actor=user)
    notify_subject(request, template="received")
    return request
