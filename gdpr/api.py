"""What the other apps may use of gdpr: the one door in.

An app declares its personal data here (categories, models, how its rows are erased and
kept, its retention jobs, what a person may ask to correct and who decides it) and records
its writes in the audit trail; gdpr then exports, erases, rectifies, lists in the privacy
notice and purges that data without importing the app. The holders of records (an
organization) get what their admins' pages need to decide corrections. Nothing else
under ``gdpr`` is for other apps: import-linter enforces it (``[tool.importlinter]`` in
pyproject.toml).
"""

from __future__ import annotations

from gdpr.audit import acting_as, audit_blank, audit_queryset_update, audit_record_saved
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
    LegalBasis,
    ModelEntry,
    Purpose,
    Recipient,
    Retention,
    RetentionKind,
    SubjectKind,
    register_category,
    register_model,
)
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
from gdpr.selectors import is_restricted

__all__ = [
    "Category",
    "CorrespondenceLog",
    "Erasure",
    "ErasureStrategy",
    "HolderRectification",
    "LegalBasis",
    "ModelEntry",
    "Purpose",
    "Recipient",
    "RecordHolder",
    "RectifiableField",
    "RectifiableSource",
    "RectificationError",
    "Retention",
    "RetentionJob",
    "RetentionKind",
    "SubjectKind",
    "ValueKind",
    "acting_as",
    "attach_mail_to_person",
    "audit_blank",
    "audit_queryset_update",
    "audit_record_saved",
    "controller_contact",
    "forget_mail_about",
    "holder_rectification",
    "holder_rectification_requests",
    "is_restricted",
    "log_mail",
    "rectification_decide",
    "register_category",
    "register_correspondence_log",
    "register_holder",
    "register_job",
    "register_model",
    "register_source",
    "run_job",
]
