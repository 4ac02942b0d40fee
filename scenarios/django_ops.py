"""What the scenarios ask of the database directly: make the people, plant rows, read back
exports, runs and waiting work. Runs in the stack's environment (production settings) as
``python scenarios/django_ops.py COMMAND [ARGS]`` and prints one JSON object.

The scenarios drive the service over HTTP like a person would; this script only sets the
stage and reads the outcome, so a check never depends on what a page happens to show.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")

import django  # noqa: E402

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret  # noqa: E402
from django.conf import settings  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.services import user_grant_staff  # noqa: E402

PASSWORD = "kiitorata-4455-skenaario"


def _person(email: str, **extra) -> User:
    user = User.objects.create_user(
        email,
        PASSWORD,
        first_name=extra.pop("first_name", "Aino"),
        last_name=extra.pop("last_name", "Virtanen"),
        preferred_language=extra.pop("language", "fi"),
        **extra,
    )
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user


def setup(rows: str = "0") -> dict:
    """A member (no second factor), a second member with ``rows`` communication records, a
    member whose sign-in is attacked, an organization's admin and the controller's staff
    (TOTP first, then the grant: the only staff the admin opens to)."""
    from organizations.services.organization import organization_create

    member = _person("jasen@example.fi")
    heavy = _person("raskas@example.fi", first_name="Mikko", last_name="Korhonen")
    # In English, so that the scenarios can read the "follows shortly" notice whichever
    # translations the catalogs hold.
    target = _person("kohde@example.fi", first_name="Elina", last_name="Nieminen", language="en")
    admin = _person("yhdistys@example.fi", first_name="Johan", last_name="Lindqvist", language="en")
    staff = _person(
        "rekisterinpitaja@example.fi", first_name="Sanna", last_name="Mäkinen", language="en"
    )
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    user_grant_staff(user=staff, actor=None, superuser=True)
    organization = organization_create(
        data={
            "name": "Skenaarion Ilmailukerho ry",
            "kind": "flying_club",
            "business_id": "2345678-0",
            "email": "kerho@example.fi",
        },
        first_admin=admin,
        actor=admin,
    )
    plant(heavy.email, rows)
    return {
        "password": PASSWORD,
        "member": member.email,
        "heavy": heavy.email,
        "target": target.email,
        "admin": admin.email,
        "staff": staff.email,
        "totp_secret": secret,
        "organization": organization.pk,
    }


def plant(email: str, rows: str) -> dict:
    """``rows`` communication records for the person, so that their export takes seconds."""
    from communications.models import CommunicationRecord

    user = User.objects.get(email=email)
    records = [
        CommunicationRecord(
            subject=user,
            channel=CommunicationRecord.Channel.EMAIL,
            direction=CommunicationRecord.Direction.OUTGOING,
            kind=CommunicationRecord.Kind.MANUAL,
            subject_line=f"Kirje {n}",
            summary=("Jäsenmaksusta ja lentokelpoisuudesta sovittiin puhelimessa. " * 12),
        )
        for n in range(int(rows))
    ]
    CommunicationRecord.objects.bulk_create(records, batch_size=500)
    return {"planted": len(records)}


def requests_of(email: str) -> dict:
    """The person's data-subject requests with their exports and the files on disk."""
    from gdpr.models import DataExport, DataSubjectRequest

    out = []
    for request in DataSubjectRequest.objects.filter(subject__email=email).order_by("pk"):
        export = DataExport.objects.filter(request=request).first()
        row = {"pk": request.pk, "kind": request.kind, "status": request.status, "export": None}
        if export is not None:
            folder = Path(settings.PRIVATE_MEDIA_ROOT) / "gdpr" / "exports" / str(export.pk)
            row["export"] = {
                "id": str(export.pk),
                "status": export.status,
                "progress": export.progress,
                "size": export.size,
                "sha256": export.sha256,
                "attempts": export.attempts,
                "files": sorted(p.name for p in folder.glob("*")) if folder.exists() else [],
            }
        out.append(row)
    return {"requests": out, "exports": DataExport.objects.filter(subject__email=email).count()}


def retention_send() -> dict:
    """Two runs of every retention job sent at once: each of the two workers takes one."""
    from gdpr.tasks import run_retention_jobs

    run_retention_jobs.apply_async()
    run_retention_jobs.apply_async()
    return {"sent": 2}


def retention_hold(job: str, seconds: str) -> dict:
    """Hold ``job``'s lock as a run under way elsewhere would, for ``seconds``; says
    "held" on its first line as soon as it has the lock."""
    import time

    from django.db import connection

    from gdpr.retention.jobs import _lock_key

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [_lock_key(job)])
        print(json.dumps({"held": job}), flush=True)
        time.sleep(float(seconds))
        cursor.execute("SELECT pg_advisory_unlock(%s)", [_lock_key(job)])
    return {"released": job}


def retention_runs() -> dict:
    from gdpr.models import RetentionRun

    runs = [
        {
            "job": r.job,
            "status": r.status,
            "started": r.started_at.timestamp(),
            "finished": r.finished_at.timestamp() if r.finished_at else None,
        }
        for r in RetentionRun.objects.order_by("pk")
    ]
    return {"runs": runs}


def invitations(email: str) -> dict:
    from organizations.models import Invitation

    found = Invitation.objects.filter(membership__email__iexact=email)
    return {"invitations": found.count(), "sent": found.exclude(sent_at=None).count()}


def waiting() -> dict:
    """Tasks kept for a broker that was down (the outbox), where the installation has one."""
    try:
        from django.apps import apps

        model = apps.get_model("outbox", "OutboxMessage")
    except LookupError:
        return {"waiting": None}
    return {"waiting": model.objects.count()}


COMMANDS = {
    "setup": setup,
    "plant": plant,
    "requests": requests_of,
    "retention_send": retention_send,
    "retention_hold": retention_hold,
    "retention_runs": retention_runs,
    "invitations": invitations,
    "waiting": waiting,
}

if __name__ == "__main__":
    print(json.dumps(COMMANDS[sys.argv[1]](*sys.argv[2:])))
