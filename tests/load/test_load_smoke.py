"""Short real Locust runs against a live mock: gates, loss check, exit codes.

Locust monkey-patches the standard library through gevent, so every run is a
subprocess; the mock is the shared ``live_mock`` fixture (a real port).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from load_tests.slo import EXIT_GATE_FAILED
from tests.conftest import DEMO_KEY

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
#: Hard bound on any one run (its own --run-time plus start and shutdown).
RUN_TIMEOUT_S = 45

pytestmark = pytest.mark.slow


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VOXAI_", "LOCUST_"))}
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S
    )


def voxai_load(live_mock, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run(
        [
            str(BIN / "voxai-load"),
            "--host", live_mock.base_url,
            "--api-key", DEMO_KEY,
            "--report-dir", str(tmp_path / "reports"),
            "--preset", "smoke",
            *extra,
        ],
        cwd=tmp_path,
    )  # fmt: skip


def output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def test_smoke_against_the_mock_passes_gates_and_loss_check(live_mock, tmp_path):
    result = voxai_load(
        live_mock, tmp_path, "--scenario", "mixed", "-u", "8", "-t", "8s",
        "--token-interval", "0.1", "--loss-check", "--min-entries-per-s", "5",
    )  # fmt: skip
    text = output(result)
    assert result.returncode == 0, text
    assert "SLO gate p95_latency PASS" in text
    assert "SLO gate min_entries_rate PASS" in text
    assert "loss check PASS" in text
    acknowledged = int(text.split("loss check PASS: ")[1].split(" entries acknowledged")[0])
    assert acknowledged > 0
    assert f"{acknowledged} stored by the target" in text
    reports = list((tmp_path / "reports").iterdir())
    assert any(p.name.endswith("_stats.csv") for p in reports)
    assert any(p.name.endswith(".html") for p in reports)
    entries_csv = next(p for p in reports if p.name.endswith("_transcript_entries.csv"))
    with entries_csv.open(newline="") as fh:
        entries = next(csv.DictReader(fh))
    # The entries figure of its own counts exactly what the loss check compared.
    assert int(entries["Acknowledged entries"]) == acknowledged
    assert float(entries["Entries/s"]) >= 5
    # The key is a secret: not in the logs, not in any report.
    assert DEMO_KEY not in text
    for report in reports:
        assert DEMO_KEY not in report.read_text(errors="replace"), report.name


def test_injected_latency_fails_the_latency_gate(live_mock, tmp_path):
    live_mock.set_fault("addTranscriptEntry", latency_ms=300)
    result = voxai_load(
        live_mock, tmp_path, "--scenario", "transcript", "-u", "6", "-t", "5s",
        "--entry-interval", "0", "--p95-ms", "150", "--p99-ms", "5000",
    )  # fmt: skip
    text = output(result)
    assert result.returncode == EXIT_GATE_FAILED, text
    assert "SLO gate p95_latency FAIL" in text
    assert "SLO gate failure_ratio PASS" in text
    assert "FAIL: an SLO gate was breached" in text


def test_injected_errors_fail_the_failure_ratio_gate(live_mock, tmp_path):
    live_mock.set_fault("addTranscriptEntry", status=503, error_rate=0.5)
    result = voxai_load(
        live_mock, tmp_path, "--scenario", "transcript", "-u", "6", "-t", "5s",
        "--entry-interval", "0.05", "--loss-check",
    )  # fmt: skip
    text = output(result)
    assert result.returncode == EXIT_GATE_FAILED, text
    assert "SLO gate failure_ratio FAIL" in text
    assert "SLO gate p95_latency PASS" in text
    # Refused entries were neither acknowledged nor stored: nothing was lost.
    assert "loss check PASS" in text


def test_worker_ledgers_reach_the_master_with_two_processes(live_mock, tmp_path):
    result = voxai_load(
        live_mock, tmp_path, "--scenario", "transcript", "-u", "6", "-t", "6s",
        "--entry-interval", "0.05", "--processes", "2", "--loss-check",
    )  # fmt: skip
    text = output(result)
    assert result.returncode == 0, text
    assert "loss check PASS" in text
    acknowledged = int(text.split("loss check PASS: ")[1].split(" entries acknowledged")[0])
    assert acknowledged > 0


def test_plain_locust_headless_works(live_mock, tmp_path):
    result = run(
        [
            str(BIN / "locust"),
            "-f", str(REPO / "load_tests" / "locustfile.py"),
            "--headless", "-H", live_mock.base_url, "--api-key", DEMO_KEY,
            "-u", "4", "-r", "4", "-t", "3s", "--only-summary",
            "--slo-max-fail-ratio", "0", "TokenUser",
        ],
        cwd=tmp_path,
    )  # fmt: skip
    text = output(result)
    assert result.returncode == 0, text
    assert "/api/v1/token" in text
    assert "SLO gate failure_ratio PASS" in text
