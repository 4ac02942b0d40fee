"""gdpr 0011: request steps written as translated text become phrases with values, so they
are read in the reader's language; texts a person wrote stay as they were (both ways)."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from gdpr.models import RequestEvent

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("gdpr", "0008_request_holder")]
AFTER = [("gdpr", "0011_request_event_phrase")]

migration = importlib.import_module("gdpr.migrations.0011_request_event_phrase")


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


OLD_STEPS = [
    # (action, note as stored before) → (phrase, params, note after)
    (
        "identity_verified",
        "Kirjautunut palveluun (istunto ja uudelleentunnistautuminen): "
        "Kirjautunut henkilö teki pyynnön palvelussa.",
        ("identity_verified", {"method": "signed_in"}, ""),
    ),
    (
        "identity_verified",
        "Undertecknat brev som stämmer med de registrerade uppgifterna: Namnteckning ok.",
        ("identity_verified", {"method": "signed_letter"}, "Namnteckning ok."),
    ),
    (
        "identity_verified",
        "Called back at the phone number on file",
        ("identity_verified", {"method": "phone_callback"}, ""),
    ),
    (
        "marketing_banned",
        "Sähköpostiosoite, Tekstiviestit (SMS)",
        ("marketing_banned", {"channels": ["email", "sms"]}, ""),
    ),
    ("export_requested", "Yritetty uudelleen.", ("export_retried", {}, "")),
    (
        "export_failed",
        "Tietopakettia ei voitu muodostaa: OSError: disk full",
        ("export_failed", {"error": "OSError: disk full"}, ""),
    ),
    ("note", "Käsittelyn rajoitus poistettu.", ("restriction_lifted", {}, "")),
    (
        "recipients_notified",
        "Ingen hade tagit emot de här uppgifterna.",
        ("recipients_none", {}, ""),
    ),
    (
        "note",
        "Oikaistava tieto: accounts.user.city; oikea arvo: Tampere",
        ("rectification_target", {"target": "accounts.user.city", "value": "Tampere"}, ""),
    ),
    (
        "extension_notified",
        "Kirjeellä: Kirje postitettu 3.12.",
        ("extension_told_by_letter", {}, "Kirje postitettu 3.12."),
    ),
    # What a handler wrote is no phrase: untouched.
    ("note", "Soitin takaisin, jäsen vahvisti.", ("", {}, "Soitin takaisin, jäsen vahvisti.")),
    ("refused", "Laskun perintä kesken.", ("", {}, "Laskun perintä kesken.")),
    ("recipients_notified", "Ilmailuliitto ry", ("", {}, "Ilmailuliitto ry")),
]


@pytest.mark.parametrize(("action", "note", "expected"), OLD_STEPS)
def test_it_recognises_the_texts_the_service_wrote(action, note, expected):
    found = migration.recognise(action, note)
    if expected[0]:
        assert found == expected
    else:
        assert found is None


def test_old_steps_become_phrases_shown_in_the_readers_language():
    old = migrate(BEFORE)
    try:
        Request = old.get_model("gdpr", "DataSubjectRequest")
        Event = old.get_model("gdpr", "RequestEvent")
        request = Request.objects.create(kind="access", subject_name="Eero", due_on="2026-07-01")
        ids = [
            Event.objects.create(request=request, action=action, note=note).pk
            for action, note, _expected in OLD_STEPS
        ]

        new = migrate(AFTER)
        Moved = new.get_model("gdpr", "RequestEvent")
        for pk, (_action, _note, expected) in zip(ids, OLD_STEPS, strict=True):
            step = Moved.objects.get(pk=pk)
            assert (step.phrase, step.params, step.note) == expected

        migrate(latest())
        verified = RequestEvent.objects.get(pk=ids[1])
        with translation.override("en"):
            assert verified.text == ("Signed letter matching the data on file: Namnteckning ok.")
        with translation.override("en"):
            assert RequestEvent.objects.get(pk=ids[3]).text == "Email, Text messages (SMS)"

        back = migrate(BEFORE)
        Back = back.get_model("gdpr", "RequestEvent")
        assert Back.objects.get(pk=ids[1]).note == (
            "Signed letter matching the data on file: Namnteckning ok."
        )
        assert Back.objects.get(pk=ids[10]).note == "Soitin takaisin, jäsen vahvisti."
    finally:
        migrate(latest())
