"""Encrypted database backups that never bring an erased person back.

``backup_create`` streams ``pg_dump -Fc`` through age encryption (pyrage) into a temporary
file and from there into private storage (``backups/``): the dump is never held in memory
and never lies on disk unencrypted. Only the public keys (``BACKUP_AGE_RECIPIENTS``) are
needed to make one; the secret key (``BACKUP_AGE_IDENTITY``) only where restoring.

``backup_restore`` reads the erasure ledger's copies in private storage first, then
decrypts the dump straight into ``pg_restore`` on an empty database, migrates it to this
release's schema, and replays every
erasure the restored database does not know of (``gdpr.ledger``,
``gdpr.erasure.replay``). Backups older than ``BACKUP_RETENTION_DAYS`` are deleted
(``backups_prune``, after each backup and as the retention job ``gdpr.expired_backups``).
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyrage
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from gdpr.erasure.replay import Replayed, ledger_replay
from gdpr.ledger import ledger_from_storage

logger = logging.getLogger(__name__)

BACKUP_FOLDER = "backups"
_STAMP = "%Y%m%dT%H%M%SZ"
_PREFIX = "registry-"
_SUFFIX = ".dump.age"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, for the operator."""


@dataclass(frozen=True)
class Backup:
    name: str  # in private storage: "backups/registry-20261206T230000Z.dump.age"
    taken_at: datetime.datetime


def backup_storage() -> Storage:
    return storages["private"]


def _database() -> dict[str, Any]:
    if connection.vendor != "postgresql":
        raise BackupError(
            _(
                "Backups are made of PostgreSQL databases only; this installation runs on"
                " %(vendor)s. Copy the SQLite file while the service is stopped instead."
            )
            % {"vendor": connection.display_name}
        )
    return connection.settings_dict


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    """pg_dump's and pg_restore's connection, from Django's (the password not on the
    command line, where other users of the machine could read it)."""
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[name] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    env["PGDATABASE"] = str(db["NAME"])
    return env


def _recipients() -> list[pyrage.x25519.Recipient]:
    keys = settings.BACKUP_AGE_RECIPIENTS.replace(",", " ").split()
    if not keys:
        raise BackupError(
            _("Set BACKUP_AGE_RECIPIENTS to the age public key(s) the backups are encrypted to.")
        )
    try:
        return [pyrage.x25519.Recipient.from_str(key) for key in keys]
    except pyrage.RecipientError as error:
        raise BackupError(
            _("BACKUP_AGE_RECIPIENTS holds something that is not an age public key.")
        ) from error


def _identities(identity: str | None) -> list[pyrage.x25519.Identity]:
    """The secret key(s): given, or from ``BACKUP_AGE_IDENTITY``; either the key itself or
    the path of a key file as ``age-keygen`` writes it (comments allowed)."""
    value = (identity or settings.BACKUP_AGE_IDENTITY).strip()
    if not value:
        raise BackupError(
            _("Set BACKUP_AGE_IDENTITY to the age secret key (or its file) to restore a backup.")
        )
    if not value.startswith("AGE-SECRET-KEY-"):
        try:
            value = Path(value).read_text()
        except OSError as error:
            raise BackupError(
                _("The age secret key file cannot be read: %(error)s")
                % {"error": error.strerror or error}
            ) from error
    lines = [line.strip() for line in value.splitlines()]
    keys = [line for line in lines if line.startswith("AGE-SECRET-KEY-")]
    try:
        identities = [pyrage.x25519.Identity.from_str(key) for key in keys]
    except pyrage.IdentityError as error:
        raise BackupError(_("The age secret key is not valid.")) from error
    if not identities:
        raise BackupError(_("The age secret key is not valid."))
    return identities


def _backup_name(taken_at: datetime.datetime) -> str:
    return f"{BACKUP_FOLDER}/{_PREFIX}{taken_at.astimezone(datetime.UTC):{_STAMP}}{_SUFFIX}"


def _taken_at(filename: str) -> datetime.datetime | None:
    if not (filename.startswith(_PREFIX) and _SUFFIX in filename):
        return None
    stamp = filename[len(_PREFIX) : len(_PREFIX) + 16]
    try:
        return datetime.datetime.strptime(stamp, _STAMP).replace(tzinfo=datetime.UTC)
    except ValueError:
        return None


def backups_list() -> list[Backup]:
    """The backups in private storage, oldest first."""
    try:
        _folders, names = backup_storage().listdir(BACKUP_FOLDER)
    except FileNotFoundError:
        return []
    found = []
    for filename in names:
        taken_at = _taken_at(filename)
        if taken_at is not None:
            found.append(Backup(f"{BACKUP_FOLDER}/{filename}", taken_at))
    return sorted(found, key=lambda b: (b.taken_at, b.name))


