"""What the other apps may use of gdpr: the one door in.

An app declares its personal data here (categories, models, how its rows are erased and
kept, its retention jobs) and records its writes in the audit trail; gdpr then exports,
erases, rectifies, lists in the privacy notice and purges that data without importing the
app. Nothing else under ``gdpr`` is for other apps: import-linter enforces it
(``[tool.importlinter]`` in pyproject.toml).
"""

from __future__ import annotations

from gdpr.audit import (
    acting_as,
    audit_blank,
    audit_queryset_update,
    audit_record_saved,
    audit_records_created,
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
from gdpr.retention.jobs import RetentionJob, register_job, run_job
from gdpr.selectors import is_restricted

__all__ = [
    "Category",
    "CorrespondenceLog",
    "Erasure",
    "ErasureStrategy",
    "LegalBasis",
    "ModelEntry",
    "Purpose",
    "Recipient",
    "Retention",
    "RetentionJob",
    "RetentionKind",
    "SubjectKind",
    "acting_as",
    "attach_mail_to_person",
    "audit_blank",
    "audit_queryset_update",
    "audit_record_saved",
    "audit_records_created",
    "controller_contact",
    "forget_mail_about",
    "is_restricted",
    "log_mail",
    "register_category",
    "register_correspondence_log",
    "register_job",
    "register_model",
    "run_job",
]
