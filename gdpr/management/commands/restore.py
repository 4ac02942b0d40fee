"""``manage.py restore <backup>``: a backup from private storage into the EMPTY database
``DATABASE_URL`` names, then every erasure done after the backup replayed from the
erasure ledger (``gdpr.ledger``), so no erased person comes back."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gdpr.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup into an empty database and replay the later erasures."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="The backup, e.g. registry-20261206T030000Z.dump.age")
        parser.add_argument(
            "--identity",
            help="The age secret key file (default: BACKUP_AGE_IDENTITY).",
        )

    def handle(self, *args, **options) -> None:
        try:
            replayed = backup_restore(options["name"], identity=options["identity"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("Backup %(name)s restored.") % {"name": options["name"]})
        self.stdout.write(
            _("Erasure ledger entries replayed: %(count)d") % {"count": len(replayed)}
        )
        for entry in replayed:
            counts = ", ".join(f"{label} {n}" for label, n in sorted(entry.counts.items()))
            self.stdout.write(f"  {entry.recorded_at} {entry.kind} {entry.entry_id}: {counts}")
            for note in entry.notes:
                self.stdout.write(f"    {note}")
