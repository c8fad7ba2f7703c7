"""SLO gates, the watchdog's diagnosis and the voxai-load command line, without Locust."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from load_tests import cli, monitor, options, slo
from load_tests.slo import Conformance, EntriesFigure, GateSpec, PathFigures, evaluate, parse_gate
from openapi import operation
from openapi.exit_codes import ExitCode

TRANSCRIPT = operation("addTranscriptEntry").path
TOKEN = operation("createToken").path
#: Every gate on, aggregate only.
ALL = [
    *parse_gate("p95_ms", ["100"]),
    *parse_gate("p99_ms", ["200"]),
    *parse_gate("max_fail_ratio", ["0.01"]),
    *parse_gate("min_rps", ["100"]),
    *parse_gate("min_entries_per_s", ["50"]),
    *parse_gate("max_violations", ["0"]),
]
HEALTHY = PathFigures(requests=1000, failures=0, p95_ms=40.0, p99_ms=90.0, rps=500.0)
ENTRIES = EntriesFigure(acked=800, rate=80.0, offered=85.0)
CLEAN = Conformance(validated=12, violations=0)


def judge(paths=None, entries=ENTRIES, conformance=CLEAN, specs=ALL, min_samples=100):
    results = evaluate(
        specs,
        paths or {None: HEALTHY},
        entries=entries,
        conformance=conformance,
        min_samples=min_samples,
    )
    return {r.gate: r for r in results}


def failed(results) -> list[str]:
    return [name for name, r in results.items() if not r.passed]


def test_healthy_run_passes_every_gate():
    results = judge()
    assert list(results) == [
        "p95_latency", "p99_latency", "failure_ratio", "min_throughput", "min_entries_rate",
        "conformance",
    ]  # fmt: skip
    assert failed(results) == []


@pytest.mark.parametrize(
    ("breach", "gate"),
    [
        ({"paths": {None: PathFigures(1000, 0, 150.0, 90.0, 500.0)}}, "p95_latency"),
        ({"paths": {None: PathFigures(1000, 0, 40.0, 250.0, 500.0)}}, "p99_latency"),
        ({"paths": {None: PathFigures(1000, 200, 40.0, 90.0, 500.0)}}, "failure_ratio"),
        ({"paths": {None: PathFigures(1000, 0, 40.0, 90.0, 10.0)}}, "min_throughput"),
        ({"entries": EntriesFigure(800, 10.0, 85.0)}, "min_entries_rate"),
        ({"conformance": Conformance(12, 1, {"createToken 200: body: 'room'": 1})}, "conformance"),
    ],
)
def test_each_breach_fails_exactly_its_gate_and_names_it(breach, gate):
    results = judge(**breach)
    assert failed(results) == [gate]
    assert results[gate].line().startswith(f"SLO gate {gate} FAIL: measured")


@pytest.mark.parametrize(
    ("thin", "gate"),
    [
        ({"paths": {None: PathFigures(99, 0, 40.0, 90.0, 500.0)}}, "p95_latency"),
        ({"paths": {None: PathFigures(99, 0, 40.0, 90.0, 500.0)}}, "p99_latency"),
        ({"paths": {None: PathFigures(99, 0, 40.0, 90.0, 500.0)}}, "failure_ratio"),
        ({"paths": {None: PathFigures(99, 0, 40.0, 90.0, 500.0)}}, "min_throughput"),
        ({"entries": EntriesFigure(99, 80.0, 85.0)}, "min_entries_rate"),
        ({"conformance": Conformance(validated=0)}, "conformance"),
    ],
)
def test_each_gate_fails_with_not_enough_data_below_its_minimum_sample(thin, gate):
    results = judge(**thin)
    assert not results[gate].passed
    assert "not enough data" in results[gate].line()
    # The same figures with the minimum lowered are judged on their values (and pass),
    # except conformance, which needs one validated response whatever the minimum.
    if gate != "conformance":
        assert judge(**thin, min_samples=99)[gate].passed


def test_failed_requests_are_no_data_for_latency_and_throughput():
    refused = {None: PathFigures(requests=500, failures=500, p95_ms=2.0, p99_ms=3.0, rps=90.0)}
    results = judge(paths=refused)
    for gate in ("p95_latency", "p99_latency", "min_throughput"):
        assert "not enough data: 0 samples" in results[gate].line(), gate
    assert results["failure_ratio"].measured == 1.0


def test_per_path_gate_judges_that_path_alone():
    specs = parse_gate("p95_ms", ["transcript=100,token=100"])
    assert [s.name for s in specs] == [
        "p95_latency",
        "p95_latency[transcript]",
        "p95_latency[token]",
    ]
    paths = {
        None: PathFigures(2000, 0, 90.0, 200.0, 500.0),
        TRANSCRIPT: PathFigures(1000, 0, 180.0, 300.0, 250.0),
        TOKEN: PathFigures(1000, 0, 8.0, 12.0, 250.0),
    }
    results = judge(paths=paths, specs=specs)
    assert failed(results) == ["p95_latency[transcript]"]
    assert results["p95_latency"].limit == slo.DEFAULTS["p95_ms"]
    assert results["p95_latency[transcript]"].path == TRANSCRIPT


def test_a_path_with_no_requests_has_not_enough_data():
    results = judge(specs=parse_gate("p99_ms", ["off", "end=50"]))
    assert list(results) == ["p99_latency[end]"]
    assert (
        "not enough data: 0 samples on /api/v1/sessions/{roomName}/end"
        in results["p99_latency[end]"].line()
    )


@pytest.mark.parametrize(
    "name", ["transcript", "addTranscriptEntry", "addtranscriptentry", TRANSCRIPT]
)
def test_a_path_can_be_named_by_alias_operation_id_or_spec_path(name):
    (spec,) = parse_gate("p95_ms", ["off", f"{name}=150"])
    assert spec == GateSpec("p95_ms", 150.0, TRANSCRIPT, "transcript")


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("p95_ms", "lobby=100", "unknown path 'lobby'"),
        ("p95_ms", "fast", "is not LIMIT or PATH=LIMIT"),
        ("min_entries_per_s", "transcript=5", "takes no PATH="),
        ("max_fail_ratio", "-1", "at least 0"),
    ],
)
def test_bad_gate_values_are_refused_with_the_reason(kind, value, message):
    with pytest.raises(ValueError, match=message):
        parse_gate(kind, [value])


def test_entries_gate_above_the_offered_load_says_it_cannot_pass():
    result = judge(entries=EntriesFigure(800, 34.0, offered=34.3), specs=ALL)["min_entries_rate"]
    assert not result.passed
    assert "offered 34.3 entries/s, achieved 34.0" in result.line()
    assert "offered load is below the limit" in result.line()


@pytest.mark.parametrize(
    ("achieved", "limiter"), [(84.0, "the generator's pace"), (60.0, "the target")]
)
def test_entries_gate_says_which_limited_the_figure(achieved, limiter):
    result = judge(entries=EntriesFigure(800, achieved, offered=85.0))["min_entries_rate"]
    assert result.passed
    assert f"{limiter} limited the figure" in result.line()


@pytest.mark.parametrize(
    ("errors", "code", "words"),
    [
        (["createToken: connection refused by 127.0.0.1:9"], ExitCode.TARGET_UNREACHABLE,
         "connection refused by 127.0.0.1:9"),
        (["createToken: DNS lookup failed for nowhere.invalid"], ExitCode.TARGET_UNREACHABLE,
         "DNS lookup failed"),
        (["createToken: received 401, documented 200 (key refused)"], ExitCode.KEY_REFUSED,
         "answered 401 to X-API-Key"),
        (["createToken: received 503, documented 200"], ExitCode.CHECK_FAILED,
         "every request failed: createToken: received 503"),
    ],
)  # fmt: skip
def test_watchdog_names_the_cause_with_the_kits_exit_code(errors, code, words):
    abort = monitor.diagnose([(e, 40) for e in errors], failed=40, seconds=2.0)
    assert abort.code == code
    assert words in abort.line


@pytest.mark.parametrize(
    ("text", "seconds"), [("20", 20), ("20s", 20), ("5m", 300), ("1h30m", 5400)]
)
def test_durations_parse_like_locust_run_time(text, seconds):
    assert cli.parse_duration(text) == seconds


def test_locust_command_is_bounded_and_never_carries_the_key():
    shared = {"api_key": "vx_secret_k", "loss_check": True, "p95_ms": ("transcript=150",)}
    cmd = cli.build_locust_command(
        host="http://127.0.0.1:8080",
        scenario="transcript",
        users=5,
        run_time=15,
        processes=2,
        shared=shared,
    )
    assert cmd[cmd.index("--run-time") + 1] == "15s"
    assert cmd[cmd.index("--processes") + 1] == "2"
    assert cmd[cmd.index("--p95-ms") + 1] == "transcript=150"
    assert "--loss-check" in cmd and "--min-entries-per-s" not in cmd
    assert cmd[-1] == "TranscriptUser"
    assert "vx_secret_k" not in cmd and "--api-key" not in cmd


def test_voxai_load_has_help_with_an_example_and_the_exit_codes():
    result = CliRunner().invoke(cli.main, ["--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "--api-key" in result.output
    assert "3  target unreachable" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scenario", "token", "--loss-check"], "--loss-check needs transcript users"),
        (["--run-time", "48h"], "a run lasts between"),
        (["--p95-ms", "lobby=100"], "unknown path 'lobby'"),
        (["--validate-share", "2"], "not in the range 0<=x<=1"),
        (["--mix", "token=1,robots=2"], "not token=N or transcript=N"),
    ],
)
def test_bad_usage_exits_2_before_anything_is_sent(args, message):
    result = CliRunner().invoke(cli.main, ["--host", "http://127.0.0.1:9", "--api-key", "k", *args])
    assert result.exit_code == ExitCode.USAGE
    assert message in result.output


PARSER_PROBE = """
import json
import locust.argument_parser as ap
import load_tests.locustfile  # registers its options on Locust's parser, as `locust -f` does
parser = ap.get_parser()
print(json.dumps({a.option_strings[-1]: [a.env_var, a.help] for a in parser._actions
                  if a.option_strings}))
