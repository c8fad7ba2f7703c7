"""Meta-tests, default mode (the mode CI runs against staging): red on every broken
guarantee with its rule as the cause, green with a named warning on every broken
assumption; green on a target that differs only where the docs are silent; read-only
sends only GET; a refused key stops the run at once.
"""

from __future__ import annotations

import re

import pytest

from contract_tests.checks import CUSTOM_CHECKS
from contract_tests.rules import GUARANTEED_CHECKS, RULES
from openapi.exit_codes import ExitCode
from tests.contract.faulty_targets import (
    MODIFIERS,
    STATEFUL,
    STATEFUL_OPTIONS,
    CorrectButDifferent,
    Modifier,
)
from tests.contract.meta_runs import SuiteRun, cause_is, causes, expected_assumption, run_all
from tests.contract.runner import FULL_RUN_OPTIONS


@pytest.fixture(scope="module")
def suite_runs(tmp_path_factory) -> dict[str, SuiteRun]:
    """Each modifier in default mode, the correct-but-different target, read-only and
    wrong-key runs, and the stateful control."""
    jobs: dict[str, dict] = {
        cls.__name__: dict(
            modifier=cls(), options=cls.extra_options, select=cls.select, strict=False
        )
        for cls in MODIFIERS
    }
    jobs["CorrectButDifferent"] = dict(
        modifier=CorrectButDifferent(),
        options=(*FULL_RUN_OPTIONS, "--allow-agent-dispatch"),
        strict=False,
    )
    jobs["ReadOnly"] = dict(
        modifier=Modifier(), options=("--read-only",), strict=False, journal=True
    )
    for mode, options in (("default", ()), ("read-only", ("--read-only",))):
        jobs[f"WrongKey-{mode}"] = dict(
            modifier=Modifier(), options=options, strict=False, api_key="vx_wrong_key", journal=True
        )
    # The control of NewSessionMissingFromTranscriptLink: its focused run, on the mock.
    jobs["StatefulOnTheMock"] = dict(
        modifier=Modifier(), options=STATEFUL_OPTIONS, select=STATEFUL, strict=False
    )
    return run_all(jobs, tmp_path_factory)


@pytest.mark.slow
@pytest.mark.parametrize("modifier", MODIFIERS, ids=[m.__name__ for m in MODIFIERS])
def test_each_fault_in_default_mode(modifier, suite_runs):
    run = suite_runs[modifier.__name__]
    assumption = expected_assumption(modifier)
    if assumption:
        # Not a documented guarantee: default mode stays green, naming the assumption.
        assert run.returncode == 0, f"{modifier.__name__}:\n{run.output[-3000:]}"
        assert f"rests on assumption {assumption}:" in run.output, run.output[-3000:]
        assert "assumption_warning" in run.junit
        return
    assert run.returncode == ExitCode.CHECK_FAILED, f"{modifier.__name__}:\n{run.output[-3000:]}"
    assert cause_is(run, modifier), (
        f"{modifier.__name__}: no failure headed 'Rule broken: {modifier.rule}'; "
        f"causes: {causes(run.junit)}\n{run.output[-3000:]}"
    )


def test_every_rule_and_custom_check_is_the_cause_of_a_fault():
    caught = {m.rule for m in MODIFIERS}
    assert set(RULES) - caught == set()
    assert set(GUARANTEED_CHECKS) - caught == set()
    in_properties = {m.rule for m in MODIFIERS if m.cause_in}
    assert {check.__name__ for check in CUSTOM_CHECKS} - in_properties == set()


@pytest.mark.slow
def test_correct_but_different_target_stays_green(suite_runs):
    run = suite_runs["CorrectButDifferent"]
    assert run.returncode == 0, run.output[-5000:]
    assert "failed" not in run.output.splitlines()[-1]
    # It did differ: the suite saw the differences and named their assumptions.
    for pointer in (
        "/components/responses/Unauthorized",
        "/paths/~1api~1v1~1knowledge~1search/post/responses/200",
    ):
        assert f"rests on assumption {pointer}:" in run.output


@pytest.mark.slow
def test_read_only_sends_nothing_but_safe_methods(suite_runs):
    run = suite_runs["ReadOnly"]
    assert run.returncode == 0, run.output[-3000:]
    assert run.journal and set(run.journal) <= {"GET", "HEAD", "OPTIONS"}, set(run.journal)
    assert re.search(r"createToken +POST /api/v1/token +not exercised \(read-only\)", run.output)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["default", "read-only"])
def test_refused_key_stops_the_run_at_once(mode, suite_runs):
    run = suite_runs[f"WrongKey-{mode}"]
    assert run.returncode == ExitCode.KEY_REFUSED, run.output[-3000:]
    assert run.journal == ["GET"], run.journal  # the preflight, and nothing after it
    assert not run.junit  # pytest never started
    refused = [line for line in run.output.splitlines() if "was refused by" in line]
    assert len(refused) == 1 and "401" in refused[0], run.output
    assert "vx_wrong_key" not in run.output


@pytest.mark.slow
def test_stateful_links_stay_green_on_the_unbroken_mock(suite_runs):
    # Without this NewSessionMissingFromTranscriptLink could pass on a stateful test
    # that is always red; green here means its red comes from the fault.
    run = suite_runs["StatefulOnTheMock"]
    assert run.returncode == 0, run.output[-3000:]
    assert "1 passed" in run.output
    assert "=failed" not in run.output
    # The link the lagging modifier breaks was followed, and held.
    assert re.search(r"POST /api/v1/sessions/\{roomName\}/transcript +ok", run.output)
