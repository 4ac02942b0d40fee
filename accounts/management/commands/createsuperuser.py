"""Django's ``createsuperuser``, refused: it would make an admin with a password alone."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Refused: use create_controller, which enrolls two-factor authentication too."

    def add_arguments(self, parser) -> None:
        # Django's own options, accepted so that scripts get the pointer, not a usage error.
        parser.add_argument("--email")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")
        parser.add_argument("--database")

    def handle(self, *args, **options) -> None:
        raise CommandError(
            "createsuperuser would make an administrator who signs in with a password"
            " alone. Use `manage.py create_controller --email ...`: it creates the account"
            " with two-factor authentication enrolled, then grants the staff rights."
        )
