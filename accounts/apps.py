from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Users")

    def ready(self) -> None:
        from . import my_data_sections, signals  # noqa: F401  (registers handlers and sections)
        from . import personal_data  # noqa: F401  # isort: skip  (registers the personal-data entries)
        from . import retention  # noqa: F401  # isort: skip  (registers the retention jobs)
