from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class GdprConfig(AppConfig):
    name = "gdpr"
    verbose_name = _("Data protection")

    def ready(self) -> None:
        from gdpr import (
            my_data_sections,  # noqa: F401  (requests, marketing choices, disclosures)
            personal_data,  # noqa: F401
        )
        from gdpr.audit import connect_signals
        from gdpr.retention import purges  # noqa: F401  (gdpr's own retention jobs)
        from gdpr.retention.checks import check_retention_job_order

        # Last in INSTALLED_APPS: every app has filled the registry by now.
        connect_signals()
        checks.register(check_retention_job_order)
