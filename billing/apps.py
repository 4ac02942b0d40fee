from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from . import my_data_sections  # noqa: F401  (registers the "My data" sections)
        from . import personal_data  # noqa: F401  # isort: skip  (registers the personal-data entries)
        from . import retention  # noqa: F401  # isort: skip  (registers the retention jobs)
        from . import erasure  # noqa: F401  # isort: skip  (registers the erasure hooks)
        from . import rectification  # noqa: F401  # isort: skip  (registers what may be corrected)
        from . import leaving  # noqa: F401  # isort: skip  (what ends and stays when a member leaves)
        from . import statistics  # noqa: F401  # isort: skip  (the organization's dashboard)
