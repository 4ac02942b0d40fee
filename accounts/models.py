from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField

from .sources import DataSource


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> User:
        # A new account has no second factor, and staff rights need one: the first
        # superuser is made by ``manage.py create_controller``, which enrolls TOTP first.
        raise ValidationError(
            "A superuser made with a password alone could open the admin. Use"
            " `manage.py create_controller`: it enrolls two-factor authentication too."
        )


class User(AbstractUser):
    """A person who signs in; the email address is the login.

    The profile lives on the user row itself: every user is a member-to-be, and a
    separate table would only add a join to every page.
    """

    class Language(models.TextChoices):
        FINNISH = "fi", _("Finnish")
        SWEDISH = "sv", _("Swedish")
        ENGLISH = "en", _("English")

    username = None
    email = models.EmailField(_("email address"), unique=True)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = CountryField(_("country"), blank=True, default="FI")
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=Language.choices, default=Language.FINNISH
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    phone = PhoneNumberField(_("phone number"), blank=True)
    profile_updated_at = models.DateTimeField(_("profile updated"), null=True, blank=True)
    # Staff rights open the admin only if a second factor existed when they were granted
    # (accounts.selectors.staff_may_use_admin): a password alone never gets in.
    staff_granted_at = models.DateTimeField(_("staff rights granted"), null=True, blank=True)
    staff_granted_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff rights granted by"),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def age_on(self, day: datetime.date) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def age(self) -> int | None:
        return self.age_on(timezone.localdate())


class LoginEvent(models.Model):
    """One sign-in (or failed attempt) to an account, shown to its owner on "My data"."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Signed in")
        FAILURE = "failure", _("Failed attempt")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="login_events",
        verbose_name=_("user"),
    )
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("login event")
        verbose_name_plural = _("login events")
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["user", "-occurred_at"], name="loginevent_user_time_idx"),
            models.Index(fields=["occurred_at"], name="loginevent_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.outcome} {self.occurred_at:%Y-%m-%d %H:%M}"


class ProfileFieldSource(models.Model):
    """The source of the current value of one profile field (the latest change wins)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile_sources",
        verbose_name=_("user"),
    )
    field = models.CharField(_("field"), max_length=50)
    source = models.CharField(_("source"), max_length=20, choices=DataSource.choices)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("source of a profile field")
        verbose_name_plural = _("sources of profile fields")
        constraints = [
            models.UniqueConstraint(fields=["user", "field"], name="profilesource_user_field")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}.{self.field}: {self.source}"
