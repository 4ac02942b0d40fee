"""Demo data for the controller's desk: the controller's details, a few privacy requests in
different states, a marketing ban, a consent and a disclosure.

Run after ``seed_demo`` and ``seed_demo_organizations``. Safe to run again: a demo member
with requests already is left as it is.
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.management.commands.seed_demo import STAFF
from accounts.models import User
from accounts.sources import DataSource
from gdpr.disclosures.services import disclosure_record
from gdpr.marketing.consents import consent_give
from gdpr.marketing.services import marketing_ban
from gdpr.models import (
    ControllerDetails,
    DataSubjectRequest,
    IdentityMethod,
    MarketingChannel,
    RequestChannel,
    RequestKind,
    RestrictionGround,
)
from gdpr.requests import services

CONTROLLER = {
    "name": "Ilmailurekisteri Oy",
    # Its own: no demo organization shares it.
    "business_id": "1414213-0",
    "street_address": "Lentäjäntie 3",
    "postal_code": "01530",
    "city": "Vantaa",
    "phone": "+358 9 123 4567",
    "email": "asiakaspalvelu@ilmailurekisteri.example.fi",
    "privacy_contact_name": "Tietosuojavastaava",
    "privacy_contact_email": "tietosuoja@ilmailurekisteri.example.fi",
}


class Command(BaseCommand):
    help = "Create demo privacy requests, a ban, a consent and a disclosure."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        if not ControllerDetails.objects.exists():
            ControllerDetails.objects.create(**CONTROLLER)
        try:
            controller = User.objects.get(email=STAFF[0])
            mikko = User.objects.get(email="mikko.korhonen@example.fi")
            elina = User.objects.get(email="elina.nieminen@example.fi")
            sanna = User.objects.get(email="sanna.makinen@example.fi")
        except User.DoesNotExist as error:
            raise CommandError("Run seed_demo first.") from error
        if DataSubjectRequest.objects.filter(subject=mikko).exists():
            self.stdout.write("Demo privacy data exists already.")
            return

        now = timezone.now()
        # A letter opened late: received five weeks ago, so overdue on the desk.
        letter = services.request_enter(
            kind=RequestKind.ACCESS,
            channel=RequestChannel.LETTER,
            received_at=now - datetime.timedelta(days=35),
            subject=mikko,
            actor=controller,
            details="Pyydän kopion kaikista minusta tallennetuista tiedoista.",
            acknowledge=False,
        )
        services.request_verify_identity(
            letter,
            method=IdentityMethod.SIGNED_LETTER,
            note="Allekirjoitus ja osoite vastaavat rekisteriä.",
            actor=controller,
        )
        # Filed in the service a few days ago, waiting for the identity check.
        services.request_file(
            subject=elina,
            kind=RequestKind.RESTRICTION,
            actor=elina,
            details="Jäsennumeroni on väärin; rajoittakaa käsittelyä kunnes se on korjattu.",
            received_at=now - datetime.timedelta(days=25),
            # Contested accuracy: restricted from receipt, until the answer (Art. 18(1)(a)).
            restriction_ground=RestrictionGround.ACCURACY,
        )
        services.request_file(
            subject=sanna,
            kind=RequestKind.PORTABILITY,
            actor=sanna,
            received_at=now - datetime.timedelta(days=2),
        )
        marketing_ban(
            sanna,
            channels=[MarketingChannel.PHONE, MarketingChannel.SMS],
            source=DataSource.SUBJECT,
            actor=sanna,
        )
        consent_give(
            elina, purpose="email_offers", language="fi", source=DataSource.SUBJECT, actor=elina
        )
        disclosure_record(
            kind="partner",
            recipient_name="Suomen Ilmailuliitto ry",
            recipient_email="jasenrekisteri@ilmailuliitto.example.fi",
            purpose="Jäsenetujen toimittaminen kerhon jäsenille",
            # The members have given no consent to it: the club's members are the
            # federation's members, under the terms of membership.
            legal_basis="Jäsenyyden ehdot: kerhon jäsenet ovat liiton jäseniä (sopimus)",
            categories=["identity", "contact_details"],
            starts_on=timezone.localdate() - datetime.timedelta(days=30),
            ends_on=timezone.localdate() + datetime.timedelta(days=335),
            subjects=[mikko, elina],
            actor=controller,
        )
        self.stdout.write(self.style.SUCCESS("Demo privacy requests, ban, consent, disclosure."))
