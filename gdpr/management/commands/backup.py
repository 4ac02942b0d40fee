"""``manage.py backup``: an encrypted PostgreSQL dump into private storage (``backups/``),
then the backups past ``BACKUP_RETENTION_DAYS`` deleted. ``--list`` shows what is kept.

Run it from cron or a systemd timer (README, Production → Backups)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gdpr.backups import BackupError, backup_create, backups_list, backups_prune


class Command(BaseCommand):
    help = "Write an encrypted backup of the database to private storage."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--list", action="store_true", help="List the backups kept.")
        parser.add_argument(
            "--no-prune",
            action="store_true",
            help="Do not delete the backups past BACKUP_RETENTION_DAYS.",
        )

    def handle(self, *args, **options) -> None:
        if options["list"]:
            for backup in backups_list():
                self.stdout.write(f"{backup.name}\t{backup.taken_at.isoformat()}")
            return
        try:
            backup = backup_create()
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("Backup written: %(name)s") % {"name": backup.name})
        if not options["no_prune"]:
            deleted = backups_prune(timezone.now())["backups"]
            if deleted:
                self.stdout.write(
                    ngettext(
                        "Deleted %(count)d backup past its retention period.",
                        "Deleted %(count)d backups past their retention period.",
                        deleted,
                    )
                    % {"count": deleted}
                )
