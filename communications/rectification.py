"""What a person may ask to correct in the communication log (GDPR Art. 16), declared to
gdpr.

Mail the service sent is logged as it was sent; what people recorded by hand (calls,
letters, meetings) is their account of it and can be wrong. The organization that recorded
it decides a correction, or the controller for its own records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gdpr.api import RectifiableField, RectifiableSource, ValueKind, register_source

from .models import CommunicationRecord
from .services import communication_record_rectify

if TYPE_CHECKING:
    from accounts.models import User


def _communication_rows(user: User) -> QuerySet[CommunicationRecord]:
    return (
        CommunicationRecord.objects.filter(subject=user, kind=CommunicationRecord.Kind.MANUAL)
        .select_related("organization")
        .order_by("-occurred_at", "-pk")
    )


def _communication_apply(
    record: CommunicationRecord, field: str, value: Any, *, actor: User, reason: str
) -> None:
    communication_record_rectify(record=record, data={field: value})


def _describe(record: CommunicationRecord) -> str:
    return _("%(channel)s on %(date)s recorded by %(holder)s") % {
        "channel": record.get_channel_display(),
        "date": formats.date_format(timezone.localtime(record.occurred_at), "SHORT_DATE_FORMAT"),
        "holder": record.organization.name if record.organization else _("the controller"),
    }


COMMUNICATION_RECORD_SOURCE = register_source(
    RectifiableSource(
        model=CommunicationRecord,
        noun=gettext_lazy("Communication record"),
        fields=(
            RectifiableField("subject_line", gettext_lazy("Subject")),
            RectifiableField("summary", gettext_lazy("Summary"), ValueKind.LONG_TEXT),
        ),
        rows=_communication_rows,
        describe=_describe,
        # A record the controller kept has no organization: the controller decides.
        holder=lambda r: r.organization,
        apply=_communication_apply,
        how=gettext_lazy(
            "The communication record is corrected; its earlier text stays in the audit trail."
        ),
        order=40,
    )
)
