"""Rectification (GDPR Art. 16): correcting what others recorded about a person.

What members can edit themselves (their profile) they edit directly on the profile page.
Everything else that an organization or the controller recorded is listed here from a
small registry of rectifiable fields: a member files a request naming the datum and the
correct value; the controller — or an admin of the organization that holds the record —
accepts it (perhaps with an edited value) or refuses it with a reason. An accepted value
is applied through the owning app's service, so the audit trail records the change, and
the recipients of the data are told (Art. 19, ``gdpr.disclosures.recipient_notices``).

A datum is named by a key ``"<app>.<model>:<pk>:<field>"``; the key is only ever resolved
among the person's own rows, so a forged key finds nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.selectors import staff_may_use_admin
from accounts.sources import DataSource
from gdpr import declarations as registry
from gdpr.audit import acting_as
from gdpr.models import (
    OPEN_STATUSES,
    DataSubjectRequest,
    IdentityMethod,
    RequestChannel,
    RequestEvent,
    RequestKind,
    RequestStatus,
)

if TYPE_CHECKING:
    from accounts.models import User
    from gdpr.disclosures.recipient_notices import Correction
    from organizations.models import Organization

LazyText = registry.LazyText


class RectificationError(ValidationError):
    """A rectification that cannot be filed or decided as given (shown to the user)."""


# --- The registry of rectifiable fields ---------------------------------------------------


class ValueKind(models.TextChoices):
    TEXT = "text"
    LONG_TEXT = "long_text"
    EMAIL = "email"
    DATE = "date"
    PHONE = "phone"
    CHOICE = "choice"


@dataclass(frozen=True)
class RectifiableField:
    name: str
    label: LazyText
    kind: ValueKind = ValueKind.TEXT
    # For CHOICE: the model's choices.
    choices: tuple[tuple[str, LazyText], ...] = ()
    # Whether this field of this row may be corrected through a request (e.g. the end
    # date only of an ended membership).
    applies: Callable[[Any], bool] = lambda obj: True


@dataclass(frozen=True)
class RectifiableSource:
    """One model whose rows hold data about a person that the person cannot edit."""

    label: str  # "organizations.membership"
    # What kind of record, in words ("Membership").
    noun: LazyText
    fields: tuple[RectifiableField, ...]
    # The person's rows (with what ``describe`` and ``owner`` need, in one query).
    rows: Callable[[User], QuerySet]
    # Which record: "Membership of Malmin Ilmailukerho ry".
    describe: Callable[[Any], str]
    # The organization that holds the record; None when the controller does.
    owner: Callable[[Any], Organization | None]
    # Apply an accepted value (already cleaned) through the owning app's service.
    apply: Callable[..., None]
    # How an accepted correction is applied, in the member's words.
    how: LazyText

    def field(self, name: str) -> RectifiableField | None:
        return next((f for f in self.fields if f.name == name), None)


_sources: dict[str, RectifiableSource] = {}


def register_source(source: RectifiableSource) -> RectifiableSource:
    _sources[source.label] = source
    return source


def sources() -> list[RectifiableSource]:
    return list(_sources.values())


@dataclass(frozen=True)
class RectifiableDatum:
    key: str
    label: str
    record: str
    value: str
    organization: Organization | None
    how: str
    kind: str
    choices: tuple[tuple[str, str], ...] = ()
    # The gdpr.declarations category, so Art. 19 notices go to those who got this kind of data.
    category: str = ""

    @property
    def holder(self) -> str:
        return self.organization.name if self.organization else _("The controller")


def _key(source: RectifiableSource, obj: Any, field: RectifiableField) -> str:
    return f"{source.label}:{obj.pk}:{field.name}"


def _category(source: RectifiableSource, field: RectifiableField) -> str:
    model = _model(source)
    entry = registry.entry_for(model)
    return entry.personal.get(field.name, "") if entry else ""


def _model(source: RectifiableSource) -> type[models.Model]:
    from django.apps import apps

    return apps.get_model(source.label)


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
        organization=source.owner(obj),
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
    from gdpr.disclosures.recipient_notices import Correction

    def texts() -> tuple[str, str, str]:
        return (
            str(resolved.field.label),
            resolved.source.describe(resolved.obj),
            display_value(resolved.field, value),
        )

    return Correction(
        holder=resolved.source.owner(resolved.obj),
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
    source = _sources.get(label)
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


# --- Selectors for the organization's admins ------------------------------------------


def org_rectification_requests(
    organization: Organization, *, closed: bool = False, limit: int | None = None
) -> list[DataSubjectRequest]:
    """Rectification requests about the organization's records (one query): open ones by
    deadline, or decided ones newest first. Each carries ``target_label`` and
    ``requested_display`` for the list."""
    requests = DataSubjectRequest.objects.filter(
        organization=organization, kind=RequestKind.RECTIFICATION
    ).select_related("subject")
    if closed:
        requests = requests.exclude(status__in=OPEN_STATUSES).order_by("-closed_at", "-pk")
    else:
        requests = requests.filter(status__in=OPEN_STATUSES).order_by("due_on", "pk")
    found = list(requests[:limit] if limit else requests)
    for request in found:
        request.target_label = target_label(request.rectification_target)
        request.requested_display = requested_value_display(request)
    return found


def get_org_rectification(organization: Organization, public_id) -> DataSubjectRequest:
    """A rectification request about ``organization``'s records; 404 for any other (the
    caller has checked that the user administers the organization)."""
    request = (
        DataSubjectRequest.objects.filter(
            organization=organization, kind=RequestKind.RECTIFICATION, public_id=public_id
        )
        .select_related("subject")
        .prefetch_related("events")
        .first()
    )
    if request is None:
        raise Http404
    return request


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
    """File a request to correct one of ``user``'s data. The organization that holds the
    record is named on the request, so its admins can decide it."""
    from gdpr.requests.services import request_file

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
    datum = resolved.datum
    request = request_file(
        subject=user,
        kind=RequestKind.RECTIFICATION,
        actor=actor,
        channel=RequestChannel.WEB,
        details=details.strip(),
        organization=datum.organization,
        rectification_target=target,
        rectification_value=_stored(cleaned),
    )
    if datum.organization is not None:
        _notify_organization_of_request(request, resolved, datum.organization)
    return request


def _notify_organization_of_request(
    request: DataSubjectRequest, resolved: _Resolved, organization: Organization
) -> None:
    """Tell the organization's admins there is a correction for them to decide (after
    commit: nothing is mailed for a request that was never stored)."""
    from gdpr.disclosures.recipient_notices import holder_addresses, send_after_commit

    context = {
        "request": request,
        "organization": organization,
        # Read while each message renders, in its reader's language.
        "resolved": resolved,
        "deadline": request.deadline,
        "path": _org_decide_path(request),
    }
    send_after_commit(
        (address.language, address.email, "gdpr/email/rectification_filed", context)
        for address in holder_addresses(organization, exclude=request.subject)
    )


def _org_decide_path(request: DataSubjectRequest) -> str:
    from django.urls import reverse

    return reverse(
        "gdpr:org_rectification_decide",
        kwargs={"pk": request.organization_id, "public_id": request.public_id},
    )


# --- Deciding -----------------------------------------------------------------------------


def may_decide(user: User, request: DataSubjectRequest) -> bool:
    """The controller's staff decide every rectification; an organization's admins the
    ones about their organization's own records."""
    from organizations.permissions import administered_organizations

    # The same bar as the admin: staff whose second factor predates their rights.
    if staff_may_use_admin(user=user) and user.has_perm("gdpr.change_datasubjectrequest"):
        return True
    # Nobody decides about their own data: another admin or the controller does.
    if request.organization_id is None or request.subject_id == user.pk:
        return False
    return administered_organizations(user).filter(pk=request.organization_id).exists()


