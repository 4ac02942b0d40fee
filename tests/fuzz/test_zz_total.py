"""Runs last (file order): the ci profile must have tried enough inputs in total.

In parallel runs (pytest-xdist) the fuzz tests are spread over the processes, and the
controlling process checks the sum instead (``conftest.pytest_sessionfinish``).
"""

from __future__ import annotations

import os

import pytest

from .support import CI_MINIMUM_INPUTS, INPUTS, whole_ci_run


def test_it_generated_enough_inputs_across_the_fuzz_tests(request):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.skip("in parallel runs the controlling process checks the sum at the end")
    if not whole_ci_run(request.session.items):
        pytest.skip("only a whole fuzz run in the ci profile has to reach the total")
    total = sum(INPUTS.values())
    assert total >= CI_MINIMUM_INPUTS, f"{total} inputs, fewer than {CI_MINIMUM_INPUTS}"
