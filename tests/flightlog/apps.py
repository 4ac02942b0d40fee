from django.apps import AppConfig


class FlightLogConfig(AppConfig):
    name = "tests.flightlog"
    label = "flightlog"
    verbose_name = "Flight log"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import personal_data, retention  # noqa: F401  (declarations, as every app)
