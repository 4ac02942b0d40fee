from __future__ import annotations

import datetime

import factory
from allauth.account.models import EmailAddress
from factory.django import DjangoModelFactory

from accounts.models import User

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
    is_staff = True
    is_superuser = True
