"""Short real Locust runs against a live mock, judged by the run's own reports.

Locust monkey-patches the standard library through gevent, so every run is a
subprocess; the target is the shared ``live_mock`` fixture (a real port on 127.0.0.1)
or a deliberately broken variant of it. Every run is bounded by its own ``-t`` and by
:data:`RUN_TIMEOUT_S`; nothing here asserts speed.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from openapi import operation
from openapi.exit_codes import ExitCode
from tests.conftest import DEMO_KEY, LiveMock, start_live_mock
from tests.served import free_port

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
#: Hard bound on any one run (its own --run-time plus start and shutdown).
RUN_TIMEOUT_S = 45
TRANSCRIPT = operation("addTranscriptEntry").path
WRONG_KEY = "vx_wrong_key_for_the_test"
#: A run that asks for 120 s must have ended by then: a bound on stopping early, not a
#: speed (four runs start side by side on a shared 2-core machine; alone, the refused
#: connection ends in about 8 s).
EARLY_STOP_BOUND_S = 60

pytestmark = pytest.mark.slow


def run(args: list[str], cwd: Path, timeout: float = RUN_TIMEOUT_S) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VOXAI_", "LOCUST_"))}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def voxai_load(host: str, tmp_path: Path, *extra: str, key: str = DEMO_KEY, timeout=RUN_TIMEOUT_S):
    return run(
        [
            str(BIN / "voxai-load"), "--host", host, "--api-key", key,
            "--report-dir", str(tmp_path / "reports"), "--preset", "smoke", *extra,
        ],
        cwd=tmp_path,
        timeout=timeout,
    )  # fmt: skip


def output(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def summary_of(tmp_path: Path) -> dict:
    (path,) = (tmp_path / "reports").glob("*_summary.json")
    return json.loads(path.read_text())


def gates(summary: dict) -> dict[str, dict]:
    return {g["gate"]: g for g in summary["gates"]}


def assert_no_key_anywhere(text: str, files: list[Path], key: str = DEMO_KEY) -> None:
    assert key not in text
    assert files
    for report in files:
        assert key not in report.read_text(errors="replace"), report.name


def test_smoke_run_shows_progress_and_reports_carry_the_verdict(live_mock, tmp_path):
    result = voxai_load(
        live_mock.base_url, tmp_path, "--scenario", "mixed", "-u", "8", "-t", "5s",
        "--loss-check", "--min-samples", "20", "--progress-interval", "1",
    )  # fmt: skip
    text = output(result)
    assert result.returncode == ExitCode.OK, text
    summary = summary_of(tmp_path)
    run_id = summary["run_id"]
    # Progress: at least three lines before Locust's summary table.
    before_summary = text.split("Aggregated")[0]
    assert len(re.findall(r"voxai\.load: progress ", before_summary)) >= 3, text
    # Every gate held, on enough data; the HTML report carries each verdict.
    assert summary["gates"] and all(g["verdict"] == "PASS" for g in summary["gates"])
    page = (tmp_path / "reports" / f"{run_id}.html").read_text()
    # In the page's body, where a browser shows it (Locust's bundle has "<body" in its JS).
    assert page.count("id='voxai-verdict'") == 1
    assert page.index("id='voxai-verdict'") > page.rindex("</head>")
    for gate in summary["gates"]:
        assert f"<td>{gate['gate']}</td><td>PASS</td>" in page, gate["gate"]
    assert "loss check PASS" in page and "entries/s achieved" in page
    # CSV totals equal the console's summary.
    console = re.search(r"^\s+Aggregated\s+(\d+)\s+(\d+)\(", text, re.MULTILINE)
    assert console, text
    with (tmp_path / "reports" / f"{run_id}_stats.csv").open(newline="") as fh:
        total = next(row for row in csv.DictReader(fh) if row["Name"] == "Aggregated")
    assert (total["Request Count"], total["Failure Count"]) == console.groups()
    assert summary["totals"]["requests"] == int(console.group(1))
    # The loss check compared exactly what the entries figure counted.
    acknowledged = summary["entries"]["acknowledged"]
    assert acknowledged > 0
    assert f"loss check PASS: {acknowledged} entries acknowledged" in text
    # A realistic mix: token users are paced, so tokens do not swamp the calls.
    assert 0 < summary["mix"]["tokens_per_entry"] < 1, summary["mix"]
    assert summary["entries"]["offered_per_s"] > 0
    assert summary["conformance"]["validated"] > 0
    # The target's own state: no agent dispatched, every room and session run-prefixed.
    state = live_mock.http.get(f"{live_mock.base_url}/__mock/state").json()
    assert state["rooms"] and state["sessions"]
    agents = [p for r in state["rooms"] for p in r["participants"] if p["kind"] == "AGENT"]
    assert agents == []
    assert all(r["fullName"].startswith(f"proj_{run_id}-") for r in state["rooms"])
    assert all(s["session"]["room_name"].startswith(f"proj_{run_id}-") for s in state["sessions"])
    assert_no_key_anywhere(text, list((tmp_path / "reports").iterdir()))


def test_per_path_gate_judges_the_transcript_path_alone(live_mock, tmp_path):
    # Entries take at least 200 ms, so their p95 and the aggregate's (entries are 80 % of a
    # call's requests) exceed 190 ms whatever the machine; only the token path can hold 190.
    live_mock.set_fault("addTranscriptEntry", latency_ms=200)
    live_mock.set_fault("endSession", drop_field="transcript_count")
    result = voxai_load(
        live_mock.base_url, tmp_path, "--scenario", "transcript", "-u", "6", "-t", "4s",
        "--entry-interval", "0", "--min-samples", "5",
        "--p95-ms", "transcript=190", "--p95-ms", "token=190",
    )  # fmt: skip
    text = output(result)
    assert result.returncode == ExitCode.CHECK_FAILED, text
    verdicts = gates(summary_of(tmp_path))
    assert verdicts["p95_latency[transcript]"]["verdict"] == "FAIL"
    assert verdicts["p95_latency[transcript]"]["measured"] > 190
    assert verdicts["p95_latency[token]"]["verdict"] == "PASS"
    assert verdicts["p95_latency"]["verdict"] == "PASS"  # the aggregate default, 1000 ms
    # Sampled conformance caught the dropped field, by operation and status.
    assert verdicts["conformance"]["verdict"] == "FAIL"
    assert "endSession 200: body: 'transcript_count' is a required property" in text
    assert re.search(r"voxai-load: FAIL: failed: p95_latency\[transcript\], conformance", text)


@pytest.fixture(scope="module")
def failing_mock() -> Iterator[LiveMock]:
    """A mock whose every token request fails with 503 (so every call fails at its start)."""
    mock = start_live_mock()
    mock.set_fault("createToken", status=503, error_rate=1.0)
    yield mock
    mock.stop()


@pytest.fixture(scope="module")
def early_stops(live_mock_session, failing_mock, tmp_path_factory) -> dict[str, tuple]:
    """Runs that must end early, started side by side (they mostly wait): name → result."""
    port = free_port()  # nothing listens: connections are refused
    plans = {
        # Each asks for 120 s and must end on its own well before: EARLY_STOP_BOUND_S.
        "all_failing": (failing_mock.base_url, DEMO_KEY, ("-t", "120s")),
        "refused": (f"http://127.0.0.1:{port}", DEMO_KEY, ("-t", "120s")),
        "wrong_key": (live_mock_session.base_url, WRONG_KEY, ("-t", "120s")),
        "no_verdict": ("http://127.0.0.1:9", DEMO_KEY, ("-t", "5s", "--", "--list")),
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VOXAI_", "LOCUST_"))}
    started = {}
    for name, (host, key, extra) in plans.items():
        tmp = tmp_path_factory.mktemp(name)
        cmd = [str(BIN / "voxai-load"), "--host", host, "--api-key", key,
               "--report-dir", str(tmp / "reports"), *extra]  # fmt: skip
        started[name] = (subprocess.Popen(cmd, cwd=tmp, env=env, stdout=subprocess.PIPE,
                                          stderr=subprocess.STDOUT, text=True), tmp)  # fmt: skip
    results = {}
    for name, (child, tmp) in started.items():
        try:
            text, _ = child.communicate(timeout=EARLY_STOP_BOUND_S)
        except subprocess.TimeoutExpired:
            child.kill()
            text = (
                child.communicate()[0] + f"\n(still running after {EARLY_STOP_BOUND_S} s: killed)"
            )
        results[name] = (child.returncode, text, tmp)
    return {**results, "port": port}


def test_refused_connection_stops_the_run_early_naming_it(early_stops):
    code, text, tmp = early_stops["refused"]
    port = early_stops["port"]
    assert code == ExitCode.TARGET_UNREACHABLE, text
    assert f"connection refused by 127.0.0.1:{port}" in text
    summary = summary_of(tmp)
    assert summary["cause"].startswith(
        f"target unreachable: connection refused by 127.0.0.1:{port}"
    )
    # No gate passes on answers that never came.
    assert gates(summary)["p95_latency"]["enough_data"] is False


def test_refused_key_exits_4_with_one_clear_line(early_stops):
    code, text, tmp = early_stops["wrong_key"]
    assert code == ExitCode.KEY_REFUSED, text
    assert "API key refused: the target answered 401 to X-API-Key" in text
    assert_no_key_anywhere(text, list((tmp / "reports").iterdir()), key=WRONG_KEY)


def test_target_failing_every_request_stops_the_run_naming_the_failure(early_stops):
    code, text, tmp = early_stops["all_failing"]
    assert code == ExitCode.CHECK_FAILED, text
    cause = summary_of(tmp)["cause"]
    assert cause.startswith("every request failed: "), cause
    assert "received 503" in cause and "run stopped" in cause


def test_locust_stopping_without_a_verdict_is_an_internal_error(early_stops):
    code, text, _tmp = early_stops["no_verdict"]
    assert code == ExitCode.INTERNAL_ERROR, text
    assert "Locust stopped without a verdict" in text


class LosesEveryFifthEntry:
    """Acknowledges every fifth transcript entry with 201 without storing it (a lost write)."""

    def __init__(self, app):
        self.app, self.seen, self.last_body = app, 0, b""

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        if environ["REQUEST_METHOD"] == "POST" and path.endswith("/transcript"):
            self.seen += 1
            if self.seen % 5 == 0 and self.last_body:
                environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
                start_response("201 CREATED", [("Content-Type", "application/json")])
                return [self.last_body]
            captured: list = []

            def keep(status, headers, exc_info=None):
                captured.append(status)
                return start_response(status, headers, exc_info)

            body = b"".join(self.app(environ, keep))
            if captured and captured[0].startswith("201"):
                self.last_body = body
            return [body]
        return self.app(environ, start_response)


def text_of(summary: dict) -> str:
    return summary["loss_check"]["lines"][0]


def test_lost_entries_fail_the_loss_check_with_exit_1(make_live_mock, tmp_path):
    target = make_live_mock(wrap=LosesEveryFifthEntry)
    result = voxai_load(
        target.base_url, tmp_path, "--scenario", "transcript", "-u", "4", "-t", "3s",
        "--entry-interval", "0.05", "--loss-check", "--min-samples", "5",
    )  # fmt: skip
    text = output(result)
    assert result.returncode == ExitCode.CHECK_FAILED, text
    summary = summary_of(tmp_path)
    assert summary["loss_check"]["passed"] is False
    counts = re.match(
        r"loss check FAIL: (\d+) entries acknowledged with 2xx, (\d+) stored", text_of(summary)
    )
    assert counts and int(counts[1]) > int(counts[2]), summary["loss_check"]
    assert "loss check FAIL" in text
    assert summary["cause"] == "failed: loss check"  # every gate held: the loss alone failed
    assert all(g["verdict"] == "PASS" for g in summary["gates"])


def test_plain_locust_dispatches_agents_only_when_asked_and_redacts_reports(live_mock, tmp_path):
    prefix = tmp_path / "plain" / "run"
    result = run(
        [
            str(BIN / "locust"), "-f", str(REPO / "load_tests" / "locustfile.py"),
            "--headless", "-H", live_mock.base_url, "--api-key", DEMO_KEY,
            "-u", "3", "-r", "3", "-t", "3s", "--only-summary", "--quiet",
            "--dispatch-agents", "1", "--min-samples", "5",
            "--report-prefix", str(prefix), "--csv", str(tmp_path / "locust"),
            "--html", str(tmp_path / "locust.html"), "--json-file", str(tmp_path / "locust"),
            "TokenUser",
        ],
        cwd=tmp_path,
    )  # fmt: skip
    text = output(result)
    assert result.returncode == ExitCode.OK, text
    assert "voxai.load: progress" not in text  # --quiet
    state = live_mock.http.get(f"{live_mock.base_url}/__mock/state").json()
    agents = [p for r in state["rooms"] for p in r["participants"] if p["kind"] == "AGENT"]
    assert agents and len(agents) == len(state["rooms"])
    # Locust's own --html gets the verdict section too.
    assert "voxai-load verdict: PASS" in (tmp_path / "locust.html").read_text()
    reports = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.suffix for p in reports} >= {".csv", ".html", ".json"}
    assert_no_key_anywhere(text, reports)


def test_worker_ledgers_reach_the_master_with_two_processes(live_mock, tmp_path):
    result = voxai_load(
        live_mock.base_url, tmp_path, "--scenario", "transcript", "-u", "6", "-t", "4s",
        "--entry-interval", "0.05", "--processes", "2", "--loss-check", "--min-samples", "20",
    )  # fmt: skip
    text = output(result)
    assert result.returncode == ExitCode.OK, text
    summary = summary_of(tmp_path)
    assert summary["loss_check"]["passed"] is True
    assert summary["entries"]["acknowledged"] > 0
    assert summary["conformance"]["validated"] > 0  # the workers' samples reached the master
