"""A step's text is made when it is shown: in the reader's language, and readable even
after the erasure of its person blanked the values it was written with."""

from __future__ import annotations

from django.utils import translation

from gdpr.models import request_phrases as phrases


def test_a_step_shows_its_values_in_the_readers_language():
    with translation.override("en"):
        english = phrases.phrase_text(phrases.IDENTITY_VERIFIED, {"method": "signed_in"})
    with translation.override("fi"):
        finnish = phrases.phrase_text(phrases.IDENTITY_VERIFIED, {"method": "signed_in"})
    assert english == "Signed in to the service (session and re-authentication)"
    assert finnish.startswith("Kirjautunut palveluun")


def test_a_step_whose_values_were_erased_says_so_instead_of_showing_a_placeholder():
    with translation.override("en"):
        assert phrases.phrase_text(phrases.IDENTITY_VERIFIED, {}) == "[erased]"
        lifted = phrases.phrase_text(phrases.RECIPIENTS_TOLD_LIFTED, {})
    assert lifted == "Told that the restriction was lifted: [erased]"


def test_a_step_without_values_reads_as_written():
    with translation.override("en"):
        assert phrases.phrase_text(phrases.EXPORT_RETRIED, {}) == "Tried again."
