"""Demo organizations for the quick start: a flying club and a flight school with members.

Run after ``seed_demo`` (it uses the demo members). Safe to run again: nothing is duplicated.
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from schwifty import IBAN

from accounts.models import User
from organizations import services
from organizations.models import ContactPerson, Membership, Organization

# The controller's staff account that seed_demo creates.
CONTROLLER_EMAIL = "rekisterinpitaja@example.fi"

CLUBS = [
    {
        "data": {
            "name": "Malmin Ilmailukerho ry",
            "kind": Organization.Kind.FLYING_CLUB,
            "business_id": "2468823-3",
            "association_register_number": "123.456",
            "email": "hallitus@malminilmailukerho.example.fi",
            "phone": "+358451254423",
            "street_address": "Malmin lentoasema",
            "postal_code": "00700",
            "city": "Helsinki",
        },
        "admin": "aino.virtanen@example.fi",
        "members": [
            ("mikko.korhonen@example.fi", "102"),
            ("elina.nieminen@example.fi", "103"),
            ("sanna.makinen@example.fi", "104"),
        ],
        "iban": "FI2112345600000785",
        "contact": ("Aino Virtanen", "Puheenjohtaja", "aino.virtanen@example.fi"),
        "evidence": "Yhdistysrekisteriote 2.1.2026, hallituksen jäsenet tarkistettu (esimerkki).",
    },
    {
        "data": {
            "name": "Pohjanmaan Lentokoulu Oy",
            "kind": Organization.Kind.FLIGHT_SCHOOL,
            "business_id": "1732050-2",
            "email": "info@lentokoulu.example.fi",
            "postal_code": "65380",
            "city": "Vaasa",
        },
        "admin": "johan.lindqvist@example.fi",
        "members": [("elina.nieminen@example.fi", "S-17")],
        "iban": "FI4950009420028730",
        "contact": ("Johan Lindqvist", "Koulutuspäällikkö", "johan.lindqvist@example.fi"),
        "evidence": "Kaupparekisteriote 2.1.2026, nimenkirjoittajat tarkistettu (esimerkki).",
    },
]


class Command(BaseCommand):
    help = "Create demo organizations with members, bank accounts and contact persons."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        users = {u.email: u for u in User.objects.filter(email__endswith="@example.fi")}
        if not users:
            raise CommandError("Run seed_demo first: the demo organizations use its members.")
        for club in CLUBS:
            organization = Organization.objects.filter(name=club["data"]["name"]).first()
            if organization is None:
                admin = users[club["admin"]]
                organization = services.organization_create(
                    data=club["data"], first_admin=admin, actor=admin
                )
                admin.memberships.filter(organization=organization).update(member_number="101")
                services.memberships_sync_user(user=admin)
            for email, number in club["members"]:
                self._add_member(organization, users[email], number)
            if not organization.bank_accounts.exists():
                iban = IBAN(club["iban"])
                services.bank_account_save(
                    organization=organization,
                    account=None,
                    data={"iban": iban.compact, "bic": str(iban.bic), "bank_name": iban.bank_name},
                )
            if not organization.is_verified:
                # The controller has checked the demo organizations, so they look as real
                # ones do once verified.
                services.organization_verify(
                    organization=organization,
                    evidence=club["evidence"],
                    actor=users.get(CONTROLLER_EMAIL),
                )
            name, role, email = club["contact"]
            ContactPerson.objects.get_or_create(
                organization=organization,
                name=name,
                defaults={"role": role, "email": email, "user": users.get(email)},
            )
            self.stdout.write(f"  {organization.name}: admin {club['admin']}")
        self.stdout.write(self.style.SUCCESS("Demo organizations ready."))

    @staticmethod
    def _add_member(organization: Organization, user: User, number: str) -> None:
        if Membership.objects.filter(organization=organization, user=user).exists():
            return
        services.membership_add(
            organization=organization,
            user=user,
            member_number=number,
            joined_on=datetime.date(2023, 4, 1),
        )