def _to_in_progress(request: DataSubjectRequest, *, actor: User) -> DataSubjectRequest:
    """A request filed in the browser by the signed-in subject needs no further identity
    check (EDPB 01/2022); one that came by letter or phone the controller verifies first."""
    from gdpr.requests import services

    if request.status == RequestStatus.RECEIVED:
        if request.channel != RequestChannel.WEB or request.subject is None:
            raise RectificationError(
                _("The controller must verify the person's identity before this is decided.")
            )
        services.request_verify_identity(
            request,
            method=IdentityMethod.SIGNED_IN,
            note=_("Filed in the service by the signed-in person."),
            actor=actor,
        )
        request.refresh_from_db()
    if request.status == RequestStatus.IDENTITY_VERIFIED:
        services.request_start(request, actor=actor)
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
    from gdpr.disclosures.recipient_notices import notify_recipients
    from gdpr.requests import services

    request = DataSubjectRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if request.kind != RequestKind.RECTIFICATION:
        raise RectificationError(_("This is not a rectification request."))
    if not request.is_open:
        raise RectificationError(_("This request has already been decided."))
    if not may_decide(actor, request):
        raise RectificationError(_("You may not decide this request."))
    reason = reason.strip()
    if not accept:
        if not reason:
            raise RectificationError(_("Give the reason for refusing."))
        services.request_refuse(request, reason=reason, actor=actor)
        request.refresh_from_db()
        return request

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
    services.request_event_log(
        request,
        RequestEvent.Action.RECTIFIED,
        actor=actor,
        note=_("%(label)s (%(record)s): %(old)s → %(new)s")
        % {"label": datum.label, "record": datum.record, "old": old, "new": new},
    )
    if reason:
        services.request_event_log(request, RequestEvent.Action.NOTE, actor=actor, note=reason)
    notify_recipients(request, actor=actor, correction=_correction(resolved, cleaned))
    services.request_complete(
        request,
        response=_accepted_response(datum, new=new, edited=edited, note=reason),
        actor=actor,
    )
    request.refresh_from_db()
    return request


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


