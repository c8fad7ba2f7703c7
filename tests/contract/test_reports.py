"""What a staging user reads: per-operation JUnit names, headline-first failures, coverage.

One property run over all 12 operations against a mock whose ``GET /rooms`` fails (a
server error, a guarantee), with ``--junit-xml`` and ``--report-dir``.
"""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest

from openapi import iter_operations
from tests.contract.runner import run_suite

OPERATION_IDS = [op.operation_id for op in iter_operations()]


@pytest.fixture(scope="module")
def faulted_run(tmp_path_factory):
    from tests.conftest import start_live_mock

    target = start_live_mock(check_responses=False)
    target.set_fault("listRooms", status=500)
    tmp_path = tmp_path_factory.mktemp("reports")
    try:
        run = run_suite(
            target.base_url,
            options=("--report-dir", str(tmp_path / "out")),
            select=("test_properties.py",),
            strict=False,
            tmp_path=tmp_path,
        )
    finally:
        target.stop()
    return run, tmp_path / "out"


def _testcases(junit: str) -> list[ElementTree.Element]:
    return list(ElementTree.fromstring(junit).iter("testcase"))


def test_every_property_test_is_named_after_its_operation(faulted_run):
    run, _ = faulted_run
    names = {case.get("name") for case in _testcases(run.junit)}
    assert len(names) >= 12, names
    for operation_id in OPERATION_IDS:
        assert any(f"[{operation_id}]" in name for name in names), operation_id


def test_the_failure_names_its_operation_and_starts_with_the_rule(faulted_run):
    run, _ = faulted_run
    failed = [case for case in _testcases(run.junit) if case.find("failure") is not None]
    assert [case.get("name") for case in failed] == [
        "test_operation_conforms_to_contract[listRooms]"
    ]
    message = failed[0].find("failure").get("message")
    assert message.startswith("Rule broken: not_a_server_error on GET /api/v1/rooms"), message
    assert "test_operation_conforms_to_contract[listRooms]" in run.output  # short summary


def test_coverage_report_names_every_operation_with_statuses_and_enums(faulted_run):
    _, out = faulted_run
    data = json.loads((out / "coverage.json").read_text())
    assert sorted(data["operations"]) == sorted(OPERATION_IDS)
    for operation_id, op in data["operations"].items():
        statuses = op["statuses"]
        assert sorted(statuses["seen"] + statuses["not_seen"]) == statuses["documented"], (
            operation_id
        )
    assert 500 in data["operations"]["listRooms"]["statuses"]["undocumented_seen"]
    agents = data["operations"]["listAgents"]["statuses"]
    assert 200 in agents["seen"]
    usage = data["operations"]["getUsage"]["enums"]
    assert set(usage["period"]["exercised"]) | set(usage["period"]["not_exercised"]) == {
        "today",
        "7d",
        "30d",
        "all",
    }
    assert usage["period"]["exercised"], "the property run sent no documented period"
    verdicts = {entry["quote"]: entry["verdict"] for entry in data["docs_text"]}
    assert verdicts["All requests require an X-API-Key header."] == "not exercised"  # no auth
    # The property run checks no listing rule.
    listing = "Returns all currently active LiveKit rooms for your project."
    assert verdicts[listing] == "not exercised"
    assert set(verdicts.values()) <= {"passed", "failed", "warned", "not exercised"}
    markdown = (out / "coverage.md").read_text()
    assert "| `listRooms` |" in markdown and "## Docs text the rules cite" in markdown


@pytest.mark.parametrize("minimum, code", [(95, 1), (1, 0)])
def test_min_coverage_fails_a_run_that_reached_too_little(minimum, code, tmp_path):
    from tests.conftest import start_live_mock

    target = start_live_mock(check_responses=False)
    try:  # one operation only: far below 95 % of all documented statuses and values
        run = run_suite(
            target.base_url,
            options=("--min-coverage", str(minimum)),
            select=("test_properties.py", "-k", "contract and agents and not tools"),
            strict=False,
            tmp_path=tmp_path,
        )
    finally:
        target.stop()
    assert run.returncode == code, run.output[-3000:]
    assert ("is below --min-coverage 95%" in run.output) == (code == 1)
    assert "documented statuses and enum values exercised:" in run.output
