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
        from gdpr.models import request_phrases
        from gdpr.rectification.services import target_label
        from gdpr.retention import purges  # noqa: F401  (gdpr's own retention jobs)
        from gdpr.retention.checks import check_retention_job_order
        from gdpr.statistics_uses import CONTROLLER_DASHBOARD, register_statistics_use
        from registry.storage import check_private_storage

        # Last in INSTALLED_APPS: every app has filled the registry by now.
        connect_signals()
        # A request step names a datum by its key; it is read in words.
        request_phrases.register_describer(request_phrases.RECTIFICATION_TARGET_KEY, target_label)
        checks.register(check_retention_job_order)
        # The controller's dashboard of requests: the notice describes it as a statistics use.
        register_statistics_use(CONTROLLER_DASHBOARD)
        # Every personal file lives in private storage: it must never become public.
        checks.register(check_private_storage, checks.Tags.security)
