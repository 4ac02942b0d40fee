from __future__ import annotations

import pytest
from django.core.management import call_command

from gdpr.models import ControllerDetails, DataSubjectRequest, Disclosure, MarketingBan

pytestmark = pytest.mark.django_db


def test_the_demo_privacy_data_is_created_once():
    for command in ("seed_demo", "seed_demo_organizations", "seed_demo_privacy"):
        call_command(command, stdout=None)
    call_command("seed_demo_privacy")

    assert ControllerDetails.objects.count() == 1
    assert DataSubjectRequest.objects.count() == 3
    # Elina contests her member number: restricted from receipt, her data is not disclosed.
    assert Disclosure.objects.get().subjects.count() == 1
    assert DataSubjectRequest.objects.get(kind="restriction").restriction_ground == "a"
    assert MarketingBan.objects.count() == 2
    # The letter received five weeks ago is overdue on the desk.
    overdue = DataSubjectRequest.objects.get(channel="letter")
    assert overdue.status == "identity_verified"
