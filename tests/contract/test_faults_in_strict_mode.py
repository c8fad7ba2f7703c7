"""Meta-tests, ``--strict``: every fault, guarantee or assumption, turns the run red with
its rule as the cause (the failure's headline in JUnit, not a mention in the output)."""

from __future__ import annotations

import pytest

from openapi.exit_codes import ExitCode
from tests.contract.faulty_targets import MODIFIERS
from tests.contract.meta_runs import SuiteRun, cause_is, causes, run_all


@pytest.fixture(scope="module")
def suite_runs(tmp_path_factory) -> dict[str, SuiteRun]:
    """Each modifier's focused run with --strict."""
    jobs = {
        cls.__name__: dict(
            modifier=cls(), options=cls.extra_options, select=cls.select, strict=True
        )
        for cls in MODIFIERS
    }
    return run_all(jobs, tmp_path_factory)


@pytest.mark.slow
@pytest.mark.parametrize("modifier", MODIFIERS, ids=[m.__name__ for m in MODIFIERS])
def test_each_fault_in_strict_mode(modifier, suite_runs):
    run = suite_runs[modifier.__name__]
    assert run.returncode == ExitCode.CHECK_FAILED, f"{modifier.__name__}:\n{run.output[-3000:]}"
    assert cause_is(run, modifier), (
        f"{modifier.__name__}: no failure headed 'Rule broken: {modifier.rule}'; "
        f"causes: {causes(run.junit)}\n{run.output[-3000:]}"
    )
