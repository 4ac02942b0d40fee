"""What the other apps may use of gdpr: the one door in.

An app declares its personal data here (categories, models, how its rows are erased and
kept, which of its fields may name a person no key points at, what stops or adds to an
erasure, its retention jobs, who in it receives people's data, the rows its marketing
lists are built from, what a person may ask to correct and who decides it, the statistics
it draws from people's data) and records its writes in the audit trail; gdpr then exports,
erases, rectifies, lists in the privacy notice, tells the recipients (Art. 19) and purges
that data without importing the app. Nothing else under ``gdpr`` is for other apps:
import-linter enforces it (``[tool.importlinter]`` in pyproject.toml).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from gdpr.audit import (
    acting_as,
    audit_blank,
    audit_queryset_update,
    audit_record_saved,
    audit_records_created,
    audit_suppressed,
)
from gdpr.correspondence import (
    CorrespondenceLog,
    attach_mail_to_person,
    forget_mail_about,
    log_mail,
    register_correspondence_log,
)
from gdpr.declarations import (
    Category,
    Erasure,
    ErasureStrategy,
    Identifier,
    LegalBasis,
    ModelEntry,
    Purpose,
    Recipient,
    Retention,
    RetentionKind,
    Searchable,
    SearchableField,
    SubjectKind,
    register_category,
    register_model,
    register_searchable,
)
from gdpr.disclosures.hooks import (
    DataRecipient,
    DisclosureSubjectSource,
    PersonIdentifier,
    RecipientAddress,
    RecipientSource,
    register_disclosure_subject_source,
    register_person_identifier,
    register_recipient_source,
)
from gdpr.disclosures.services import DisclosureError, disclosure_record
from gdpr.erasure.hooks import (
    Claim,
    ClaimRows,
    DecisionCase,
    DecisionChoice,
    Eraser,
    ErasureCheck,
    ErasureDecision,
    LegalClaims,
    register_eraser,
    register_erasure_check,
    register_erasure_decision,
    register_legal_claims,
)
from gdpr.marketing.hooks import MarketingAudience, register_marketing_audience
from gdpr.marketing.services import marketing_audience, marketing_audience_queryset
from gdpr.models import MarketingChannel
from gdpr.notice.document import controller_contact
from gdpr.rectification.services import (
    HolderRectification,
    RectificationError,
    holder_rectification,
    holder_rectification_requests,
    rectification_decide,
)
from gdpr.rectification.sources import (
    RecordHolder,
    RectifiableField,
    RectifiableSource,
    ValueKind,
    register_holder,
    register_source,
)
from gdpr.retention.jobs import RetentionJob, register_job, run_job
from gdpr.selectors import (
    annotate_restriction_in_force,
    is_restricted,
    restricted_users,
    restriction_in_force,
)
from gdpr.statistics_uses import StatisticsUse, register_statistics_use

if TYPE_CHECKING:
    from accounts.models import User

__all__ = [
    "Category",
    "Claim",
    "ClaimRows",
    "CorrespondenceLog",
    "DataRecipient",
    "DecisionCase",
    "DecisionChoice",
    "DisclosureError",
    "DisclosureSubjectSource",
    "Eraser",
    "Erasure",
    "ErasureCheck",
    "ErasureDecision",
    "ErasureStrategy",
    "HolderRectification",
    "Identifier",
    "LegalBasis",
    "LegalClaims",
    "MarketingAudience",
    "MarketingChannel",
    "ModelEntry",
    "PersonIdentifier",
    "Purpose",
    "Recipient",
    "RecipientAddress",
    "RecipientSource",
    "RecordHolder",
    "RectifiableField",
    "RectifiableSource",
    "RectificationError",
    "Retention",
    "RetentionJob",
    "RetentionKind",
    "Searchable",
    "SearchableField",
    "StatisticsUse",
    "SubjectKind",
    "ValueKind",
    "acting_as",
    "annotate_restriction_in_force",
    "attach_mail_to_person",
    "audit_blank",
    "audit_queryset_update",
    "audit_record_saved",
    "audit_records_created",
    "audit_suppressed",
    "controller_contact",
    "disclosure_to_partner",
    "forget_mail_about",
    "holder_rectification",
    "holder_rectification_requests",
    "is_restricted",
    "log_mail",
    "marketing_audience",
    "marketing_audience_queryset",
    "rectification_decide",
    "register_category",
    "register_correspondence_log",
    "register_disclosure_subject_source",
    "register_eraser",
    "register_erasure_check",
    "register_erasure_decision",
    "register_holder",
    "register_job",
    "register_legal_claims",
    "register_marketing_audience",
    "register_model",
    "register_person_identifier",
    "register_recipient_source",
    "register_searchable",
    "register_source",
    "register_statistics_use",
    "restricted_users",
    "restriction_in_force",
    "run_job",
]


def disclosure_to_partner(
    *,
    recipient_name: str,
    recipient_email: str = "",
    purpose: str,
    legal_basis: str,
    categories: Iterable[str],
    identifiers: Iterable[str] | None = None,
    starts_on: datetime.date,
    ends_on: datetime.date,
    people: Iterable[User],
    actor: User | None,
) -> int:
    """Record that ``people``'s data of ``categories`` went to a partner of the service (a
    collection agency, say) from ``starts_on`` to ``ends_on``; return the disclosure's id.

    The people see it in "My data" and in their access export, and the partner gets the
    Art. 19 notices. Raises ``DisclosureError`` (a ``ValidationError``) for a disclosure
    that breaks a rule. Someone whose processing is restricted is left off (Art. 18(2)):
    check ``restriction_in_force`` first when that must stop the disclosure.
    """
    disclosure = disclosure_record(
        kind="partner",
        recipient_name=recipient_name,
        recipient_email=recipient_email,
        purpose=purpose,
        legal_basis=legal_basis,
        categories=categories,
        identifiers=identifiers,
        starts_on=starts_on,
        ends_on=ends_on,
        subjects=list(people),
        actor=actor,
    )
    return disclosure.pk
