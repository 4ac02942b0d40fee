"""Where a person's data came from — recorded per datum, so the access report (and the
privacy notice) can name the source of everything held about someone (GDPR Art. 14 and
15(1)(g); the privacy notices list the person, credit-information registers, directory
services and other public and private registers)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataSource(models.TextChoices):
    SUBJECT = "subject", _("The person themselves")
    ORGANIZATION_ADMIN = "organization_admin", _("An admin of the organization")
    CONTROLLER = "controller", _("The controller's staff")
    SERVICE = "service", _("Recorded by the service")
    CREDIT_REGISTER = "credit_register", _("A credit-information register")
    PUBLIC_REGISTER = "public_register", _("A public register or directory service")
