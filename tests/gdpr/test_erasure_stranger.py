"""A ban kept after an erasure silences only addresses the erased person had shown to be
theirs: the real owner of an address they merely typed in is reached like anyone else."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import translation

from gdpr.erasure.services import erasure_execute
from gdpr.keys import email_key
from gdpr.marketing import consents
from gdpr.marketing import services as marketing
from gdpr.models import (
    Consent,
    DataSubjectRequest,
    MarketingChannel,
    RequestKind,
    RequestStatus,
    Suppression,
)
from gdpr.requests.services import request_file
from organizations.models import Membership
from tests.factories import StaffFactory, UserFactory
from tests.organizations.factories import add_member, organization_with_admin

pytestmark = pytest.mark.django_db

STRANGERS_ADDRESS = "vieras.omistaja@example.fi"
VERIFIED_SECOND = "toinen.oma@example.fi"


@pytest.fixture
def organization():
    admin = UserFactory(email="aila.admin@example.fi", street_address="", phone="")
    return organization_with_admin(admin, name="Malmin Ilmailukerho ry")


@pytest.fixture
def erased(organization):
    """An account with a verified second address and an unverified one (someone else's),
    which banned email marketing and was then erased."""
    user = UserFactory(email="poistuva@example.fi")
    EmailAddress.objects.create(user=user, email=VERIFIED_SECOND, verified=True)
    EmailAddress.objects.create(user=user, email=STRANGERS_ADDRESS, verified=False)
    add_member(organization, user)
    marketing.marketing_ban(user, channels=[MarketingChannel.EMAIL], source="subject", actor=user)
    request = request_file(subject=user, kind=RequestKind.ERASURE, actor=user)
    DataSubjectRequest.objects.filter(pk=request.pk).update(status=RequestStatus.IN_PROGRESS)
    request.refresh_from_db()
    erasure_execute(request, actor=StaffFactory())
    return user


def _consenting_member(organization, email: str) -> Membership:
    user = UserFactory(email=email, preferred_language="en")
    spec = consents.consent_purpose(consents.EMAIL_OFFERS)
    Consent.objects.create(
        user=user,
        subject_key=email_key(email),
        purpose=consents.EMAIL_OFFERS,
        text_version=spec.text_version,
        text_shown=spec.text_in("en"),
        language="en",
    )
    return add_member(organization, user)


def _email_audience(organization) -> set[str]:
    rows = Membership.objects.filter(organization=organization)
    return {m.user.email for m in marketing.marketing_audience(rows=rows, channel="email")}


def test_it_keys_no_ban_by_an_unverified_address(erased):
    keys = set(Suppression.objects.filter(channel="email").values_list("key", flat=True))
    assert email_key(STRANGERS_ADDRESS) not in keys
    assert email_key(VERIFIED_SECOND) in keys
    assert email_key("poistuva@example.fi") in keys


def test_the_address_real_owner_signing_up_later_is_in_the_email_audience(
    erased, organization, client
):
    owner = _consenting_member(organization, STRANGERS_ADDRESS)
    assert STRANGERS_ADDRESS in _email_audience(organization)
    assert marketing.marketing_state(owner.user)["email"] is None
    client.force_login(owner.user)
    with translation.override("en"):
        content = client.get(reverse("gdpr:marketing")).content.decode()
    assert "kept from your earlier account" not in content


def test_a_verified_address_still_carries_the_ban(erased, organization, client):
    returning = _consenting_member(organization, VERIFIED_SECOND)
    assert VERIFIED_SECOND not in _email_audience(organization)
    assert isinstance(marketing.marketing_state(returning.user)["email"], Suppression)
    client.force_login(returning.user)
    content = client.get(reverse("gdpr:marketing"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "kept from your earlier account" in content
