from __future__ import annotations

import pytest
from django.core.management import call_command

from organizations.models import BankAccount, Membership, Organization
from organizations.permissions import is_organization_admin

pytestmark = pytest.mark.django_db


def test_it_creates_demo_organizations_once():
    call_command("seed_demo")
    call_command("seed_demo_organizations")
    counts = (Organization.objects.count(), Membership.objects.count(), BankAccount.objects.count())
    call_command("seed_demo_organizations")
    assert counts == (
        Organization.objects.count(),
        Membership.objects.count(),
        BankAccount.objects.count(),
    )
    club = Organization.objects.get(name="Malmin Ilmailukerho ry")
    admin = club.memberships.get(role=Membership.Role.ADMIN)
    assert is_organization_admin(admin.user, club)
    assert "101" in admin.search_text
    assert club.bank_accounts.get().bic == "NDEAFIHH"
    # The controller has verified the demo organizations, on named evidence, once.
    for organization in Organization.objects.all():
        assert organization.is_verified
        assert organization.verification_evidence
        assert organization.verified_by.email == "rekisterinpitaja@example.fi"
    verified_at = club.verified_at
    call_command("seed_demo_organizations")
    club.refresh_from_db()
    assert club.verified_at == verified_at
