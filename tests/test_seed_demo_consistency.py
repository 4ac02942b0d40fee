"""The demo data tells one consistent story: the things a reader of it would check."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from stdnum.fi import ytunnus

from gdpr.models import Consent, ControllerDetails, Disclosure
from organizations.models import Organization

pytestmark = pytest.mark.django_db

# How a legal basis reads when it is the person's consent, in each of the UI's languages.
ON_CONSENT = re.compile(r"suostum|consent|samtyck", re.IGNORECASE)


@pytest.fixture
def demo(capsys) -> None:
    for command in (
        "seed_demo",
        "seed_demo_organizations",
        "seed_demo_billing",
        "seed_demo_privacy",
    ):
        call_command(command)
    capsys.readouterr()


def test_it_gives_every_organization_its_own_valid_business_id(demo):
    controller = ControllerDetails.objects.get()
    assert ytunnus.is_valid(controller.business_id), controller.business_id
    business_ids = dict(Organization.objects.values_list("name", "business_id"))
    assert len(business_ids) >= 2
    for name, business_id in business_ids.items():
        assert ytunnus.is_valid(business_id), (name, business_id)
        assert ytunnus.compact(business_id) != ytunnus.compact(controller.business_id), name
    compact = [ytunnus.compact(value) for value in business_ids.values()]
    assert len(set(compact)) == len(compact)


def test_it_discloses_on_consent_only_the_data_of_those_who_gave_it(demo):
    assert Disclosure.objects.exists()
    for disclosure in Disclosure.objects.prefetch_related("subjects"):
        if not ON_CONSENT.search(disclosure.legal_basis):
            continue
        for person in disclosure.subjects.all():
            assert Consent.objects.filter(user=person, withdrawn_at__isnull=True).exists(), (
                f"{disclosure.recipient_name}: {person.email} has given no consent"
            )
