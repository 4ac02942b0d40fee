from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        from . import my_data_sections, signals  # noqa: F401  (registers sections and handlers)
        from . import personal_data  # noqa: F401  # isort: skip  (registers the personal-data entries)
        from . import retention  # noqa: F401  # isort: skip  (registers the retention jobs)
        from . import erasure  # noqa: F401  # isort: skip  (registers the erasure hooks)
        from . import recipients  # noqa: F401  # isort: skip  (Art. 19 recipients, disclosure sources)
        from . import marketing_audiences  # noqa: F401  # isort: skip  (marketing lists)
        from . import rectification  # noqa: F401  # isort: skip  (registers what may be corrected)
        from . import member_statistics  # noqa: F401  # isort: skip  (the dashboard's members)