"""


def test_every_shared_option_has_one_name_in_voxai_load_and_the_locustfile():
    """Same flag, env var and help in voxai-load and in the parser Locust builds."""
    probe = subprocess.run(
        [sys.executable, "-c", PARSER_PROBE], capture_output=True, text=True, timeout=60
    )
    assert probe.returncode == 0, probe.stderr
    locust_options = json.loads(probe.stdout)
    click_help = " ".join(CliRunner().invoke(cli.main, ["--help"]).output.split())
    for option in options.SHARED:
        assert locust_options[option.flag] == [option.envvar, option.help], option.flag
        if option.dest != "report_prefix":  # voxai-load sets it from --report-dir
            assert option.flag in click_help and option.envvar in click_help, option.flag


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
    assert tuple(ticks) == options.PRESET_NAMES
    for name, series in ticks.items():
        assert series[-2:] == [None, None], name  # at and after the limit: stop
        assert all(t is not None for t in series[:-2]), name
    assert [t[0] for t in ticks["ramp"][:-2]] == [2, 2, 4, 6, 8, 10]
    assert {t[0] for t in ticks["smoke"][:-2]} == {10}
    assert {t[0] for t in ticks["soak"][:-2]} == {10}


def test_offered_load_follows_from_users_calls_and_cadence():
    # 10 users, 12 entries per call, a step every 0.25 s: 10 × 12 / (14 × 0.25) entries/s.
    assert slo.offered_entries_per_s(10, 12, 0.25) == pytest.approx(34.2857, rel=1e-4)
    assert slo.offered_entries_per_s(10, 12, 0.0) is None


def test_measured_mix_states_shares_and_tokens_per_entry():
    from load_tests.report import measured_mix, mix_line

    mix = measured_mix({TOKEN: 30, TRANSCRIPT: 60, "/api/v1/sessions": 10}, {"TokenUser": 2.0})
    assert mix["shares"] == {"token": 0.3, "transcript": 0.6, "session": 0.1}
    assert mix["tokens_per_entry"] == 0.5
    assert mix_line(mix).startswith("mix measured: token 30%, transcript 60%, session 10%")
