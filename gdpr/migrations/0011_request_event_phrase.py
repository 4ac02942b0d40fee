"""A request's step keeps the service's own text as a phrase key and its values
(``phrase``, ``params``), shown in the reader's language; ``note`` keeps only what a person
wrote.

Steps written before stored the text already translated into the language of whoever
pressed the button ("Tunnistettu: Kirjautunut palveluun (…)" on an English page). The
texts below are every form those steps took in Finnish, Swedish and English, copied here
(not read from the catalogues, which will change): a step whose text is recognised is
turned into its phrase, with what the handler typed left in ``note``; any other text stays
as it was.
"""

import re

from django.db import migrations, models

IDENTITY_METHODS = {
    "signed_in": (
        "Kirjautunut palveluun (istunto ja uudelleentunnistautuminen)",
        "Inloggad i tjänsten (session och förnyad autentisering)",
        "Signed in to the service (session and re-authentication)",
    ),
    "known_email": (
        "Lähetetty rekisterissä olevasta sähköpostiosoitteesta, vahvistettu vastausviestillä",
        "Skickad från den registrerade e-postadressen, bekräftad genom svar",
        "Sent from the email address on file, confirmed by reply",
    ),
    "phone_callback": (
        "Soitettu takaisin rekisterissä olevaan puhelinnumeroon",
        "Återuppringd på det registrerade telefonnumret",
        "Called back at the phone number on file",
    ),
    "signed_letter": (
        "Allekirjoitettu kirje, joka vastaa rekisterissä olevia tietoja",
        "Undertecknat brev som stämmer med de registrerade uppgifterna",
        "Signed letter matching the data on file",
    ),
    "id_document_seen": (
        "Henkilöllisyystodistus esitetty; kopiota ei säilytetty",
        "Identitetshandling uppvisad; ingen kopia sparad",
        "Identity document shown; no copy kept",
    ),
}
# The note the service added when a rectification filed in the browser verified itself;
# the method's label says the same now.
FILED_IN_SERVICE = (
    "Kirjautunut henkilö teki pyynnön palvelussa.",
    "Gjord i tjänsten av den inloggade personen.",
    "Filed in the service by the signed-in person.",
)
CHANNELS = {
    "email": ("Sähköpostiosoite", "E-postadress", "Email"),
    "post": ("Posti", "Post", "Post"),
    "phone": ("Puhelut", "Telefonsamtal", "Phone calls"),
    "sms": ("Tekstiviestit (SMS)", "Textmeddelanden (sms)", "Text messages (SMS)"),
}
# phrase → (action, the texts it was written as)
WHOLE_TEXTS = {
    "export_retried": (
        "export_requested",
        ("Yritetty uudelleen.", "Nytt försök gjort.", "Tried again."),
    ),
    "restriction_lifted": (
        "note",
        (
            "Käsittelyn rajoitus poistettu.",
            "Begränsningen av behandlingen har hävts.",
            "Restriction of processing lifted.",
        ),
    ),
    "recipients_none": (
        "recipients_notified",
        (
            "Kenellekään ei ollut luovutettu näitä tietoja.",
            "Ingen hade tagit emot de här uppgifterna.",
            "Nobody had received this data.",
        ),
    ),
    "marketing_no_account": (
        "marketing_banned",
        (
            "Ei käyttäjätiliä: ilmoitettu osoite jätetään pois sähköpostimarkkinoinnista;"
            " palvelu tavoittaa henkilöt, joilla ei ole käyttäjätiliä, vain sähköpostitse.",
            "Inget användarkonto: den angivna adressen utesluts från marknadsföring per"
            " e-post; tjänsten når personer utan konto endast per e-post.",
            "No account: the address given is left out of email marketing; the service"
            " reaches people without an account by email only.",
        ),
    ),
}
# phrase → (action, patterns with named groups for the params)
PATTERNS = {
    "export_failed": (
        "export_failed",
        (
            r"Tietopakettia ei voitu muodostaa: (?P<error>.*)",
            r"Exporten kunde inte skapas: (?P<error>.*)",
            r"The export could not be built: (?P<error>.*)",
        ),
    ),
    "rectification_target": (
        "note",
        (
            r"Oikaistava tieto: (?P<target>[^;]*); oikea arvo: (?P<value>.*)",
            r"Uppgift som ska rättas: (?P<target>[^;]*); korrekt värde: (?P<value>.*)",
            r"Datum to correct: (?P<target>[^;]*); correct value: (?P<value>.*)",
        ),
    ),
}
EXTENSION_TOLD = {
    "extension_told_by_letter": ("Kirjeellä", "Per brev", "By letter"),
    "extension_told_by_phone": ("Puhelimitse", "Per telefon", "By phone"),
}


