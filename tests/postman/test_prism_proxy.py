"""newman through Stoplight Prism's validation proxy (``prism proxy --errors``) in front of
the mock: every request and response of the run, webhooks included, checked against the
spec by a validator that shares no code with the kit.

Prism (pinned in ``postman/package.json``) answers a request or response that breaks
the spec with its own error (422, 401 or 500, ``application/problem+json``), lists the
breaks in an ``sl-violations`` header, and logs them. A spec violation is counted from
both newman's JSON report (that header) and Prism's log.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from openapi import spec_path
from tests.conftest import start_live_mock
from tests.postman.broken_targets import summary
from tests.postman.helpers import failed_assertions, run_newman, tool
from tests.served import free_port, wait_for_port

DEMO_KEY = "vx_demo_key"
#: Prism's log marks violations and the errors it answers with these.
VIOLATION_LINE = re.compile(r"Violation|✖|⚠")


class PrismProxy:
    """``prism proxy --errors`` on 127.0.0.1, logging to a file (started by this test only)."""

    def __init__(self, upstream: str, log: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log
        argv = [
            str(tool("prism")), "proxy", str(spec_path()), upstream, "--errors",
            "--host", "127.0.0.1", "--port", str(self.port),
        ]  # fmt: skip
        with log.open("w") as out:
            self.process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for_port(self.port, deadline_s=60, process=self.process)
        except RuntimeError as exc:
            self.stop()
            pytest.fail(f"prism: {exc}: {self.log.read_text()[-2000:]}")

    def lines(self) -> list[str]:
        return self.log.read_text(encoding="utf-8", errors="replace").splitlines()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    """(mock, Prism in front of it); both stopped at the end of the module."""
    mock = start_live_mock()
    prism = PrismProxy(mock.base_url, tmp_path_factory.mktemp("prism") / "prism.log")
    yield mock, prism
    prism.stop()
    mock.stop()


def _violations(report, prism, since: int) -> list[str]:
    found = []
    for execution in report["run"]["executions"]:
        for header in (execution.get("response") or {}).get("header", []):
            if header["key"].lower() == "sl-violations":
                found.append(f"{execution['item']['name']}: {header['value']}")
    found += [line for line in prism.lines()[since:] if VIOLATION_LINE.search(line)]
    return found


def test_newman_through_prism_validation_proxy_is_green_with_webhooks(proxied, tmp_path):
    mock, prism = proxied
    mock.reset()
    since = len(prism.lines())
    report, output = run_newman(prism.base_url, DEMO_KEY, tmp_path / "report.json")
    stats = report["run"]["stats"]
    assert stats["requests"]["failed"] == 0, output
    assert stats["assertions"]["failed"] == 0 and failed_assertions(report) == [], output
    assert _violations(report, prism, since) == []
    # Every request went through Prism to the mock, the webhook events included.
    executions = report["run"]["executions"]
    forwarded = [line for line in prism.lines()[since:] if "Forwarding" in line]
    journal = [r for r in mock.state.requests() if not r["path"].startswith("/__mock/")]
    assert len(forwarded) == len(executions) == len(journal)
    webhooks = [e for e in executions if e["request"]["url"]["path"] == ["webhooks", "livekit"]]
    # room_started, joined, unsigned, forged, left, joined again (a redelivery), finished
    assert [e["response"]["code"] for e in webhooks] == [200, 200, 401, 401, 200, 200, 200]
    assert mock.violations == []
    # After the run, the mock's own state shows the webhooks' effects.
    state = mock.http.get(f"{mock.base_url}/__mock/state").json()
    (session,) = state["sessions"]
    room = session["session"]["room_name"]
    assert room not in {r["fullName"] for r in state["rooms"]}, "room_finished applied"
    calls = mock.calls_to("/webhooks/livekit", "POST")
    assert [c["status"] for c in calls] == [200, 200, 401, 401, 200, 200, 200]


def test_prism_reports_a_response_that_breaks_the_spec(proxied, tmp_path):
    # Proves the zero above can fail: GET /rooms loses a required field.
    mock, prism = proxied
    mock.reset()
    mock.set_fault("listRooms", drop_field="rooms.0.fullName")
    since = len(prism.lines())
    try:
        # Tokens makes a room for GET /rooms to list; the rest of the run is not needed.
        report, output = run_newman(
            prism.base_url, DEMO_KEY, tmp_path / "report.json", folders=("Tokens", "Rooms")
        )
    finally:
        mock.clear_faults()
    violations = _violations(report, prism, since)
    assert any("fullName" in v for v in violations), violations
    assert {item for item, _ in failed_assertions(report)} == {summary("listRooms")}, output
