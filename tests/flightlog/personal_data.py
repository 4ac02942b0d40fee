"""What the flight log holds about people: declared through gdpr.api alone."""

from django.utils.translation import gettext_lazy as _

from accounts.sources import DataSource
from gdpr.api import (
    Category,
    Erasure,
    LegalBasis,
    ModelEntry,
    Purpose,
    Recipient,
    Retention,
    RetentionKind,
    register_category,
    register_model,
)

from .models import FlightLogEntry

FLIGHT_LOG = register_category(
    Category(
        key="flight_log",
        label=_("Flight log entries"),
        purposes=(Purpose.SERVICE,),
        legal_basis=LegalBasis.CONTRACT,
        retention=Retention(
            RetentionKind.DAYS,
            _("The flight log is kept for {days} days after the flight."),
            days=365,
        ),
        sources=(DataSource.SUBJECT,),
        recipients=(Recipient.ORGANIZATION_ADMINS,),
        description=_("The flights a pilot logged and the remarks on them."),
    )
)

register_model(
    ModelEntry(
        model=FlightLogEntry,
        person="pilot",
        personal={"pilot": "flight_log", "remarks": "flight_log"},
        not_personal=frozenset({"id", "aircraft", "flown_on"}),
        # The flight happened (the aircraft's own log needs it); who flew and what they
        # wrote about it go.
        erasure=Erasure.anonymise("pilot", "remarks"),
        free_text=frozenset({"remarks"}),
    )
)
