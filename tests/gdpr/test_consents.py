"""Consents: the exact text shown, its version, the time, the source, and withdrawal."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from gdpr.keys import email_key
from gdpr.marketing import consents
from gdpr.models import Consent, MarketingChannel, NoticeAcknowledgement, NoticeVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def test_purpose():
    purpose = consents.register_purpose(
        consents.ConsentPurpose(
            key="test_offers",
            label="Test offers",
            text=gettext_lazy("I agree to test offers."),
            channel=MarketingChannel.EMAIL,
        )
    )
    yield purpose
    consents.unregister_purpose("test_offers")


def give(user, purpose=consents.EMAIL_OFFERS, language="fi", source="subject"):
    return consents.consent_give(
        user, purpose=purpose, language=language, source=source, actor=user
    )


def test_it_records_the_text_shown_in_the_persons_language(member):
    before = timezone.now()
    consent = give(member, language="en")
    spec = consents.consent_purpose(consents.EMAIL_OFFERS)
    assert consent.text_shown == spec.text_in("en")
    assert consent.text_shown.startswith("I agree to receive newsletters and offers by email")
    assert consent.language == "en"
    assert consent.text_version == spec.text_version
    assert consent.source == "subject"
    assert consent.subject_key == email_key(member.email)
    assert before <= consent.given_at <= timezone.now()
    assert consent.withdrawn_at is None


def test_the_version_is_derived_from_the_text(test_purpose):
    assert len(test_purpose.text_version) == 12
    changed = consents.ConsentPurpose(
        key="test_offers", label="x", text="I agree to other offers.", channel="email"
    )
    assert changed.text_version != test_purpose.text_version
    explicit = consents.ConsentPurpose(
        key="test_offers", label="x", text="Same", channel="email", version="2026-1"
    )
    assert explicit.text_version == "2026-1"


def test_the_version_does_not_depend_on_the_language_shown(test_purpose):
    from django.utils import translation

    with translation.override("fi"):
        in_finnish = test_purpose.text_version
    with translation.override("sv"):
        assert test_purpose.text_version == in_finnish


def test_giving_the_same_consent_twice_keeps_one(member):
    first = give(member)
    assert give(member).pk == first.pk
    assert Consent.objects.filter(user=member).count() == 1


def test_a_consent_to_an_older_text_is_replaced_and_kept_as_proof(member, test_purpose):
    old = give(member, purpose="test_offers")
    Consent.objects.filter(pk=old.pk).update(text_version="older", text_shown="Old wording")
    new = give(member, purpose="test_offers")
    old.refresh_from_db()
    assert new.pk != old.pk
    assert old.withdrawn_at is not None
    assert old.text_shown == "Old wording"
    assert new.text_version == test_purpose.text_version


def test_withdrawing_keeps_the_row_with_the_time(member):
    consent = give(member)
    withdrawn = consents.consent_withdraw(member, purpose=consents.EMAIL_OFFERS, actor=member)
    assert withdrawn.pk == consent.pk
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert consents.live_consents(member) == {}
    assert consents.consent_withdraw(member, purpose=consents.EMAIL_OFFERS, actor=member) is None


def test_consenting_again_after_withdrawing_is_a_new_record(member):
    give(member)
    consents.consent_withdraw(member, purpose=consents.EMAIL_OFFERS, actor=member)
    give(member)
    rows = Consent.objects.filter(user=member).order_by("given_at")
    assert [r.withdrawn_at is None for r in rows] == [False, True]


def test_the_privacy_notice_shown_with_the_consent_is_recorded(member):
    consent = give(member)
    shown = NoticeAcknowledgement.objects.get(
        user=member, context=NoticeAcknowledgement.Context.CONSENT
    )
    # The consent itself points at the version, so the proof keeps it after an erasure.
    assert consent.notice_version == shown.version == NoticeVersion.objects.latest("number")


@pytest.mark.parametrize(
    ("purpose", "language"), [("nonsense", "fi"), (consents.EMAIL_OFFERS, "de")]
)
def test_an_unknown_purpose_or_language_is_refused(member, purpose, language):
    with pytest.raises(consents.ConsentError):
        give(member, purpose=purpose, language=language)
    assert not Consent.objects.exists()


def test_every_consent_channel_has_a_purpose():
    from gdpr.marketing.services import CONSENT_CHANNELS

    for channel in CONSENT_CHANNELS:
        assert consents.purposes_for_channel(channel)