# --- The sources ------------------------------------------------------------------------


def _membership_rows(user: User) -> QuerySet:
    from organizations.models import Membership

    return (
        Membership.objects.filter(user=user)
        .exclude(status=Membership.Status.INVITED)
        .select_related("organization")
        .order_by("organization__name", "pk")
    )


def _membership_apply(obj, field: str, value: Any, *, actor: User, reason: str) -> None:
    from organizations.services import membership_rectify

    membership_rectify(
        membership=obj, field=field, value=value, actor=actor, source=DataSource.SUBJECT
    )


def _is_ended(membership) -> bool:
    return membership.status == membership.Status.ENDED


def _is_active(membership) -> bool:
    return membership.status == membership.Status.ACTIVE


def _membership_source() -> RectifiableSource:
    from organizations.models import Membership

    return RectifiableSource(
        label="organizations.membership",
        noun=gettext_lazy("Membership"),
        fields=(
            RectifiableField("member_number", gettext_lazy("Member number")),
            RectifiableField("joined_on", gettext_lazy("Joined"), ValueKind.DATE),
            RectifiableField("ended_on", gettext_lazy("Ended"), ValueKind.DATE, applies=_is_ended),
            RectifiableField(
                "role",
                gettext_lazy("Role"),
                ValueKind.CHOICE,
                choices=tuple(Membership.Role.choices),
                applies=_is_active,
            ),
            # While the membership is active the register copies these from the profile,
            # where the person edits them; an ended membership keeps them as they were.
            RectifiableField("name", gettext_lazy("Name in the register"), applies=_is_ended),
            RectifiableField(
                "email",
                gettext_lazy("Email address in the register"),
                ValueKind.EMAIL,
                applies=_is_ended,
            ),
        ),
        rows=_membership_rows,
        describe=lambda m: _("Membership of %(organization)s") % {"organization": m.organization},
        owner=lambda m: m.organization,
        apply=_membership_apply,
        how=gettext_lazy("The organization's member register is corrected."),
    )


def _contact_rows(user: User) -> QuerySet:
    from organizations.models import ContactPerson

    return (
        ContactPerson.objects.filter(Q(user=user) | Q(email__iexact=user.email))
        .select_related("organization")
        .order_by("organization__name", "pk")
    )


def _contact_apply(obj, field: str, value: Any, *, actor: User, reason: str) -> None:
    from organizations.services import contact_person_save

    contact_person_save(
        organization=obj.organization,
        contact=obj,
        data={field: value},
        source=DataSource.SUBJECT,
    )


