"""Personas shared by the organizations tests: one admin and her organization."""

from __future__ import annotations

import pytest

from accounts.models import User
from organizations.models import Organization
from tests.factories import UserFactory

from .factories import organization_with_admin


@pytest.fixture
def admin(db) -> User:
    # English, so that messages and labels do not depend on the state of the catalogs.
    return UserFactory(
        email="aila.admin@example.fi",
        first_name="Aila",
        last_name="Admin",
        preferred_language="en",
    )


@pytest.fixture
def organization(admin) -> Organization:
    return organization_with_admin(admin, name="Malmin Ilmailukerho ry")


@pytest.fixture
def admin_client(client, admin, organization):
    client.force_login(admin)
    return client
