"""Meta-tests: the contract suite goes red on broken targets and names the broken rule.

Each modifier of :mod:`tests.contract.faulty_targets` breaks the mock one way; the
focused part of the suite that covers it must exit non-zero and print the rule's name
(on the console and in the JUnit file). A target that differs from the mock only where
the docs allow must stay green. The suite runs are subprocesses started together (three
at a time, each target in its own process) so the file stays within its time budget.
"""

from __future__ import annotations

import multiprocessing
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from contract_tests.checks import CUSTOM_CHECKS
from contract_tests.rules import GUARANTEED_CHECKS, RULES
from openapi.exit_codes import ExitCode
from tests.conftest import start_live_mock
from tests.contract.faulty_targets import (
    MODIFIERS,
    STATEFUL,
    STATEFUL_OPTIONS,
    CorrectButDifferent,
    Modifier,
)
from tests.contract.runner import SuiteRun, causes, run_suite

PARALLEL_RUNS = 3
FULL_RUN_OPTIONS = (
    "--second-api-key",
    "vx_acme_key",
    "--livekit-api-key",
    "devkey",
    "--livekit-api-secret",
    "secret",
)
FORK = multiprocessing.get_context("fork")


def _serve(modifier, urls, stop) -> None:
    # validate_responses is off: wrapped targets are broken on purpose, and the mock's
    # own response checks are the mock's tests' business.
    mock = start_live_mock(modifier.wrap, False, validate_responses=False)
    if modifier.fault is not None:
        operation_id, rule = modifier.fault
        mock.set_fault(operation_id, **rule)
    urls.put(mock.base_url)
    stop.wait(600)
    mock.stop()


class ServedTarget:
    """A (possibly broken) mock served by a forked child process.

    One process per target, so the targets of parallel suite runs do not share one GIL.
    """

    def __init__(self, modifier) -> None:
        urls, self.stop_event = FORK.Queue(), FORK.Event()
        self.process = FORK.Process(
            target=_serve, args=(modifier, urls, self.stop_event), daemon=True
        )
        self.process.start()
        self.base_url = urls.get(timeout=30)

    def stop(self) -> None:
        self.stop_event.set()
        self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()


def _journal_methods(base_url: str) -> list[str]:
    journal = requests.get(f"{base_url}/__mock/requests", params={"limit": 1000}, timeout=10)
    return [entry["method"] for entry in journal.json()["requests"]]


def _run_against(modifier, journal: bool = False, **job) -> SuiteRun:
    """Serve ``modifier`` in a fresh process, run the suite against it, stop it."""
    served = ServedTarget(modifier)
    try:
        run = run_suite(served.base_url, **job)
        if journal:
            run.journal = _journal_methods(served.base_url)
        return run
    finally:
        served.stop()


def expected_assumption(modifier) -> str | None:
    """The assumption a modifier's rule rests on (``None``: a documented guarantee)."""
    if "assumption" in vars(modifier) or modifier.rule not in RULES:
        return modifier.assumption
    return RULES[modifier.rule].assumption


@pytest.fixture(scope="module")
def suite_runs(tmp_path_factory) -> dict[str, SuiteRun]:
    """Every meta run, keyed by name: each modifier in default mode and with --strict, the
    correct-but-different target, read-only and wrong-key runs, and the stateful control."""
    jobs: dict[str, dict] = {}
    for cls in MODIFIERS:
        for mode, strict in (("default", False), ("strict", True)):
            jobs[f"{cls.__name__}-{mode}"] = dict(
                modifier=cls(), options=cls.extra_options, select=cls.select, strict=strict
            )
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
    jobs["StatefulOnTheMock"] = dict(modifier=Modifier(), options=STATEFUL_OPTIONS, select=STATEFUL)
    with ThreadPoolExecutor(PARALLEL_RUNS) as pool:
        futures = {
            name: pool.submit(_run_against, **job, tmp_path=tmp_path_factory.mktemp(name))
            for name, job in jobs.items()
        }
        return {name: future.result() for name, future in futures.items()}


def _cause_is(run: SuiteRun, modifier) -> bool:
    """The modifier's rule heads a failure (in a property test, for a custom check)."""
    return any(
        modifier.rule in rules and (not modifier.cause_in or modifier.cause_in in testcase)
        for testcase, rules in causes(run.junit).items()
    )


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["default", "strict"])
@pytest.mark.parametrize("modifier", MODIFIERS, ids=[m.__name__ for m in MODIFIERS])
def test_each_fault_is_caught_by_its_rule(modifier, mode, suite_runs):
    run = suite_runs[f"{modifier.__name__}-{mode}"]
    assumption = expected_assumption(modifier)
    if mode == "default" and assumption:
        # Not a documented guarantee: default mode stays green, naming the assumption.
        assert run.returncode == 0, f"{modifier.__name__}:\n{run.output[-3000:]}"
        assert f"(rests on assumption {assumption}:" in run.output, run.output[-3000:]
        assert "assumption_warning" in run.junit
        return
    assert run.returncode == ExitCode.CHECK_FAILED, f"{modifier.__name__}:\n{run.output[-3000:]}"
    assert _cause_is(run, modifier), (
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
        assert f"(rests on assumption {pointer}:" in run.output


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
