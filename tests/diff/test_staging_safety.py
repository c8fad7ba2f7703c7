"""voxai-diff is safe on a shared staging and keeps secrets out of everything it writes."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import DEMO_KEY
from tests.diff.targets import SILENT, FirstEndRefused, LeaksKeyIntoErrorCode


def _journal(mock) -> list[dict]:
    return [e for e in mock.state.requests() if not e["path"].startswith("/__mock/")]


def test_read_only_sends_nothing_but_get(make_live_mock, run_diff):
    reference, target = make_live_mock(), make_live_mock()

    run = run_diff(reference, target, "--read-only")

    assert run.exit_code == 0, run.output
    for mock in (reference, target):
        sent = _journal(mock)
        assert sent and {e["method"] for e in sent} == {"GET"}
    assert run.doc["read_only"] is True
    assert set(run.doc["operations"]) == {
        "listAgents",
        "listAgentTools",
        "listRooms",
        "listRoomParticipants",
        "getUsage",
        "getProviderSecrets",
    }


@pytest.mark.parametrize("allow", [False, True], ids=["default", "allow-agent-dispatch"])
def test_token_requests_carry_no_agent_unless_dispatch_is_allowed(make_live_mock, run_diff, allow):
    reference, target = make_live_mock(), make_live_mock()

    run = run_diff(reference, target, *(["--allow-agent-dispatch"] if allow else []))

    assert run.exit_code == 0, run.output
    for mock in (reference, target):
        bodies = [e["request_body"] for e in _journal(mock) if e["operation_id"] == "createToken"]
        assert bodies
        assert all(("no_agent" in body) is not allow for body in bodies), bodies


def test_rooms_and_sessions_are_run_unique_and_ended_at_teardown(make_live_mock, run_diff):
    reference, target = make_live_mock(), make_live_mock(wrap=FirstEndRefused().wrap)

    run = run_diff(reference, target, "--run-prefix", "dfx-safety-")

    for mock in (reference, target):
        state = requests.get(f"{mock.base_url}/__mock/state", timeout=5).json()
        sessions = [s["session"] for s in state["sessions"]]
        created = [s for s in sessions if "dfx-safety-" in s["room_name"]]
        assert created, sessions
        assert {s["status"] for s in created} == {"completed"}, created
        assert all("dfx-safety-" in r["name"] for r in state["rooms"] if r["project_id"] == 1)
    # The target's end was refused, so the run's own end case differs and teardown ended it.
    assert run.row("endSession", "ok", "status", "status")["verdict"] == "docs decide"
    assert "target: session ended at teardown" in (run.report_dir / "diff.md").read_text()


def test_secrets_never_reach_console_or_reports(make_live_mock, run_diff):
    reference = make_live_mock()
    target = make_live_mock(wrap=LeaksKeyIntoErrorCode().wrap)
    secrets = requests.get(
        f"{reference.base_url}/api/v1/projects/1/secrets/openai",
        headers={"X-API-Key": DEMO_KEY},
        timeout=5,
    ).json()["secrets"]
    known = [DEMO_KEY, *secrets.values()]

    run = run_diff(reference, target)

    # The leaked key went through the report (an error code that differs by value)...
    leaked = run.row("listAgentTools", "unknown_agent", "$.error", "enum_value")
    assert leaked is not None and leaked["verdict"] == SILENT
    assert "[Filtered]" in leaked["target"]
    # ...and no artifact holds a key or a secret value.
    artifacts = {
        "console": run.output,
        "diff.md": (run.report_dir / "diff.md").read_text(),
        "diff.json": (run.report_dir / "diff.json").read_text(),
    }
    for name, text in artifacts.items():
        for value in known:
            assert value not in text, f"{name} shows a secret"