def _identity(note: str) -> tuple[str, dict, str] | None:
    for method, labels in IDENTITY_METHODS.items():
        for label in labels:
            if note == label or note.startswith(label + ": "):
                rest = note[len(label) + 2 :].strip()
                if rest in FILED_IN_SERVICE:
                    rest = ""
                return "identity_verified", {"method": method}, rest
    return None


def _channels(note: str) -> tuple[str, dict, str] | None:
    by_label = {label: code for code, labels in CHANNELS.items() for label in labels}
    names = [name.strip() for name in note.split(",")]
    if note and all(name in by_label for name in names):
        return "marketing_banned", {"channels": [by_label[name] for name in names]}, ""
    return None


def _extension(note: str) -> tuple[str, dict, str] | None:
    for phrase, ways in EXTENSION_TOLD.items():
        for way in ways:
            if note == way or note.startswith(way + ": "):
                return phrase, {}, note[len(way) + 2 :].strip()
    return None


def recognise(action: str, note: str) -> tuple[str, dict, str] | None:
    """(phrase, params, what remains of the note) for a text the service wrote, else None."""
    if action == "identity_verified":
        return _identity(note)
    if action == "extension_notified":
        return _extension(note)
    if action == "marketing_banned":
        found = _channels(note)
        if found:
            return found
    for phrase, (phrase_action, texts) in WHOLE_TEXTS.items():
        if action == phrase_action and note in texts:
            return phrase, {}, ""
    for phrase, (phrase_action, patterns) in PATTERNS.items():
        if action != phrase_action:
            continue
        for pattern in patterns:
            match = re.fullmatch(pattern, note, flags=re.DOTALL)
            if match:
                return phrase, match.groupdict(), ""
    return None


def texts_to_phrases(apps, schema_editor):
    RequestEvent = apps.get_model("gdpr", "RequestEvent")
    steps = RequestEvent.objects.filter(phrase="").exclude(note="").only("pk", "action", "note")
    for step in steps.iterator(chunk_size=500):
        found = recognise(step.action, step.note)
        if found is None:
            continue
        phrase, params, note = found
        RequestEvent.objects.filter(pk=step.pk).update(phrase=phrase, params=params, note=note)


def phrases_to_texts(apps, schema_editor):
    """Back to one text, in English (the language of the keys)."""
    RequestEvent = apps.get_model("gdpr", "RequestEvent")
    english = {
        "identity_verified": lambda p: dict(
            (code, labels[2]) for code, labels in IDENTITY_METHODS.items()
        ).get(p.get("method"), ""),
        "marketing_banned": lambda p: ", ".join(
            CHANNELS.get(code, (code,) * 3)[2] for code in p.get("channels", [])
        ),
        "export_failed": lambda p: f"The export could not be built: {p.get('error', '')}",
        "rectification_target": lambda p: (
            f"Datum to correct: {p.get('target', '')}; correct value: {p.get('value', '')}"
        ),
        **{phrase: (lambda p, t=texts[-1]: t) for phrase, (_a, texts) in WHOLE_TEXTS.items()},
        **{phrase: (lambda p, t=ways[-1]: t) for phrase, ways in EXTENSION_TOLD.items()},
    }
    for step in RequestEvent.objects.exclude(phrase="").iterator(chunk_size=500):
        said = english.get(step.phrase, lambda p: step.phrase)(step.params or {})
        note = f"{said}: {step.note}" if step.note else said
        RequestEvent.objects.filter(pk=step.pk).update(note=note, phrase="", params={})


class Migration(migrations.Migration):
    dependencies = [("gdpr", "0010_claim_hold")]

    operations = [
        migrations.AddField(
            model_name="requestevent",
            name="phrase",
            field=models.CharField(blank=True, max_length=40, verbose_name="phrase"),
        ),
        migrations.AddField(
            model_name="requestevent",
            name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="values of the phrase"),
        ),
        migrations.RunPython(texts_to_phrases, phrases_to_texts),
    ]
