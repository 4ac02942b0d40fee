"""The texts the service itself writes into a request's steps, kept as a key and values.

A step is read by the person (their request page, their export), by the controller's staff
and, for a rectification, by an organization's admins — each in their own language, years
after the step was written. So a step stores ``phrase`` (a key of ``PHRASES``) and
``params`` (plain values: choice codes, numbers, free text the handler typed), and the
sentence is made when it is shown, in the reader's language. ``RequestEvent.note`` keeps
only what a person wrote, which is shown as written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from gdpr.models.marketing import MarketingChannel
from gdpr.models.requests import IdentityMethod

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from gdpr.models.requests import RequestEvent


def _label_of(choices: type) -> Callable[[Any], str]:
    """A stored choice code shown by its label in the active language (the code itself
    when it is no longer a choice)."""

    def label(value: Any) -> str:
        try:
            return str(choices(value).label)
        except ValueError:
            return str(value)

    return label


def _labels_of(choices: type) -> Callable[[Any], str]:
    one = _label_of(choices)

    def labels(values: Any) -> str:
        return ", ".join(one(value) for value in values or [])

    return labels


# Keys that another part of gdpr puts in words (a rectification target's key → "Member
# number — Membership"); filled at start-up (gdpr.apps), read when a step is shown.
_describers: dict[str, Callable[[Any], str]] = {}

RECTIFICATION_TARGET_KEY = "rectification_target"


def register_describer(kind: str, describe: Callable[[Any], str]) -> None:
    """Let steps show a stored key of ``kind`` in words, in the reader's language."""
    _describers[kind] = describe


class _Erased(dict):
    """The values a step was written with; one the erasure of its person blanked (the
    erasure blanks a step's values with its note) reads as erased, not as a placeholder."""

    def __missing__(self, key: str) -> str:
        return str(_("[erased]"))


@dataclass(frozen=True)
class Phrase:
    text: Promise
    # Params shown through a function (a choice code by its label) instead of as stored.
    shown: Mapping[str, Callable[[Any], str]] = field(default_factory=dict)
    # Params shown by a registered describer (param → kind of key).
    described: Mapping[str, str] = field(default_factory=dict)

    def _show(self, name: str, value: Any) -> Any:
        if name in self.shown:
            return self.shown[name](value)
        describe = _describers.get(self.described.get(name, ""))
        return describe(value) if describe is not None else value

    def render(self, params: Mapping[str, Any]) -> str:
        values = _Erased({name: self._show(name, value) for name, value in params.items()})
        text = str(self.text)
        if "%(" not in text:
            return text
        try:
            return text % values
        except (KeyError, TypeError, ValueError):
            # A step written with other params than the phrase now names: show the phrase
            # as it is rather than fail the whole page.
            return text


IDENTITY_VERIFIED = "identity_verified"
EXPORT_RETRIED = "export_retried"
EXPORT_FAILED = "export_failed"
MARKETING_BANNED = "marketing_banned"
MARKETING_NO_ACCOUNT = "marketing_no_account"
RESTRICTION_LIFTED = "restriction_lifted"
RECIPIENTS_NONE = "recipients_none"
RECIPIENTS_TOLD_LIFTED = "recipients_told_lifted"
RECORDS_ATTACHED = "records_attached"
RECORD_DETACHED = "record_detached"
RECTIFICATION_TARGET = "rectification_target"
RECTIFIED = "rectified"
EXTENSION_TOLD_BY_LETTER = "extension_told_by_letter"
EXTENSION_TOLD_BY_PHONE = "extension_told_by_phone"


def _record_kinds(counts: Any) -> str:
    """{"app.model": count} as "kind of record: count", the kinds in the reader's language
    (a label no longer registered as it is)."""
    # Imported here: the declarations import gdpr's models, which import this module.
    from gdpr.declarations import registered_models

    names = {entry.label.lower(): entry.record_name(plural=True) for entry in registered_models()}
    return ", ".join(
        f"{names.get(label.lower(), label)}: {count}"
        for label, count in sorted((counts or {}).items())
    )


PHRASES: dict[str, Phrase] = {
    IDENTITY_VERIFIED: Phrase(_("%(method)s"), shown={"method": _label_of(IdentityMethod)}),
    EXPORT_RETRIED: Phrase(_("Tried again.")),
    EXPORT_FAILED: Phrase(_("The export could not be built: %(error)s")),
    MARKETING_BANNED: Phrase(_("%(channels)s"), shown={"channels": _labels_of(MarketingChannel)}),
    MARKETING_NO_ACCOUNT: Phrase(
        _(
            "No account: the address given is left out of email marketing; the service "
            "reaches people without an account by email only."
        )
    ),
    RESTRICTION_LIFTED: Phrase(_("Restriction of processing lifted.")),
    RECIPIENTS_NONE: Phrase(_("Nobody had received this data.")),
    RECIPIENTS_TOLD_LIFTED: Phrase(_("Told that the restriction was lifted: %(names)s")),
    RECORDS_ATTACHED: Phrase(
        _("Records found under the person's details attached: %(kinds)s"),
        shown={"kinds": _record_kinds},
    ),
    RECORD_DETACHED: Phrase(_("A record was detached: %(kinds)s"), shown={"kinds": _record_kinds}),
    RECTIFICATION_TARGET: Phrase(
        _("Datum to correct: %(target)s; correct value: %(value)s"),
        described={"target": RECTIFICATION_TARGET_KEY},
    ),
    RECTIFIED: Phrase(
        _("%(target)s (%(record)s): %(old)s → %(new)s"),
        described={"target": RECTIFICATION_TARGET_KEY},
    ),
    EXTENSION_TOLD_BY_LETTER: Phrase(_("By letter")),
    EXTENSION_TOLD_BY_PHONE: Phrase(_("By phone")),
}


def phrase_text(phrase: str, params: Mapping[str, Any] | None) -> str:
    """The phrase in the active language; "" for no phrase, the key for an unknown one."""
    if not phrase:
        return ""
    known = PHRASES.get(phrase)
    if known is None:
        return phrase
    return known.render(params or {})


def event_text(event: RequestEvent) -> str:
    """What a step says, in the active language: the service's phrase, then what a person
    wrote (``note``) as they wrote it."""
    said = phrase_text(event.phrase, event.params)
    if said and event.note:
        return f"{said}: {event.note}"
    return said or event.note
