"""gdpr in the Django admin, one module per model (or close family of models)."""

from gdpr.admin import (  # noqa: F401  (each module registers its admins)
    audit,
    disclosures,
    exports,
    marketing,
    notice,
    requests,
    retention,
)
