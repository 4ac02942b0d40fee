from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunicationsConfig(AppConfig):
    name = "communications"
    verbose_name = _("Communication records")

    def ready(self) -> None:
        from . import my_data_sections  # noqa: F401  (registers the "My data" section)
        from . import personal_data  # noqa: F401  # isort: skip  (registers the personal-data entries)
