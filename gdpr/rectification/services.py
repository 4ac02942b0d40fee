"""Rectification (GDPR Art. 16): correcting what others recorded about a person.

What members can edit themselves (their profile) they edit directly on the profile page.
Everything else that an organization or the controller recorded is listed here from the
sources the apps declare (``gdpr.rectification.sources``): a member files a request naming
the datum and the correct value; the controller — or the admins of the holder of the
record, e.g. an organization — accepts it (perhaps with an edited value) or refuses it
with a reason. An accepted value is applied through the owning app's service, so the audit
trail records the change, and the recipients of the data are told (Art. 19,
``gdpr.disclosures.recipient_notices``).

A datum is named by a key ``"<app>.<model>:<pk>:<field>"``; the key is only ever resolved
among the person's own rows, so a forged key finds nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import phonenumbers
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.selectors import staff_may_use_admin
from gdpr import declarations as registry
from gdpr.audit import acting_as
from gdpr.disclosures.recipient_notices import Correction, notify_recipients, send_after_commit
from gdpr.models import (
    OPEN_STATUSES,
    DataSubjectRequest,
    IdentityMethod,
    RequestChannel,
    RequestEvent,
    RequestKind,
    RequestStatus,
)
from gdpr.models import request_phrases as phrases
from gdpr.rectification.sources import (
    RecordHolder,
    RectifiableField,
    RectifiableSource,
    ValueKind,
    holder_kind,
    register_holder,
    register_source,
    source_for,
    sources,
)
from gdpr.requests.base import request_event_log
from gdpr.requests.closing import request_complete, request_refuse
from gdpr.requests.filing import request_file
from gdpr.requests.handling import request_start, request_verify_identity

if TYPE_CHECKING:
    from accounts.models import User

# The declarations stay importable from here, where they were defined before.
__all__ = [
    "HolderRectification",
    "RecordHolder",
    "RectifiableDatum",
    "RectifiableField",
    "RectifiableSource",
    "RectificationError",
    "ValueKind",
    "clean_value",
    "correction_for_request",
    "datum_for_request",
    "datum_of",
    "display_value",
    "holder_rectification",
    "holder_rectification_requests",
    "may_decide",
    "rectifiable_data",
    "rectification_decide",
    "rectification_file",
    "register_holder",
    "register_source",
    "requested_value_display",
    "sources",
    "target_label",
]


class RectificationError(ValidationError):
    """A rectification that cannot be filed or decided as given (shown to the user)."""


@dataclass(frozen=True)
class RectifiableDatum:
    key: str
    label: str
    record: str
    value: str
    # Who holds the record (its admins decide); None for the controller.
    held_by: models.Model | None
    how: str
    kind: str
    choices: tuple[tuple[str, str], ...] = ()
    # The gdpr.declarations category, so Art. 19 notices go to those who got this kind of data.
    category: str = ""

    @property
    def holder(self) -> str:
        return str(self.held_by) if self.held_by is not None else _("The controller")


def _key(source: RectifiableSource, obj: Any, field: RectifiableField) -> str:
    return f"{source.label}:{obj.pk}:{field.name}"


def _category(source: RectifiableSource, field: RectifiableField) -> str:
    entry = registry.entry_for(source.model)
    return entry.personal.get(field.name, "") if entry else ""


def display_value(field: RectifiableField, value: Any) -> str:
    """A stored value as a person reads it."""
    if value in (None, ""):
        return "—"
    if field.kind == ValueKind.DATE:
        if isinstance(value, str):
            value = datetime.date.fromisoformat(value)
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if field.kind == ValueKind.CHOICE:
        return str(dict(field.choices).get(str(value), value))
    return str(value)


def _datum(source: RectifiableSource, obj: Any, field: RectifiableField) -> RectifiableDatum:
    return RectifiableDatum(
        key=_key(source, obj, field),
        label=str(field.label),
        record=source.describe(obj),
        value=display_value(field, getattr(obj, field.name)),
        held_by=source.holder(obj),
        how=str(source.how),
        kind=str(field.kind),
        choices=tuple((value, str(label)) for value, label in field.choices),
        category=_category(source, field),
    )


def rectifiable_data(user: User) -> list[RectifiableDatum]:
    """Every datum about ``user`` that others recorded and the person may ask to correct;
    one query per registered source, whatever the number of rows."""
    found: list[RectifiableDatum] = []
    for source in sources():
        for obj in source.rows(user):
            found += [_datum(source, obj, f) for f in source.fields if f.applies(obj)]
    return found


@dataclass(frozen=True)
class _Resolved:
    source: RectifiableSource
    field: RectifiableField
    obj: Any

    @property
    def datum(self) -> RectifiableDatum:
        return _datum(self.source, self.obj, self.field)

    @property
    def current(self) -> Any:
        return getattr(self.obj, self.field.name)


def _resolve(user: User | None, key: str) -> _Resolved:
    """The datum ``key`` names, looked up among ``user``'s own rows only."""
    not_found = RectificationError(_("Choose one of your data listed on the page."))
    found = _field_for_key(key)
    pk = key.split(":")[1] if key.count(":") == 2 else ""
    if user is None or found is None or not pk.isdigit():
        raise not_found
    source, field = found
    obj = source.rows(user).filter(pk=int(pk)).first()
    if obj is None or not field.applies(obj):
        raise not_found
    return _Resolved(source=source, field=field, obj=obj)


