"""SLO gates and the voxai-load command line, without running Locust."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from load_tests import cli, slo
from load_tests.slo import Gates, evaluate

HEALTHY = {"p95_ms": 40.0, "p99_ms": 90.0, "fail_ratio": 0.0, "rps": 500.0, "entries_per_s": 80.0}
ALL_GATES = Gates(p95_ms=100, p99_ms=200, max_fail_ratio=0.01, min_rps=100, min_entries_per_s=50)


def failed(results) -> list[str]:
    return [r.gate for r in results if not r.passed]


def test_healthy_run_passes_every_gate():
    results = evaluate(ALL_GATES, **HEALTHY)
    assert [r.gate for r in results] == [
        "p95_latency", "p99_latency", "failure_ratio", "min_throughput", "min_entries_rate",
    ]  # fmt: skip
    assert failed(results) == []


@pytest.mark.parametrize(
    ("breach", "gate"),
    [
        ({"p95_ms": 150.0}, "p95_latency"),
        ({"p99_ms": 250.0}, "p99_latency"),
        ({"fail_ratio": 0.2}, "failure_ratio"),
        ({"rps": 10.0}, "min_throughput"),
        ({"entries_per_s": 1.0}, "min_entries_rate"),
    ],
)
def test_each_breach_fails_exactly_its_gate_and_names_it(breach, gate):
    results = evaluate(ALL_GATES, **{**HEALTHY, **breach})
    assert failed(results) == [gate]
    line = next(r.line() for r in results if r.gate == gate)
    assert line.startswith(f"SLO gate {gate} FAIL")


def test_gates_left_unset_are_not_evaluated():
    assert evaluate(Gates(p95_ms=100), **HEALTHY)[0].gate == "p95_latency"
    assert len(evaluate(Gates(), **HEALTHY)) == 0


def test_run_without_requests_fails_min_throughput():
    class NoRequests:
        num_requests = 0

    assert failed(evaluate(Gates(min_rps=1), **slo.measure(NoRequests()))) == ["min_throughput"]


@pytest.mark.parametrize(
    ("text", "seconds"), [("20", 20), ("20s", 20), ("5m", 300), ("1h30m", 5400)]
)
def test_durations_parse_like_locust_run_time(text, seconds):
    assert cli.parse_duration(text) == seconds


def test_locust_command_is_bounded_and_never_carries_the_key():
    cmd = cli.build_locust_command(
        host="http://127.0.0.1:8080",
        scenario="transcript",
        preset="smoke",
        users=5,
        run_time=15,
        processes=2,
        report_prefix=None,
        options={"--loss-check": True, "--slo-p95-ms": 100.0, "--slo-min-entries-per-s": None},
    )
    assert cmd[cmd.index("--run-time") + 1] == "15s"
    assert cmd[cmd.index("--processes") + 1] == "2"
    assert "--loss-check" in cmd and "--slo-min-entries-per-s" not in cmd
    assert cmd[-1] == "TranscriptUser"
    assert not any("key" in part.lower() for part in cmd)


def test_voxai_load_has_help_with_an_example():
    result = CliRunner().invoke(cli.main, ["--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "--api-key" in result.output


def test_loss_check_needs_transcript_users():
    result = CliRunner().invoke(
        cli.main,
        ["--host", "http://127.0.0.1:9", "--api-key", "k", "--scenario", "token", "--loss-check"],
    )
    assert result.exit_code == 2
    assert "--loss-check needs transcript users" in result.output


def test_run_time_is_bounded():
    result = CliRunner().invoke(
        cli.main, ["--host", "http://127.0.0.1:9", "--api-key", "k", "--run-time", "48h"]
    )
    assert result.exit_code == 2
    assert "a run lasts between" in result.output


SHAPES_PROBE = """
import json
from load_tests.shapes import PRESETS
out = {}
for name, cls in PRESETS.items():
    shape = cls(users=10, time_limit=100)
    ticks = []
    for t in (0, 19, 21, 59, 61, 99, 100, 150):
        shape.get_run_time = lambda t=t: t
        ticks.append(shape.tick())
    out[name] = ticks
print(json.dumps(out))
"""


def test_presets_end_at_their_time_limit_and_ramp_steps_up():
    # Shapes import Locust (gevent patching), so they are probed in a child process.
    probe = subprocess.run(
        [sys.executable, "-c", SHAPES_PROBE], capture_output=True, text=True, timeout=60
    )
    assert probe.returncode == 0, probe.stderr
    ticks = json.loads(probe.stdout)
    for name, series in ticks.items():
        assert series[-2:] == [None, None], name  # at and after the limit: stop
        assert all(t is not None for t in series[:-2]), name
    assert [t[0] for t in ticks["ramp"][:-2]] == [2, 2, 4, 6, 8, 10]
    assert {t[0] for t in ticks["smoke"][:-2]} == {10}
    assert {t[0] for t in ticks["soak"][:-2]} == {10}
