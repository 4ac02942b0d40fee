"""gdpr's models, one module per capability; imported here so Django finds them and
``from gdpr.models import X`` keeps working."""

from gdpr.models.audit import (  # noqa: F401
    AuditEntry,
    AuditEntryImmutable,
)
from gdpr.models.claims import (  # noqa: F401
    ClaimHold,
)
from gdpr.models.disclosures import (  # noqa: F401
    Disclosure,
    DisclosureSubject,
    RecipientNotice,
)
from gdpr.models.exports import (  # noqa: F401
    DataExport,
    ExportDownload,
)
from gdpr.models.ledger import (  # noqa: F401
    ErasureLedgerEntry,
)
from gdpr.models.marketing import (  # noqa: F401
    Consent,
    MarketingBan,
    MarketingChannel,
    ProcessingRestriction,
    RestrictionQuerySet,
    Suppression,
)
from gdpr.models.notice import (  # noqa: F401
    ControllerDetails,
    NoticeAcknowledgement,
    NoticeVersion,
)
from gdpr.models.requests import (  # noqa: F401
    OPEN_STATUSES,
    RESTRICTED_WHILE_CHECKED,
    DataSubjectRequest,
    IdentityMethod,
    RequestChannel,
    RequestEvent,
    RequestKind,
    RequestStatus,
    RestrictionGround,
    private_storage,
)
from gdpr.models.retention import (  # noqa: F401
    RetentionRun,
)
from gdpr.models.unlinked import (  # noqa: F401
    AttachedRecord,
)