def _correction(resolved: _Resolved, value: Any) -> Correction:
    def texts() -> tuple[str, str, str]:
        return (
            str(resolved.field.label),
            resolved.source.describe(resolved.obj),
            display_value(resolved.field, value),
        )

    return Correction(
        holder=resolved.source.holder(resolved.obj),
        category=_category(resolved.source, resolved.field),
        texts=texts,
    )


def correction_for_request(request: DataSubjectRequest) -> Correction | None:
    """What an accepted rectification request set, for Art. 19 notices (None when the
    record or the person is gone)."""
    try:
        resolved = _resolve(request.subject, request.rectification_target)
    except RectificationError:
        return None
    return _correction(resolved, resolved.current)


def datum_of(user: User | None, key: str) -> RectifiableDatum:
    """The datum ``key`` names among ``user``'s own data; RectificationError otherwise
    (e.g. for the controller naming the datum of a request that came by letter)."""
    return _resolve(user, key).datum


def datum_for_request(request: DataSubjectRequest) -> RectifiableDatum | None:
    """The datum a rectification request names, as it stands now (None when the record
    or the person is gone)."""
    try:
        return _resolve(request.subject, request.rectification_target).datum
    except RectificationError:
        return None


def _field_for_key(key: str) -> tuple[RectifiableSource, RectifiableField] | None:
    label, _sep, rest = key.partition(":")
    _pk, _sep, name = rest.partition(":")
    source = source_for(label)
    field = source.field(name) if source else None
    return (source, field) if source and field else None


def target_label(key: str) -> str:
    """What a key names, in words, without a query ("Member number — Membership")."""
    found = _field_for_key(key)
    if found is None:
        return key
    source, field = found
    return f"{field.label} — {source.noun}"


def requested_value_display(request: DataSubjectRequest) -> str:
    found = _field_for_key(request.rectification_target)
    if found is None:
        return request.rectification_value
    return display_value(found[1], request.rectification_value)


# --- Selectors for the holder's admins --------------------------------------------------


def _held_by(holder: models.Model) -> QuerySet[DataSubjectRequest]:
    return DataSubjectRequest.objects.filter(
        holder_type=ContentType.objects.get_for_model(holder),
        holder_id=str(holder.pk),
        kind=RequestKind.RECTIFICATION,
    )


def holder_rectification_requests(
    holder: models.Model, *, closed: bool = False, limit: int | None = None
) -> list[DataSubjectRequest]:
    """Rectification requests about the records ``holder`` holds (one query): open ones
    by deadline, or decided ones newest first. Each carries ``target_label`` and
    ``requested_display`` for the list."""
    requests = _held_by(holder).select_related("subject")
    if closed:
        requests = requests.exclude(status__in=OPEN_STATUSES).order_by("-closed_at", "-pk")
    else:
        requests = requests.filter(status__in=OPEN_STATUSES).order_by("due_on", "pk")
    found = list(requests[:limit] if limit else requests)
    for request in found:
        request.target_label = target_label(request.rectification_target)
        request.requested_display = requested_value_display(request)
    return found


@dataclass(frozen=True)
class HolderRectification:
    """One request as the holder's admins see it on their decision page."""

    request: DataSubjectRequest
    # The datum as it stands now; None when the record or the person is gone.
    datum: RectifiableDatum | None
    target_label: str
    requested: str
    # Whether the viewer may decide it now (never their own data).
    may_decide: bool
    own_request: bool
    # The steps the subject sees too (internal notes are the controller's).
    events: list[RequestEvent]

    @property
    def decided(self) -> bool:
        return self.request.status in (RequestStatus.COMPLETED, RequestStatus.REFUSED)


