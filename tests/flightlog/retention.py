"""The flight log's own retention job, registered through gdpr.api."""

import datetime

from gdpr.api import RetentionJob, register_job

from .models import FlightLogEntry

KEPT_DAYS = 365


def purge_old_entries(now: datetime.datetime) -> dict[str, int]:
    cutoff = now.date() - datetime.timedelta(days=KEPT_DAYS)
    deleted = FlightLogEntry.objects.filter(flown_on__lt=cutoff).delete()[0]
    return {"flightlog.FlightLogEntry": deleted}


register_job(
    RetentionJob(
        name="flightlog.old_entries",
        label="Flight log entries past their period",
        run=purge_old_entries,
    )
)
