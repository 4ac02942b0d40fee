from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "registry.outbox"
    label = "outbox"
    verbose_name = _("Task outbox")

    def ready(self) -> None:
        from registry.outbox import signals  # noqa: F401  (the worker's start-up sweep)
