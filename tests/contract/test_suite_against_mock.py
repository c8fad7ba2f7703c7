"""The whole suite, strict, against a mock it starts itself: green, safe and fast enough.

This is what ``make test`` runs for the contract suite (the meta-tests prove it can go
red). Every room and session the run leaves behind must carry its run prefix, every
session must be ended, and no agent may have been dispatched.
"""

from __future__ import annotations

import pytest
import requests

from tests.contract.runner import FULL_RUN_OPTIONS, run_suite

#: The budget of the full run in `make test`; README "Contract suite" gives the scaling.
FULL_RUN_MAX_EXAMPLES = 10
FULL_RUN_BUDGET_S = 150
RUN_PREFIX = "ct-make-test-"
OPTIONS = (*FULL_RUN_OPTIONS, "--run-prefix", RUN_PREFIX)


@pytest.mark.slow
def test_full_strict_run_against_the_mock_is_green(make_live_mock, tmp_path):
    target = make_live_mock(validate_responses=False)
    run = run_suite(
        target.base_url, options=OPTIONS, max_examples=FULL_RUN_MAX_EXAMPLES, tmp_path=tmp_path
    )
    assert run.returncode == 0, run.output[-6000:]
    assert run.seconds < FULL_RUN_BUDGET_S, f"the full strict run took {run.seconds:.0f} s"
    assert 'failures="0"' in run.junit

    state = requests.get(f"{target.base_url}/__mock/state", timeout=10).json()
    prefixes = {1: "proj_", 2: "acme_"}
    for room in state["rooms"]:
        assert room["name"].startswith(RUN_PREFIX), f"room {room['fullName']} is not prefixed"
        assert all(p["kind"] != "AGENT" for p in room["participants"]), "an agent was dispatched"
    for item in state["sessions"]:
        session = item["session"]
        expected = prefixes[item["project_id"]] + RUN_PREFIX
        assert session["room_name"].startswith(expected), session["room_name"]
        assert session["status"] == "completed", f"{session['room_name']} left active"


@pytest.mark.slow
def test_read_only_run_creates_nothing(make_live_mock, tmp_path):
    target = make_live_mock(validate_responses=False)
    run = run_suite(
        target.base_url, options=("--read-only", "--run-prefix", RUN_PREFIX), tmp_path=tmp_path
    )
    assert run.returncode == 0, run.output[-4000:]
    state = requests.get(f"{target.base_url}/__mock/state", timeout=10).json()
    assert state["sessions"] == []
    journal = requests.get(f"{target.base_url}/__mock/requests?limit=1000", timeout=10).json()
    methods = {r["method"] for r in journal["requests"] if not r["path"].startswith("/__")}
    assert methods <= {"GET", "HEAD", "OPTIONS"}, methods


@pytest.mark.slow
def test_agent_dispatch_run_against_the_mock_is_green(make_live_mock, tmp_path):
    # With --allow-agent-dispatch the dispatch rules run instead of "not exercised".
    target = make_live_mock(validate_responses=False)
    run = run_suite(
        target.base_url,
        options=("--allow-agent-dispatch", "--run-prefix", RUN_PREFIX),
        select=("test_tokens.py", "-k", "requested_agents"),
        tmp_path=tmp_path,
    )
    assert run.returncode == 0, run.output[-4000:]
    assert "2 passed" in run.output and "check(s) not exercised" not in run.output
    state = requests.get(f"{target.base_url}/__mock/state", timeout=10).json()
    kinds = [p["kind"] for room in state["rooms"] for p in room["participants"]]
    assert kinds.count("AGENT") == 3  # agent_config_id: one; agent_config_ids: two