def _run_failed(what: str, code: int, errors: IO[bytes]) -> BackupError:
    errors.seek(0)
    detail = errors.read().decode("utf-8", "replace").strip()[-2000:]
    logger.error("%s exited with %s: %s", what, code, detail)
    return BackupError(
        _("%(program)s failed (exit code %(code)s): %(detail)s")
        % {"program": what, "code": code, "detail": detail}
    )


def backup_create(*, now: datetime.datetime | None = None) -> Backup:
    """Dump the database, encrypt it to the configured public keys and store it."""
    db = _database()
    recipients = _recipients()
    taken_at = now or timezone.now()
    name = _backup_name(taken_at)
    storage = backup_storage()
    # The ciphertext goes through a temporary file because storages (S3 included) upload
    # from a file they can read from the start; the plaintext never touches the disk.
    with tempfile.TemporaryFile() as encrypted, tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges"],  # noqa: S607
            stdout=subprocess.PIPE,
            stderr=errors,
            env=_pg_env(db),
        )
        stdout = process.stdout
        if stdout is None:  # for the type checker: stdout=PIPE always gives one
            raise BackupError("pg_dump")
        try:
            pyrage.encrypt_io(stdout, encrypted, recipients)
        finally:
            stdout.close()
            code = process.wait()
        if code:
            raise _run_failed("pg_dump", code, errors)
        size = encrypted.tell()
        encrypted.seek(0)
        saved = storage.save(name, File(encrypted, name=name))
    logger.info("Backup %s written (%d bytes, encrypted)", saved, size)
    return Backup(saved, taken_at)


def backups_prune(now: datetime.datetime) -> dict[str, int]:
    """Delete the backups older than ``BACKUP_RETENTION_DAYS``: the period the privacy
    notice states. Each deletion is logged."""
    cutoff = now - datetime.timedelta(days=settings.BACKUP_RETENTION_DAYS)
    storage = backup_storage()
    deleted = 0
    for backup in backups_list():
        if backup.taken_at < cutoff:
            storage.delete(backup.name)
            logger.info("Backup %s deleted: older than %s days", backup.name, cutoff)
            deleted += 1
    return {"backups": deleted}


def _is_empty() -> bool:
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def backup_restore(name: str, *, identity: str | None = None) -> list[Replayed]:
    """Restore a backup into this (empty) database, then replay every erasure done after
    it was taken; return what was replayed."""
    db = _database()
    identities = _identities(identity)
    storage = backup_storage()
    if not name.startswith(f"{BACKUP_FOLDER}/"):
        name = f"{BACKUP_FOLDER}/{name}"
    if not storage.exists(name):
        raise BackupError(_("There is no backup called %(name)s.") % {"name": name})
    if not _is_empty():
        raise BackupError(
            _(
                "The database %(database)s is not empty. Restore into a new, empty database"
                " (createdb) and point DATABASE_URL at it."
            )
            % {"database": db["NAME"]}
        )
    # Read before the restore touches anything: the erasures the backup does not know.
    ledger = ledger_from_storage()
    with storage.open(name, "rb") as source, tempfile.TemporaryFile() as errors:
        _restore_stream(source, identities, db, errors)
    # The schema changed under this connection.
    connection.close()
    ContentType.objects.clear_cache()
    # A backup of an older release is brought to this release's schema first: the replay
    # runs this release's erasure (and the ledger's own table may be newer than the dump).
    call_command("migrate", interactive=False, verbosity=0)
    replayed = ledger_replay(ledger)
    logger.info("Backup %s restored; %d erasure ledger entries replayed", name, len(replayed))
    return replayed


def _restore_stream(
    source: IO[bytes],
    identities: list[pyrage.x25519.Identity],
    db: dict[str, Any],
    errors: IO[bytes],
) -> None:
    # Decrypted straight into pg_restore's input: the plaintext never lies on disk.
    process = subprocess.Popen(  # noqa: S603 (fixed program and arguments, no shell)
        [  # noqa: S607
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--dbname",
            str(db["NAME"]),
        ],
        stdin=subprocess.PIPE,
        stdout=errors,
        stderr=errors,
        env=_pg_env(db),
    )
    stdin = process.stdin
    if stdin is None:  # for the type checker: stdin=PIPE always gives one
        raise BackupError("pg_restore")
    try:
        pyrage.decrypt_io(source, stdin, identities)
    except pyrage.DecryptError as error:
        process.kill()
        process.wait()
        raise BackupError(
            _(
                "The backup cannot be decrypted with the key given (the wrong key, or not"
                " a backup of this service). Nothing was restored."
            )
        ) from error
    except OSError:
        # pg_restore stopped reading: its own message says why.
        pass
    finally:
        if not stdin.closed:
            with contextlib.suppress(OSError):
                stdin.close()
    code = process.wait()
    if code:
        raise _run_failed("pg_restore", code, errors)
