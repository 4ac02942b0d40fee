from __future__ import annotations

import pytest
from django.core.cache import cache

from accounts.models import User

from .factories import DEFAULT_PASSWORD, StaffFactory, UserFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate limits count in the cache; they stay on, and each test starts from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def member(db) -> User:
    return UserFactory(email="aino.member@example.fi", first_name="Aino", last_name="Virtanen")


@pytest.fixture
def other_member(db) -> User:
    return UserFactory(email="olli.other@example.fi", first_name="Olli", last_name="Toinen")


@pytest.fixture
def staff(db) -> User:
    return StaffFactory(email="laura.staff@example.fi", first_name="Laura", last_name="Staff")


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client