def holder_rectification(holder: models.Model, public_id, *, user: User) -> HolderRectification:
    """A rectification request about ``holder``'s records, for ``user`` (one of its
    admins: the caller has checked that); 404 for any other request."""
    request = get_object_or_404(
        _held_by(holder).select_related("subject").prefetch_related("events"),
        public_id=public_id,
    )
    # The holder is known: deciding who may decide needs no query for it.
    DataSubjectRequest._meta.get_field("holder").set_cached_value(request, holder)
    return HolderRectification(
        request=request,
        datum=datum_for_request(request),
        target_label=target_label(request.rectification_target),
        requested=requested_value_display(request),
        may_decide=request.is_open and may_decide(user, request),
        own_request=request.subject_id == user.pk,
        events=[event for event in request.events.all() if not event.internal],
    )


# --- Values -------------------------------------------------------------------------------


def clean_value(field: RectifiableField, raw: str, *, model: type[models.Model]) -> Any:
    """The typed value of ``raw`` for ``field``; RectificationError with a clear message."""
    value = (raw or "").strip()
    if not value:
        raise RectificationError(_("Enter the correct value."))
    if field.kind == ValueKind.DATE:
        try:
            day = forms.DateField(input_formats=["%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"]).clean(value)
        except ValidationError as error:
            raise RectificationError(_("Enter the date as dd.mm.yyyy.")) from error
        if day > timezone.localdate():
            raise RectificationError(_("The date cannot be in the future."))
        return day
    if field.kind == ValueKind.EMAIL:
        value = value.lower()
        try:
            validate_email(value)
        except ValidationError as error:
            raise RectificationError(_("Enter a valid email address.")) from error
    elif field.kind == ValueKind.PHONE:
        try:
            number = phonenumbers.parse(value, "FI")
        except phonenumbers.NumberParseException as error:
            raise RectificationError(_("Enter a valid phone number.")) from error
        if not phonenumbers.is_valid_number(number):
            raise RectificationError(_("Enter a valid phone number."))
        value = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    elif field.kind == ValueKind.CHOICE and value not in dict(field.choices):
        raise RectificationError(_("Choose one of the values offered."))
    max_length = getattr(model._meta.get_field(field.name), "max_length", None)
    if max_length and len(value) > max_length:
        raise RectificationError(
            _("The value is too long (at most %(count)d characters).") % {"count": max_length}
        )
    return value


