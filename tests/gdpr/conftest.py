from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture
def english():
    """Messages in English for tests that match on a service's wording; the default
    language (Finnish) has its own tests."""
    with translation.override("en"):
        yield