def _contact_source() -> RectifiableSource:
    return RectifiableSource(
        label="organizations.contactperson",
        noun=gettext_lazy("Contact person"),
        fields=(
            RectifiableField("name", gettext_lazy("Name")),
            RectifiableField("role", gettext_lazy("Role")),
            RectifiableField("phone", gettext_lazy("Phone number"), ValueKind.PHONE),
            RectifiableField("email", gettext_lazy("Email address"), ValueKind.EMAIL),
        ),
        rows=_contact_rows,
        describe=lambda c: (
            _("Contact person of %(organization)s") % {"organization": c.organization}
        ),
        owner=lambda c: c.organization,
        apply=_contact_apply,
        how=gettext_lazy("The organization's contact-person record is corrected."),
    )


def _invoice_rows(user: User) -> QuerySet:
    from billing.models import Invoice

    # The latest issued invoice of each of the person's memberships: its recipient details
    # are what the next invoice would repeat.
    latest = (
        Invoice.objects.filter(membership=OuterRef("membership"))
        .exclude(status=Invoice.Status.DRAFT)
        .order_by("-issue_date", "-pk")
        .values("pk")[:1]
    )
    return (
        Invoice.objects.filter(membership__user=user, pk=Subquery(latest))
        .select_related("organization")
        .order_by("organization__name", "pk")
    )


def _invoice_apply(obj, field: str, value: Any, *, actor: User, reason: str) -> None:
    """Never rewrite an issued invoice: it is an accounting voucher (Accounting Act 2:10)
    and must show what was sent. The correction goes to the member record that future
    invoices copy their recipient from; the request's trail records it with the reason."""
    from organizations.services import membership_rectify

    membership_rectify(
        membership=obj.membership,
        field={"recipient_name": "name", "recipient_email": "email"}[field],
        value=value,
        actor=actor,
        source=DataSource.SUBJECT,
    )


def _invoice_source() -> RectifiableSource:
    return RectifiableSource(
        label="billing.invoice",
        noun=gettext_lazy("Invoices"),
        fields=(
            RectifiableField("recipient_name", gettext_lazy("Recipient's name on invoices")),
            RectifiableField(
                "recipient_email",
                gettext_lazy("Recipient's email address on invoices"),
                ValueKind.EMAIL,
            ),
        ),
        rows=_invoice_rows,
        describe=lambda i: (
            _("Invoices of %(organization)s (latest: no. %(number)s)")
            % {"organization": i.organization, "number": i.number}
        ),
        owner=lambda i: i.organization,
        apply=_invoice_apply,
        how=gettext_lazy(
            "Invoices already issued are accounting vouchers: the law requires them to be"
            " kept as they were sent, so they are not changed. The correction and its reason"
            " are recorded, and future invoices use the corrected details. The address on"
            " invoices comes from your profile, which you can edit yourself."
        ),
    )


def _communication_rows(user: User) -> QuerySet:
    from communications.models import CommunicationRecord

    # Mail the service sent is logged as it was sent; what people recorded by hand
    # (calls, letters, meetings) is their account of it and can be wrong.
    return (
        CommunicationRecord.objects.filter(subject=user, kind=CommunicationRecord.Kind.MANUAL)
        .select_related("organization")
        .order_by("-occurred_at", "-pk")
    )


def _communication_apply(obj, field: str, value: Any, *, actor: User, reason: str) -> None:
    from communications.services import communication_record_rectify

    communication_record_rectify(record=obj, data={field: value})


def _communication_source() -> RectifiableSource:
    return RectifiableSource(
        label="communications.communicationrecord",
        noun=gettext_lazy("Communication record"),
        fields=(
            RectifiableField("subject_line", gettext_lazy("Subject")),
            RectifiableField("summary", gettext_lazy("Summary"), ValueKind.LONG_TEXT),
        ),
        rows=_communication_rows,
        describe=lambda r: (
            _("%(channel)s on %(date)s recorded by %(holder)s")
            % {
                "channel": r.get_channel_display(),
                "date": formats.date_format(timezone.localtime(r.occurred_at), "SHORT_DATE_FORMAT"),
                "holder": r.organization.name if r.organization else _("the controller"),
            }
        ),
        owner=lambda r: r.organization,
        apply=_communication_apply,
        how=gettext_lazy(
            "The communication record is corrected; its earlier text stays in the audit trail."
        ),
    )


def _register_sources() -> Mapping[str, RectifiableSource]:
    for build in (_membership_source, _contact_source, _invoice_source, _communication_source):
        register_source(build())
    return _sources


_register_sources()
