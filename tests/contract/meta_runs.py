"""The meta-tests' machinery: serve a (broken) target, run the suite at it, read the cause.

Each modifier of :mod:`tests.contract.faulty_targets` breaks the mock one way. The
meta-test files (one per mode, so that pytest-xdist runs them side by side) serve each
in its own forked process, run the focused part of the suite that covers it as a user
would (a subprocess), and read the cause from the JUnit headline.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import requests

from contract_tests.rules import RULES
from tests.conftest import start_live_mock
from tests.contract.runner import SuiteRun, causes, run_suite

#: Suite runs at a time per meta-test file (two files run side by side under xdist).
PARALLEL_RUNS = 3
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


def journal_methods(base_url: str) -> list[str]:
    journal = requests.get(f"{base_url}/__mock/requests", params={"limit": 1000}, timeout=10)
    return [entry["method"] for entry in journal.json()["requests"]]


def run_against(modifier, journal: bool = False, **job) -> SuiteRun:
    """Serve ``modifier`` in a fresh process, run the suite against it, stop it."""
    served = ServedTarget(modifier)
    try:
        run = run_suite(served.base_url, **job)
        if journal:
            run.journal = journal_methods(served.base_url)
        return run
    finally:
        served.stop()


def expected_assumption(modifier) -> str | None:
    """The assumption a modifier's rule rests on (``None``: a documented guarantee)."""
    if "assumption" in vars(modifier) or modifier.rule not in RULES:
        return modifier.assumption
    return RULES[modifier.rule].assumption


def run_all(jobs: dict[str, dict], tmp_path_factory) -> dict[str, SuiteRun]:
    """Run every job (``modifier=``, ``journal=`` and :func:`run_suite`'s options)."""
    with ThreadPoolExecutor(PARALLEL_RUNS) as pool:
        futures = {
            name: pool.submit(run_against, **job, tmp_path=tmp_path_factory.mktemp(name))
            for name, job in jobs.items()
        }
        return {name: future.result() for name, future in futures.items()}


def cause_is(run: SuiteRun, modifier) -> bool:
    """The modifier's rule heads a failure (in a property test, for a custom check)."""
    return any(
        modifier.rule in rules and (not modifier.cause_in or modifier.cause_in in testcase)
        for testcase, rules in causes(run.junit).items()
    )
