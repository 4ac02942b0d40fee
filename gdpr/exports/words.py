"""The export's words for stored values: records and things by name, dates as the pages
write them, and the audit trail's changes as sentences in the reader's language."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from gdpr import declarations as registry
from gdpr.audit import REDACTED
from gdpr.models import Consent, DataExport, Disclosure, NoticeVersion


def thing_label(obj: models.Model) -> str:
    """A readable name for something that is not a person (organization, product)."""
    name = getattr(obj, "name", None)
    if isinstance(obj, Disclosure):
        return obj.recipient_name
    if isinstance(obj, NoticeVersion):
        return _("version %(number)s of %(date)s") % {
            "number": obj.number,
            "date": local(obj.published_at, time=False),
        }
    if isinstance(name, str):
        return name
    return str(obj)


def record_label(obj: models.Model) -> str:
    """One of the person's own records in words, without anyone's name: its kind and the
    first date it holds ("Data-subject request of 5.12.2026"), else its kind and number."""
    entry = registry.entry_for(type(obj))
    kind = entry.record_name() if entry is not None else obj._meta.verbose_name
    kind = str(capfirst(kind))
    names = registry.model_field_names(type(obj)) if entry is not None else []
    for name in names:
        model_field = obj._meta.get_field(name)
        if isinstance(model_field, models.DateField):  # DateTimeField included
            value = getattr(obj, model_field.attname)
            if value is not None:
                return _("%(record)s of %(date)s") % {
                    "record": kind,
                    "date": local(value, time=False),
                }
    return _("%(record)s no. %(number)s") % {"record": kind, "number": obj.pk}


def local(value: datetime.date | datetime.datetime, *, time: bool = True) -> str:
    """A date or time as the pages write them, in the reader's time zone."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        if not time:
            return formats.date_format(value.date(), "SHORT_DATE_FORMAT")
        return formats.date_format(value, "SHORT_DATETIME_FORMAT")
    return formats.date_format(value, "SHORT_DATE_FORMAT")


# A stored reference to a record, "<app>.<model>:<pk>" (what a communication concerns).
RECORD_REFERENCE = re.compile(r"^([a-z_][a-z0-9_]*\.[a-z0-9_]+):(\S+)$")


def local_date(value: str | None) -> str:
    """An ISO 8601 date or time from data.json as a date in the reader's format (5.12.2026);
    what is not one is shown as it is."""
    if not value:
        return ""
    try:
        parsed = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if parsed.tzinfo is not None:
        parsed = timezone.localtime(parsed)
    return formats.date_format(parsed.date(), "SHORT_DATE_FORMAT")


def registered_model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):  # a model since removed keeps its raw label
        return None


def kind_of(label: str) -> str:
    model = registered_model(label)
    if model is None:
        return label
    entry = registry.entry_for(model)
    name = entry.record_name() if entry is not None else model._meta.verbose_name
    return str(capfirst(name))


def field_label(label: str, name: str) -> str:
    model = registered_model(label)
    entry = registry.entry_for(model) if model is not None else None
    try:
        if entry is not None:
            return str(capfirst(entry.field_label(name)))
        if model is not None:
            return str(capfirst(model._meta.get_field(name).verbose_name))
    except FieldDoesNotExist:
        pass
    return name


def field_of(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # a field since removed keeps its stored value
        return None


def related_model(model: type[models.Model] | None, name: str) -> type[models.Model] | None:
    model_field = field_of(model, name)
    if model_field is None or not model_field.is_relation or model_field.many_to_many:
        return None
    return model_field.related_model


def said(value: Any) -> str:
    """A value as the audit trail stored it (plain JSON), for a sentence."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def change_sentence(
    field_label: str,
    change: Any,
    *,
    actor: str,
    date: str,
    said: Callable[[Any], str] = said,
) -> str:
    """One field's change as a sentence: what, old → new, by whom, when; ``said`` puts a
    stored value in words."""
    values = {"field": field_label, "actor": actor, "date": date}
    if not (isinstance(change, list | tuple) and len(change) == 2):
        return _("%(field)s changed by %(actor)s on %(date)s") % values
    old, new = change
    if old == REDACTED or new == REDACTED:
        # A secret: the trail knows it changed, never what to.
        return _("%(field)s changed by %(actor)s on %(date)s") % values
    if old in (None, ""):
        if new in (None, ""):
            return _("%(field)s changed by %(actor)s on %(date)s") % values
        return _("%(field)s set to %(new)s by %(actor)s on %(date)s") % {
            **values,
            "new": said(new),
        }
    if new in (None, ""):
        return _("%(field)s cleared (was %(old)s) by %(actor)s on %(date)s") % {
            **values,
            "old": said(old),
        }
    return _("%(field)s changed from %(old)s to %(new)s by %(actor)s on %(date)s") % {
        **values,
        "old": said(old),
        "new": said(new),
    }


def keys_of(model: type[models.Model], keys: set[str]) -> list[Any]:
    """Stored keys as the model's primary keys; a key of another type names nothing."""
    found = []
    for key in keys:
        try:
            found.append(model._meta.pk.to_python(key))
        except ValidationError:
            continue
    return found


def _language_name(code: str) -> str | None:
    names = {key: str(name) for key, name in settings.LANGUAGES}
    return names.get(code)


def _purpose_label(key: str) -> str | None:
    # Imported here: the consent purposes register themselves on import of the marketing
    # services, which read the models this module's callers load first.
    from gdpr.marketing.consents import consent_purposes

    labels = {p.key: str(p.label) for p in consent_purposes()}
    return labels.get(key)


# Fields stored as keys without choices on the field: their words come from elsewhere.
_NAMED: dict[tuple[type[models.Model], str], Callable[[str], str | None]] = {
    (Consent, "purpose"): _purpose_label,
    (Consent, "language"): _language_name,
    (DataExport, "language"): _language_name,
}


def named_value(model: type[models.Model] | None, name: str, value: Any) -> str | None:
    """The words for a stored key (a consent purpose, a language code), None if the field
    has none."""
    lookup = _NAMED.get((model, name)) if model is not None else None
    if lookup is None or not isinstance(value, str):
        return None
    return lookup(value)
