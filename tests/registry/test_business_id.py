"""The one Y-tunnus check, shared by organizations and the controller's details."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from registry.business_id import business_id_normalise


@pytest.mark.parametrize(
    ("value", "written"), [("24688233", "2468823-3"), (" 2468823-3 ", "2468823-3"), ("", "")]
)
def test_it_writes_a_valid_id_one_way(value, written):
    assert business_id_normalise(value) == written


@pytest.mark.parametrize("value", ["2468823-4", "1234567-8", "abc"])
def test_a_wrong_check_digit_or_shape_is_refused(value):
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            business_id_normalise(value)
        assert error.value.code == "invalid"
        assert error.value.messages == [
            f"{value} is not a valid business ID (Y-tunnus), e.g. 2468823-3."
        ]
