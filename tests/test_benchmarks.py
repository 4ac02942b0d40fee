"""The benchmark suite's own pieces that need no dataset: its identifiers are valid, its
full size is the one its goals are set for, and its bare baseline views stay out of the
production URLconf."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from schwifty import IBAN
from stdnum import iban as stdnum_iban

from benchmarks.dataset import Sizes, iban


@pytest.mark.parametrize("number", [0, 1, 1_000, 123_456_789, 999_999_999_999])
def test_generated_ibans_are_valid_finnish_ibans(number):
    for bank in ("1", "5"):
        value = iban(number, bank=bank)
        assert stdnum_iban.validate(value) == value
        assert IBAN(value).country_code == "FI"


def test_the_full_size_is_the_national_association_of_the_goals():
    sizes = Sizes.at(1.0)
    assert (sizes.people, sizes.big, sizes.invoices, sizes.payments) == (
        100_000,
        30_000,
        320_000,
        129_000,
    )


def test_a_tiny_scale_still_has_every_kind_of_row():
    sizes = Sizes.at(0.002, admins=5)
    assert sizes.people >= 80 and sizes.big > sizes.admins
    assert sizes.invoices >= sizes.people and sizes.payments >= 1


def test_the_bare_views_are_not_reachable_in_production():
    for name in ("bench_members", "bench_members_frame", "bench_people", "bench_payments"):
        with pytest.raises(NoReverseMatch):
            reverse(name, args=[1]) if name != "bench_people" else reverse(name)
    with pytest.raises(Resolver404):
        resolve("/__bench__/members/1/")
    with pytest.raises(Resolver404):
        resolve("/__bench__/members/1/frame/")
