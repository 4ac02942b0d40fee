from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FlightLogEntry(models.Model):
    """One flight a pilot logged; the remarks are free text about it."""

    pilot = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="flight_log_entries",
        verbose_name=_("pilot"),
    )
    aircraft = models.CharField(_("aircraft"), max_length=10)
    flown_on = models.DateField(_("date of flight"))
    remarks = models.TextField(_("remarks"), blank=True)

    class Meta:
        verbose_name = _("flight log entry")
        verbose_name_plural = _("flight log entries")
        ordering = ["flown_on", "pk"]

    def __str__(self) -> str:
        return f"{self.aircraft} {self.flown_on}"
