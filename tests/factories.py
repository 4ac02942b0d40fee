from __future__ import annotations

import datetime

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from factory.django import DjangoModelFactory

from accounts.models import User
from accounts.services import user_grant_staff

DEFAULT_PASSWORD = "kiitorata-4455"


class UserFactory(DjangoModelFactory[User]):
    """A member whose email address is verified, so they can sign in at once."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"jasen{n}@example.fi")
    first_name = factory.Iterator(["Aino", "Mikko", "Elina", "Johan", "Sanna", "Pekka"])
    last_name = factory.Iterator(["Virtanen", "Korhonen", "Nieminen", "Lindqvist", "Mäkinen"])
    street_address = "Mannerheimintie 12"
    postal_code = "00100"
    city = "Helsinki"
    country = "FI"
    phone = "+358401234567"
    date_of_birth = datetime.date(1985, 5, 17)
    preferred_language = "fi"

    @factory.post_generation
    def password(obj: User, create: bool, extracted: str | None, **kwargs) -> None:
        obj.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def verified_email(obj: User, create: bool, extracted: bool | None, **kwargs) -> None:
        if create:
            EmailAddress.objects.create(
                user=obj, email=obj.email, primary=True, verified=extracted is not False
            )


class StaffFactory(UserFactory):
    """The controller's staff, made the only way the admin accepts: an authenticator app
    (TOTP) first, then the grant of staff rights.

    ``totp`` is the app's secret (one is generated; the instance keeps it as
    ``totp_secret``); ``totp=False`` makes the refused kind, staff with a password alone.
    ``is_superuser`` says which rights are granted.
    """

    is_superuser = True

    @factory.post_generation
    def totp(obj: User, create: bool, extracted: str | bool | None, **kwargs) -> None:
        if not create:
            return
        if extracted is False:
            # Made by hand: staff rights without a grant, as older installations had them.
            obj.is_staff = True
            obj.save(update_fields=["is_staff"])
            return
        obj.totp_secret = extracted or generate_totp_secret()
        TOTP.activate(obj, obj.totp_secret)
        user_grant_staff(user=obj, actor=None, superuser=obj.is_superuser)
        obj.refresh_from_db()
