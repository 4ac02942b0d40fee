"""What ``communications`` holds about people — see gdpr.declarations."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import addressed_to
from accounts.sources import DataSource
from gdpr.api import (
    Category,
    Erasure,
    Identifier,
    LegalBasis,
    ModelEntry,
    Purpose,
    Recipient,
    Retention,
    RetentionKind,
    Searchable,
    SearchableField,
    register_category,
    register_model,
    register_searchable,
)

from .models import CommunicationRecord

register_category(
    Category(
        key="communications",
        label=_("Communication with the person (emails, calls, letters and attachments)"),
        purposes=(
            Purpose.CUSTOMER_RELATIONSHIP,
            Purpose.CUSTOMER_SERVICE,
            Purpose.VERIFY_TRANSACTIONS,
        ),
        legal_basis=LegalBasis.LEGITIMATE_INTERESTS,
        retention=Retention(
            RetentionKind.WHILE_ACCOUNT_EXISTS,
            _(
                "While the account exists; the invoices themselves are kept as accounting"
                " vouchers. Mail to an address that never became an account (an invitation"
                " nobody accepted) goes with the invitation."
            ),
        ),
        sources=(DataSource.SUBJECT, DataSource.ORGANIZATION_ADMIN, DataSource.CONTROLLER),
        recipients=(Recipient.ORGANIZATION_ADMINS, Recipient.CONTROLLER_STAFF),
    )
)

register_model(
    ModelEntry(
        model=CommunicationRecord,
        # Mail sent before the address was linked to an account (an invitation) too.
        person=lambda user: CommunicationRecord.objects.filter(
            Q(subject=user)
            | (Q(subject__isnull=True) & addressed_to(user=user, field="counterpart"))
        ),
        personal={
            "subject": "communications",
            "counterpart": "communications",
            "channel": "communications",
            "direction": "communications",
            "occurred_at": "communications",
            "subject_line": "communications",
            "summary": "communications",
            "attachment": "communications",
            "related_object": "communications",
            "recorded_by": "actor_trail",
        },
        not_personal=frozenset({"id", "organization", "kind"}),
        actors={"recorded_by": ()},
        erasure=Erasure.delete(),
        free_text=frozenset({"subject_line", "summary"}),
        labels={"related_object": _("what it concerns")},
    )
)


# A call, mail or letter logged about someone before they had an account, or under an
# address or number their account does not have: it names them only in its text.
def _describe_record(record: CommunicationRecord) -> str:
    where = record.organization.name if record.organization else ""
    return " · ".join(
        part
        for part in (
            record.get_channel_display(),
            f"{timezone.localtime(record.occurred_at):%d.%m.%Y}",
            where,
            record.counterpart,
            record.subject_line,
        )
        if part
    )


_TEXT_FIELDS = ("counterpart", "subject_line", "summary")
register_searchable(
    Searchable(
        model=CommunicationRecord,
        fields=tuple(
            SearchableField(name, kind)
            for name in _TEXT_FIELDS
            for kind in (
                Identifier.NAME,
                Identifier.EMAIL,
                Identifier.PHONE,
                Identifier.STREET,
            )
        ),
        describe=_describe_record,
        select_related=("organization",),
        scope=Q(subject__isnull=True),
    )
)
