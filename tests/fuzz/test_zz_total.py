"""Runs last (file order): the ci profile must have tried enough inputs in total."""

from __future__ import annotations

from pathlib import Path

import pytest

from .support import CI_MINIMUM_INPUTS, DESELECTED, INPUTS, PROFILE


def test_it_generated_enough_inputs_across_the_fuzz_tests(request):
    here = Path(__file__).parent
    modules = {p for p in here.glob("test_*.py") if p.name != Path(__file__).name}
    ran = {Path(item.path) for item in request.session.items}
    if PROFILE != "ci" or DESELECTED or not modules <= ran:
        pytest.skip("only a whole fuzz run in the ci profile has to reach the total")
    total = sum(INPUTS.values())
    assert total >= CI_MINIMUM_INPUTS, f"{total} inputs, fewer than {CI_MINIMUM_INPUTS}"
