"""Marketing audiences are built from rows other apps declare (gdpr.marketing.hooks): a
declared model's rows go through every check; an undeclared model's rows make no list."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from gdpr.api import MarketingAudience, marketing_audience, register_marketing_audience
from gdpr.marketing import services as marketing
from gdpr.marketing.hooks import unregister_marketing_audience
from organizations.models import ContactPerson
from tests.factories import UserFactory
from tests.organizations.factories import organization_with_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact_audience():
    """Contact persons as a marketing list: a model nobody declares as one otherwise."""
    audience = register_marketing_audience(
        MarketingAudience(model=ContactPerson, person="user", own_email="email")
    )
    yield audience
    unregister_marketing_audience(ContactPerson)


def contact(organization, name: str, **profile) -> ContactPerson:
    user = UserFactory(street_address=f"{name}tie 1", postal_code="00100", **profile)
    return ContactPerson.objects.create(organization=organization, name=name, user=user)


def test_a_declared_models_rows_leave_out_who_said_no(contact_audience):
    organization = organization_with_admin(UserFactory(), name="Kerho ry")
    banned = contact(organization, "Bertta")
    welcome = contact(organization, "Veera")
    marketing.marketing_ban(banned.user, channels=["post"], source="subject", actor=None)
    rows = ContactPerson.objects.filter(organization=organization)

    assert list(marketing_audience(rows=rows, channel="post")) == [welcome]


def test_an_undeclared_model_makes_no_list():
    with pytest.raises(LookupError, match="marketing audience"):
        list(marketing_audience(rows=Group.objects.all(), channel="post"))
