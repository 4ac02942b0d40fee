"""The first superuser of the controller's desk, with two-factor authentication enrolled.

The account is created with a verified address, an authenticator app is enrolled, and only
then are staff and superuser rights granted: the admin opens only to factors older than
the grant. The authenticator's secret and recovery codes are printed once.
"""

from __future__ import annotations

import getpass
import os

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import User
from accounts.services import TotpEnrollment, user_grant_staff, user_totp_enroll

PASSWORD_VARIABLE = "DJANGO_SUPERUSER_PASSWORD"  # noqa: S105  (the name, as Django uses it)


class Command(BaseCommand):
    help = (
        "Create a superuser with a verified email address and an authenticator app"
        " (TOTP) enrolled; prints the secret to add to the app."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help=f"Read the password from {PASSWORD_VARIABLE} instead of asking for it.",
        )

    def handle(self, *args, **options) -> None:
        email = User.objects.normalize_email(options["email"]).lower()
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"{email!r} is not an email address.") from error
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(
                f"{email} already has an account. Staff rights for an existing account are"
                " granted in the admin by another superuser, once the person has enabled"
                " two-factor authentication."
            )
        user = User(email=email, first_name=options["first_name"], last_name=options["last_name"])
        password = self._password(user, interactive=options["interactive"])
        with transaction.atomic():
            user.set_password(password)
            user.save()
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            enrollment = user_totp_enroll(user=user)
            user_grant_staff(user=user, actor=None, superuser=True)
        self.stdout.write(self.style.SUCCESS(f"Superuser {email} created."))
        write_enrollment(self.stdout, enrollment)

    def _password(self, user: User, *, interactive: bool) -> str:
        if not interactive:
            password = os.environ.get(PASSWORD_VARIABLE, "")
            if not password:
                raise CommandError(f"Set {PASSWORD_VARIABLE} or run without --noinput.")
            self._validate(password, user)
            return password
        while True:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                self.stderr.write("The passwords do not match.")
                continue
            try:
                self._validate(password, user)
            except CommandError as error:
                self.stderr.write(str(error))
                continue
            return password

    @staticmethod
    def _validate(password: str, user: User) -> None:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error


def write_enrollment(
    out,
    enrollment: TotpEnrollment,
    *,
    heading: str = "Add this account to your authenticator app (shown only now):",
    recovery_codes: bool = True,
) -> None:
    """Print what the person adds to their authenticator app."""
    out.write(heading)
    out.write(f"  {enrollment.uri}")
    out.write(f"  or enter the secret key by hand: {enrollment.secret}")
    if recovery_codes:
        out.write("Recovery codes, each usable once if the app is lost:")
        out.write("  " + " ".join(enrollment.recovery_codes))
    out.write("Sign in at /accounts/login/ with the password and the app's code; then /admin/.")