def _stored(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


def _same(current: Any, value: Any) -> bool:
    if current in (None, ""):
        return False
    return _stored(current) == _stored(value)


# --- Filing -------------------------------------------------------------------------------


@transaction.atomic
def rectification_file(
    user: User, *, target: str, value: str, details: str, actor: User | None
) -> DataSubjectRequest:
    """File a request to correct one of ``user``'s data. The holder of the record (an
    organization) is named on the request, so its admins can decide it."""
    resolved = _resolve(user, target)
    cleaned = clean_value(resolved.field, value, model=type(resolved.obj))
    if _same(resolved.current, cleaned):
        raise RectificationError(_("This is already the recorded value."))
    if DataSubjectRequest.objects.filter(
        subject=user,
        kind=RequestKind.RECTIFICATION,
        rectification_target=target,
        status__in=OPEN_STATUSES,
    ).exists():
        raise RectificationError(
            _("You already asked to correct this. The request is being handled.")
        )
    holder = resolved.source.holder(resolved.obj)
    request = request_file(
        subject=user,
        kind=RequestKind.RECTIFICATION,
        actor=actor,
        channel=RequestChannel.WEB,
        details=details.strip(),
        holder=holder,
        rectification_target=target,
        rectification_value=_stored(cleaned),
    )
    if holder is not None:
        _notify_holder_of_request(request, resolved, holder)
    return request


def _notify_holder_of_request(
    request: DataSubjectRequest, resolved: _Resolved, holder: models.Model
) -> None:
    """Tell the holder's admins there is a correction for them to decide (after commit:
    nothing is mailed for a request that was never stored)."""
    kind = holder_kind(holder)
    if kind is None:  # Nobody declared who administers it: the controller decides.
        return
    context = {
        "request": request,
        "holder": holder,
        # Read while each message renders, in its reader's language.
        "resolved": resolved,
        "deadline": request.deadline,
        "path": kind.decide_path(holder, request),
    }
    send_after_commit(
        (language, email, "gdpr/email/rectification_filed", context)
        for language, email in kind.addresses(holder, exclude=request.subject)
    )


# --- Deciding -----------------------------------------------------------------------------


def may_decide(user: User, request: DataSubjectRequest) -> bool:
    """The controller's staff decide every rectification; the admins of the holder of a
    record (an organization's) the ones about the records it holds."""
    # The same bar as the admin: staff whose second factor predates their rights.
    if staff_may_use_admin(user=user) and user.has_perm("gdpr.change_datasubjectrequest"):
        return True
    # Nobody decides about their own data: another admin or the controller does.
    if request.holder_type_id is None or request.subject_id == user.pk:
        return False
    holder = request.holder
    kind = holder_kind(holder)
    return kind is not None and kind.administers(user, holder)


def _to_in_progress(request: DataSubjectRequest, *, actor: User) -> DataSubjectRequest:
    """A request filed in the browser by the signed-in subject needs no further identity
    check (EDPB 01/2022); one that came by letter or phone the controller verifies first."""
    if request.status == RequestStatus.RECEIVED:
        if request.channel != RequestChannel.WEB or request.subject is None:
            raise RectificationError(
                _("The controller must verify the person's identity before this is decided.")
            )
        # The method's label says it all, in the reader's language; no note to translate.
        request_verify_identity(request, method=IdentityMethod.SIGNED_IN, actor=actor)
        request.refresh_from_db()
    if request.status == RequestStatus.IDENTITY_VERIFIED:
        request_start(request, actor=actor)
        request.refresh_from_db()
    return request


@transaction.atomic
def rectification_decide(
    request: DataSubjectRequest,
    *,
    accept: bool,
    value: str = "",
    reason: str = "",
    actor: User,
) -> DataSubjectRequest:
    """Accept (perhaps with an edited value) or refuse a rectification request.

    Accepting applies the value through the owning app's service (the audit trail records
    the change), logs it on the request with the old and new value, notifies the
    recipients of the data (Art. 19) and completes the request with a response to the
    subject. Refusing needs a reason, which the subject is told.
    """
    request = DataSubjectRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if request.kind != RequestKind.RECTIFICATION:
        raise RectificationError(_("This is not a rectification request."))
    if not request.is_open:
        raise RectificationError(_("This request has already been decided."))
    if not may_decide(actor, request):
        raise RectificationError(_("You may not decide this request."))
    reason = reason.strip()
    if accept:
        _accept(request, value=value, reason=reason, actor=actor)
    elif not reason:
        raise RectificationError(_("Give the reason for refusing."))
    else:
        request_refuse(request, reason=reason, actor=actor)
    request.refresh_from_db()
    return request


def _accept(request: DataSubjectRequest, *, value: str, reason: str, actor: User) -> None:
    """Apply the value, log it with the old one, tell the recipients (Art. 19) and answer
    the subject."""
    resolved = _resolve(request.subject, request.rectification_target)
    raw = value.strip() or request.rectification_value
    cleaned = clean_value(resolved.field, raw, model=type(resolved.obj))
    old = display_value(resolved.field, resolved.current)
    new = display_value(resolved.field, cleaned)
    edited = bool(value.strip()) and _stored(cleaned) != request.rectification_value
    request = _to_in_progress(request, actor=actor)
    with acting_as(actor):
        try:
            resolved.source.apply(
                resolved.obj, resolved.field.name, cleaned, actor=actor, reason=reason
            )
        except ValidationError as error:
            raise RectificationError(error.messages) from error
    datum = resolved.datum
    request_event_log(
        request,
        RequestEvent.Action.RECTIFIED,
        actor=actor,
        # The datum by its key, put in words when the step is read; the record's name and
        # the values as they were.
        phrase=phrases.RECTIFIED,
        params={
            "target": request.rectification_target,
            "record": str(datum.record),
            "old": old,
            "new": new,
        },
    )
    if reason:
        request_event_log(request, RequestEvent.Action.NOTE, actor=actor, note=reason)
    notify_recipients(request, actor=actor, correction=_correction(resolved, cleaned))
    request_complete(
        request,
        response=_accepted_response(datum, new=new, edited=edited, note=reason),
        actor=actor,
    )


def _accepted_response(datum: RectifiableDatum, *, new: str, edited: bool, note: str) -> str:
    parts = [
        _("%(label)s (%(record)s) has been corrected. The recorded value is now: %(new)s.")
        % {"label": datum.label, "record": datum.record, "new": new}
    ]
    if edited:
        parts.append(_("The value was adjusted from the one you gave."))
    if note:
        parts.append(note)
    parts.append(datum.how)
    parts.append(
        _(
            "Those who received this data from us have been told of the correction"
            " (GDPR Art. 19); you can see who they are on the request's page."
        )
    )
    return "\n\n".join(parts)
