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

from tests.conftest import start_live_mock
from tests.contract.faulty_targets import (
    MODIFIERS,
    STATEFUL,
    STATEFUL_OPTIONS,
    CorrectButDifferent,
    Modifier,
    UsageIgnoresGroupBy,
)
from tests.contract.runner import SuiteRun, run_suite

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


@pytest.fixture(scope="module")
def suite_runs(tmp_path_factory) -> dict[str, SuiteRun]:
    """Every meta run, keyed by name: one per modifier, the correct target, a non-strict run,
    and the focused stateful run against the unbroken mock."""
    targets: list[ServedTarget] = []

    def target(modifier) -> str:
        targets.append(ServedTarget(modifier))
        return targets[-1].base_url

    jobs = {
        cls.__name__: dict(base_url=target(cls()), options=cls.extra_options, select=cls.select)
        for cls in MODIFIERS
    }
    jobs["CorrectButDifferent"] = dict(
        base_url=target(CorrectButDifferent()), options=FULL_RUN_OPTIONS
    )
    jobs["NotStrict"] = dict(
        base_url=target(UsageIgnoresGroupBy()), select=UsageIgnoresGroupBy.select, strict=False
    )
    # The control of NewSessionMissingFromTranscriptLink: its focused run, on the mock.
    jobs["StatefulOnTheMock"] = dict(
        base_url=target(Modifier()), options=STATEFUL_OPTIONS, select=STATEFUL
    )
    try:
        with ThreadPoolExecutor(PARALLEL_RUNS) as pool:
            futures = {
                name: pool.submit(run_suite, **job, tmp_path=tmp_path_factory.mktemp(name))
                for name, job in jobs.items()
            }
            yield {name: future.result() for name, future in futures.items()}
    finally:
        for served in targets:
            served.stop()


@pytest.mark.slow
@pytest.mark.parametrize("modifier", MODIFIERS, ids=[m.__name__ for m in MODIFIERS])
def test_suite_goes_red_and_names_the_rule(modifier, suite_runs):
    run = suite_runs[modifier.__name__]
    assert run.red, f"{modifier.__name__} went unnoticed:\n{run.output[-3000:]}"
    named = f"Rule broken: {modifier.rule}" in run.output
    assert named, f"{modifier.__name__}: no 'Rule broken: {modifier.rule}':\n{run.output[-4000:]}"
    assert f"{modifier.rule}=failed" in run.output  # the per-operation summary line
    assert f"Rule broken: {modifier.rule}" in run.junit


def test_modifiers_cover_at_least_15_kinds_of_fault():
    assert len(MODIFIERS) >= 15
    assert len({m.rule for m in MODIFIERS}) >= 12


@pytest.mark.slow
def test_correct_but_different_target_stays_green(suite_runs):
    run = suite_runs["CorrectButDifferent"]
    assert run.returncode == 0, run.output[-5000:]
    assert " passed" in run.output


@pytest.mark.slow
def test_assumption_failure_only_warns_without_strict(suite_runs):
    run = suite_runs["NotStrict"]
    assert run.returncode == 0, run.output[-3000:]
    assert "assumption warning" in run.output
    assert "/components/schemas/UsageReport" in run.output
    assert "assumption_warning" in run.junit


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
