from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GdprConfig(AppConfig):
    name = "gdpr"
    verbose_name = _("Data protection")

    def ready(self) -> None:
        from gdpr import (
            my_data_sections,  # noqa: F401  (requests, marketing choices, disclosures)
            personal_data,  # noqa: F401
            retention,  # noqa: F401  (purges of what erasure kept, in gdpr.retention.jobs)
            signals,  # noqa: F401  (notice shown at signup)
        )
        from gdpr.audit import connect_signals

        # Last in INSTALLED_APPS: every app has filled the registry by now.
        connect_signals()
