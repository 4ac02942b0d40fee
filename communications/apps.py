from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunicationsConfig(AppConfig):
    name = "communications"
    verbose_name = _("Communication records")

    def ready(self) -> None:
        from . import my_data_sections  # noqa: F401  (registers the "My data" section)
        from . import personal_data  # noqa: F401  # isort: skip  (registers the personal-data entries)
        from . import rectification  # noqa: F401  # isort: skip  (registers what may be corrected)
        from . import leaving  # noqa: F401  # isort: skip  (what stays when a member leaves)
        from gdpr.api import CorrespondenceLog, register_correspondence_log

        from . import services

        # The service's mail to people is logged here, whoever sends it.
        register_correspondence_log(
            CorrespondenceLog(
                record_mail=services.communication_log_email,
                forget=lambda related: services.communications_forget(related=related),
                attach_person=lambda related, user: services.communications_attach_subject(
                    related=related, user=user
                ),
            )
        )
