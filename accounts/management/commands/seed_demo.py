"""Demo members with realistic Finnish details. Safe to run again: nothing is duplicated."""

from __future__ import annotations

import datetime

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from accounts.selectors import staff_may_use_admin
from accounts.services import TotpEnrollment, user_grant_staff, user_totp_enroll

from .create_controller import write_enrollment

DEMO_PASSWORD = "lentokone-2026"  # noqa: S105  (printed for the quick start on purpose)

MEMBERS = [
    # email, first, last, street, postal code, city, phone, birth date, language
    (
        "aino.virtanen@example.fi",
        "Aino",
        "Virtanen",
        "Mannerheimintie 12 B 7",
        "00100",
        "Helsinki",
        "+358401234567",
        datetime.date(1987, 3, 14),
        "fi",
    ),
    (
        "mikko.korhonen@example.fi",
        "Mikko",
        "Korhonen",
        "Hämeenkatu 5 A 3",
        "33100",
        "Tampere",
        "+358501112233",
        datetime.date(1975, 11, 2),
        "fi",
    ),
    (
        "elina.nieminen@example.fi",
        "Elina",
        "Nieminen",
        "Kauppakatu 21",
        "40100",
        "Jyväskylä",
        "+358443219876",
        datetime.date(1999, 6, 30),
        "en",
    ),
    (
        "johan.lindqvist@example.fi",
        "Johan",
        "Lindqvist",
        "Strandgatan 4",
        "65100",
        "Vasa",
        "+358405556677",
        datetime.date(1968, 1, 21),
        "sv",
    ),
    (
        "sanna.makinen@example.fi",
        "Sanna",
        "Mäkinen",
        "Aleksanterinkatu 9 C 15",
        "15110",
        "Lahti",
        "+358407778899",
        datetime.date(2004, 9, 8),
        "fi",
    ),
]
STAFF = ("rekisterinpitaja@example.fi", "Laura", "Heikkinen")


class Command(BaseCommand):
    help = "Create demo members (and a controller account) for trying the registry."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        created = 0
        for email, first, last, street, postal, city, phone, born, language in MEMBERS:
            user, was_created = User.objects.get_or_create(
                email=email,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "street_address": street,
                    "postal_code": postal,
                    "city": city,
                    "country": "FI",
                    "phone": phone,
                    "date_of_birth": born,
                    "preferred_language": language,
                },
            )
            if was_created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                created += 1
            self._verify(user)

        staff, was_created = User.objects.get_or_create(
            email=STAFF[0], defaults={"first_name": STAFF[1], "last_name": STAFF[2]}
        )
        if was_created:
            staff.set_password(DEMO_PASSWORD)
            staff.save(update_fields=["password"])
            created += 1
        self._verify(staff)
        # The controller is made the only way the admin accepts: an authenticator app
        # first, then the staff rights.
        totp = Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).first()
        if totp is None:
            enrollment = user_totp_enroll(user=staff)
        else:
            secret = decrypt(totp.data["secret"])
            enrollment = TotpEnrollment(
                secret=secret,
                uri=get_mfa_adapter().build_totp_url(staff, secret),
                recovery_codes=[],
            )
        if not staff_may_use_admin(user=staff) or not staff.is_superuser:
            user_grant_staff(user=staff, actor=None, superuser=True)

        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new accounts)."))
        self.stdout.write("Open http://127.0.0.1:8000 and sign in with any of:")
        for row in MEMBERS:
            self.stdout.write(f"  member      {row[0]}")
        self.stdout.write(f"  controller  {STAFF[0]}  (the admin at /admin/)")
        self.stdout.write(f"Password for all demo accounts: {DEMO_PASSWORD}")
        self.stdout.write("The controller also needs a code from an authenticator app at sign-in.")
        write_enrollment(self.stdout, enrollment, recovery_codes=False)

    @staticmethod
    def _verify(user: User) -> None:
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
