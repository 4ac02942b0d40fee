"""Consents to marketing: the purposes a person can consent to, and the record of each
consent given and withdrawn.

Finnish law (Act on Electronic Communications Services 917/2014, §200) lets email and SMS
marketing reach a natural person only with their prior consent, and the controller must be
able to prove it (GDPR Art. 7(1)). So each consent keeps the exact text shown, in the
person's language, and the version of that text; withdrawing keeps the row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gdpr.audit import acting_as
from gdpr.keys import email_key
from gdpr.models import Consent, MarketingChannel, NoticeAcknowledgement, NoticeVersion
from gdpr.notice.services import notice_acknowledge

if TYPE_CHECKING:
    from accounts.models import User


class ConsentError(ValidationError):
    """A consent that cannot be recorded (an unknown purpose or language)."""


@dataclass(frozen=True)
class ConsentPurpose:
    """Something a person can consent to, with the text they are shown.

    ``version`` may be given explicitly; otherwise it is derived from the source text, so
    any change of wording is a new version and old consents keep pointing to theirs.
    """

    key: str
    label: str | Promise
    text: str | Promise
    # The marketing channel this consent opens (gdpr.models.MarketingChannel).
    channel: str
    version: str = ""

    @property
    def source_text(self) -> str:
        with translation.override(None):
            return str(self.text)

    @property
    def text_version(self) -> str:
        if self.version:
            return self.version
        return hashlib.sha256(self.source_text.encode()).hexdigest()[:12]

    def text_in(self, language: str) -> str:
        with translation.override(language):
            return str(self.text)


EMAIL_OFFERS = "email_offers"
SMS_OFFERS = "sms_offers"

_purposes: dict[str, ConsentPurpose] = {}


def register_purpose(purpose: ConsentPurpose) -> ConsentPurpose:
    _purposes[purpose.key] = purpose
    return purpose


def unregister_purpose(key: str) -> None:
    _purposes.pop(key, None)


def consent_purposes() -> list[ConsentPurpose]:
    return list(_purposes.values())


def consent_purpose(key: str) -> ConsentPurpose:
    try:
        return _purposes[key]
    except KeyError:
        raise ConsentError(_("Unknown consent purpose."), code="unknown_purpose") from None


def purposes_for_channel(channel: str) -> list[str]:
    """The purposes whose live consent lets marketing reach a person through ``channel``."""
    return [p.key for p in _purposes.values() if p.channel == channel]


register_purpose(
    ConsentPurpose(
        key=EMAIL_OFFERS,
        label=_("Newsletters and offers by email"),
        text=_(
            "I agree to receive newsletters and offers by email from the organizations I am a"
            " member of and from the service. I can withdraw this consent at any time on the"
            " marketing choices page."
        ),
        channel=MarketingChannel.EMAIL,
    )
)
register_purpose(
    ConsentPurpose(
        key=SMS_OFFERS,
        label=_("Offers by text message (SMS)"),
        text=_(
            "I agree to receive offers by text message (SMS) from the organizations I am a"
            " member of and from the service. I can withdraw this consent at any time on the"
            " marketing choices page."
        ),
        channel=MarketingChannel.SMS,
    )
)


def _lock_person(user: User) -> None:
    # Serialises a person's consent changes, so two clicks cannot both insert a live one.
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))


def _language(language: str) -> str:
    supported = {code for code, _name in settings.LANGUAGES}
    if language not in supported:
        raise ConsentError(_("Unsupported language."), code="unknown_language")
    return language


@transaction.atomic
def consent_give(
    user: User,
    *,
    purpose: str,
    language: str,
    source: str,
    actor: User | None,
    notice_shown: NoticeVersion | None = None,
) -> Consent:
    """Record ``user``'s consent to ``purpose`` with the exact text shown in ``language``.

    Giving the same consent again changes nothing; a consent to an older text is replaced
    (withdrawn, kept as proof) by one to the current text.
    """
    spec = consent_purpose(purpose)
    language = _language(language)
    _lock_person(user)
    live = Consent.objects.filter(user=user, purpose=purpose, withdrawn_at__isnull=True)
    with acting_as(actor):
        for consent in live:
            if consent.text_version == spec.text_version:
                return consent
            consent.withdrawn_at = timezone.now()
            consent.save(update_fields=["withdrawn_at"])
        # The privacy notice is shown beside the consent: record which version it was.
        shown = notice_acknowledge(
            user, context=NoticeAcknowledgement.Context.CONSENT, shown=notice_shown
        )
        consent = Consent.objects.create(
            user=user,
            subject_key=email_key(user.email),
            purpose=purpose,
            text_version=spec.text_version,
            text_shown=spec.text_in(language),
            language=language,
            source=source,
            notice_version=shown.version,
        )
    return consent


@transaction.atomic
def consent_withdraw(user: User, *, purpose: str, actor: User | None) -> Consent | None:
    """Withdraw ``user``'s live consent to ``purpose`` at once; the row stays as proof of
    when it applied. Nothing to withdraw returns ``None``."""
    consent_purpose(purpose)
    _lock_person(user)
    consent = Consent.objects.filter(user=user, purpose=purpose, withdrawn_at__isnull=True).first()
    if consent is None:
        return None
    with acting_as(actor):
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
    return consent


def live_consents(user: User) -> dict[str, Consent]:
    """``user``'s consents in force, by purpose (one query)."""
    return {c.purpose: c for c in Consent.objects.filter(user=user, withdrawn_at__isnull=True)}
