"""``voxai-load``: run the Locust scenarios headless with a preset, SLO gates and reports.

It builds a bounded ``locust --headless`` command for ``load_tests/locustfile.py``
and runs it in a subprocess (Locust's gevent patching stays out of this process).
The API key travels in the child's environment (``VOXAI_API_KEY``), never on its
command line, so it shows neither in ``ps`` nor in Locust's logs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import click

from load_tests import slo
from load_tests.metrics import new_run_id
from openapi.exit_codes import help_epilog

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"

#: --scenario → the Locust user classes it runs.
SCENARIOS = {
    "token": ["TokenUser"],
    "transcript": ["TranscriptUser"],
    "mixed": ["TokenUser", "TranscriptUser"],
}
#: Per preset: peak users and run time (seconds) unless given.
PRESET_DEFAULTS = {"smoke": (10, 15), "ramp": (50, 300), "soak": (20, 1800)}
#: No run, whatever the options, lasts longer than this.
MAX_RUN_TIME = 24 * 3600
#: Seconds Locust may take beyond the run time (stop, reports, loss check) before it is killed.
SHUTDOWN_GRACE = 60


def parse_duration(value: str) -> int:
    """``90``, ``90s``, ``5m``, ``1h30m`` → seconds."""
    text = value.strip().lower()
    if text.isdigit():
        return int(text)
    total, number = 0, ""
    units = {"h": 3600, "m": 60, "s": 1}
    for char in text:
        if char.isdigit():
            number += char
        elif char in units and number:
            total += int(number) * units[char]
            number = ""
        else:
            raise ValueError(f"not a duration: {value!r} (use 90, 90s, 5m or 1h30m)")
    if number:
        raise ValueError(f"not a duration: {value!r} (a number needs a unit after another unit)")
    return total


class Duration(click.ParamType):
    name = "duration"

    def convert(self, value, param, ctx):  # noqa: ANN001 - Click's signature
        if isinstance(value, int):
            return value
        try:
            seconds = parse_duration(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        if not 1 <= seconds <= MAX_RUN_TIME:
            self.fail(f"a run lasts between 1 s and {MAX_RUN_TIME} s", param, ctx)
        return seconds


class Origin(click.ParamType):
    name = "origin"

    def convert(self, value, param, ctx):  # noqa: ANN001 - Click's signature
        text = str(value).rstrip("/")
        if not text.startswith(("http://", "https://")):
            self.fail("Only HTTP URLs are allowed (http://... or https://...)", param, ctx)
        return text


def build_locust_command(
    *,
    host: str,
    scenario: str,
    preset: str,
    users: int,
    run_time: int,
    processes: int,
    report_prefix: Path | None,
    extra: tuple[str, ...] = (),
    options: dict[str, object] | None = None,
) -> list[str]:
    """The ``locust`` argv (without the API key) for one bounded headless run."""
    cmd = [
        sys.executable, "-m", "locust",
        "-f", str(LOCUSTFILE),
        "--headless",
        "--only-summary",
        "-H", host,
        "-u", str(users),
        "-r", str(users),
        "--run-time", f"{run_time}s",
        "--preset", preset,
        # Users finish the request in hand, so the loss check sees few in-flight entries.
        "--stop-timeout", "5",
    ]  # fmt: skip
    if processes != 1:
        cmd += ["--processes", str(processes)]
    if report_prefix is not None:
        cmd += ["--csv", str(report_prefix), "--html", f"{report_prefix}.html"]
    for flag, value in (options or {}).items():
        if value is None or value is False:
            continue
        cmd += [flag] if value is True else [flag, str(value)]
    cmd += list(extra)
    cmd += SCENARIOS[scenario]
    return cmd


@click.command(context_settings=CONTEXT_SETTINGS, epilog=help_epilog())
@click.version_option(package_name="voxai-contract-kit")
@click.option(
    "--host",
    required=True,
    type=Origin(),
    envvar="VOXAI_BASE_URL",
    show_envvar=True,
    help="Origin of the target (http://127.0.0.1:8080); spec paths carry /api/v1.",
)
@click.option(
    "--api-key",
    required=True,
    envvar="VOXAI_API_KEY",
    show_envvar=True,
    help="Project API key (X-API-Key). Passed to Locust by environment, never printed.",
)
@click.option(
    "--scenario",
    type=click.Choice(sorted(SCENARIOS)),
    default="mixed",
    show_default=True,
    envvar="VOXAI_LOAD_SCENARIO",
    show_envvar=True,
    help="Token users, transcript (live call) users, or both.",
)
@click.option(
    "--preset",
    type=click.Choice(sorted(PRESET_DEFAULTS)),
    default="smoke",
    show_default=True,
    envvar="VOXAI_LOAD_PRESET",
    show_envvar=True,
    help="Load shape: smoke (10 users, 15 s), ramp (5 steps to 50, 5 min), soak (20, 30 min).",
)
@click.option(
    "-u",
    "--users",
    type=click.IntRange(1, 100_000),
    default=None,
    envvar="VOXAI_LOAD_USERS",
    show_envvar=True,
    help="Peak concurrent users (default: the preset's).",
)
@click.option(
    "-t",
    "--run-time",
    type=Duration(),
    default=None,
    envvar="VOXAI_LOAD_RUN_TIME",
    show_envvar=True,
    help="Run time, e.g. 20s, 5m (default: the preset's; at most 24 h).",
)
@click.option(
    "--processes",
    type=click.IntRange(-1, 256),
    default=1,
    show_default=True,
    envvar="VOXAI_LOAD_PROCESSES",
    show_envvar=True,
    help="Locust worker processes on this machine; -1 for one per core.",
)
@click.option(
    "--entry-interval",
    type=click.FloatRange(0, 60),
    default=0.25,
    show_default=True,
    envvar="VOXAI_LOAD_ENTRY_INTERVAL",
    show_envvar=True,
    help="Seconds between a transcript user's requests (the call's cadence).",
)
@click.option(
    "--token-interval",
    type=click.FloatRange(0, 60),
    default=0.0,
    show_default=True,
    envvar="VOXAI_LOAD_TOKEN_INTERVAL",
    show_envvar=True,
    help="Seconds between a token user's requests (0: back to back).",
)
@click.option(
    "--turns",
    type=click.IntRange(1, 1000),
    default=4,
    show_default=True,
    envvar="VOXAI_LOAD_TURNS",
    show_envvar=True,
    help="Turns per call, alternating user and agent.",
)
@click.option(
    "--interims",
    type=click.IntRange(0, 100),
    default=2,
    show_default=True,
    envvar="VOXAI_LOAD_INTERIMS",
    show_envvar=True,
    help="Interim entries before each turn's final entry.",
)
@click.option(
    "--dispatch-agents",
    default="",
    envvar="VOXAI_LOAD_DISPATCH_AGENTS",
    show_envvar=True,
    help="Comma-separated agent config IDs to dispatch per token. Default: none "
    "(no_agent=true), since real agents cost money.",
)
@click.option(
    "--p95-ms",
    type=click.FloatRange(0),
    default=1000.0,
    show_default=True,
    envvar="VOXAI_SLO_P95_MS",
    show_envvar=True,
    help="Gate: aggregate p95 response time at most this (ms).",
)
@click.option(
    "--p99-ms",
    type=click.FloatRange(0),
    default=2000.0,
    show_default=True,
    envvar="VOXAI_SLO_P99_MS",
    show_envvar=True,
    help="Gate: aggregate p99 response time at most this (ms).",
)
@click.option(
    "--max-fail-ratio",
    type=click.FloatRange(0, 1),
    default=0.01,
    show_default=True,
    envvar="VOXAI_SLO_MAX_FAIL_RATIO",
    show_envvar=True,
    help="Gate: failed requests / all requests at most this.",
)
@click.option(
    "--min-rps",
    type=click.FloatRange(0),
    default=1.0,
    show_default=True,
    envvar="VOXAI_SLO_MIN_RPS",
    show_envvar=True,
    help="Gate: requests per second over the run at least this.",
)
@click.option(
    "--min-entries-per-s",
    type=click.FloatRange(0),
    default=None,
    envvar="VOXAI_SLO_MIN_ENTRIES_PER_S",
    show_envvar=True,
    help="Gate: acknowledged transcript entries per second at least this (off by default).",
)
@click.option(
    "--loss-check/--no-loss-check",
    default=False,
    show_default=True,
    envvar="VOXAI_LOAD_LOSS_CHECK",
    show_envvar=True,
    help="Against the mock: compare acknowledged entries with /__mock/state, per session.",
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports/load"),
    show_default=True,
    envvar="VOXAI_LOAD_REPORT_DIR",
    show_envvar=True,
    help="Where the CSV and HTML reports go (<run id>_stats.csv, <run id>.html, ...).",
)
@click.option(
    "--run-id",
    default=None,
    envvar="VOXAI_LOAD_RUN_ID",
    show_envvar=True,
    help="Run-unique prefix of every room and session (default: random lt<hex>).",
)
@click.argument("locust_args", nargs=-1, type=click.UNPROCESSED)
def main(
    host: str,
    api_key: str,
    scenario: str,
    preset: str,
    users: int | None,
    run_time: int | None,
    processes: int,
    entry_interval: float,
    token_interval: float,
    turns: int,
    interims: int,
    dispatch_agents: str,
    p95_ms: float,
    p99_ms: float,
    max_fail_ratio: float,
    min_rps: float,
    min_entries_per_s: float | None,
    loss_check: bool,
    report_dir: Path,
    run_id: str | None,
    locust_args: tuple[str, ...],
) -> None:
    """Load-test the token and transcript hot paths, with SLO gates.

    Runs Locust headless for a bounded time, writes CSV and HTML reports, and
    exits non-zero naming the gate that failed (3: an SLO gate, 4: the loss
    check). Arguments after -- go to Locust unchanged.

    \b
    Example:
        voxai-load --host http://127.0.0.1:8080 --api-key vx_demo_key \\
            --scenario transcript --preset smoke --loss-check
        voxai-load --host https://staging.example.com --scenario mixed \\
            --preset ramp -u 200 --processes -1 --p95-ms 300
    """
    if loss_check and scenario == "token":
        raise click.UsageError("--loss-check needs transcript users (--scenario transcript|mixed)")
    default_users, default_time = PRESET_DEFAULTS[preset]
    users = users or default_users
    run_time = run_time or default_time
    run_id = run_id or new_run_id()
    report_dir.mkdir(parents=True, exist_ok=True)
    report_prefix = report_dir / run_id
    cmd = build_locust_command(
        host=host,
        scenario=scenario,
        preset=preset,
        users=users,
        run_time=run_time,
        processes=processes,
        report_prefix=report_prefix,
        extra=locust_args,
        options={
            "--entry-interval": entry_interval,
            "--token-interval": token_interval,
            "--turns": turns,
            "--interims": interims,
            "--dispatch-agents": dispatch_agents or None,
            "--slo-p95-ms": p95_ms,
            "--slo-p99-ms": p99_ms,
            "--slo-max-fail-ratio": max_fail_ratio,
            "--slo-min-rps": min_rps,
            "--slo-min-entries-per-s": min_entries_per_s,
            "--loss-check": loss_check,
        },
    )
    env = {**os.environ, "VOXAI_API_KEY": api_key, "VOXAI_LOAD_RUN_ID": run_id}
    click.echo(
        f"voxai-load: {scenario} users, preset {preset}, {users} users, {run_time} s, "
        f"run id {run_id}, target {host}",
        err=True,
    )
    started = time.monotonic()
    try:
        code = subprocess.run(cmd, env=env, timeout=run_time + SHUTDOWN_GRACE).returncode
    except subprocess.TimeoutExpired:
        click.echo(
            f"voxai-load: Locust did not stop within {run_time + SHUTDOWN_GRACE} s; killed",
            err=True,
        )
        sys.exit(2)
    meaning = {
        0: "PASS: every gate held",
        slo.EXIT_GATE_FAILED: "FAIL: an SLO gate was breached (see 'SLO gate ... FAIL' above)",
        slo.EXIT_LOSS_CHECK_FAILED: "FAIL: the loss check found a difference (see above)",
    }.get(code, "FAIL: Locust exited with an error")
    click.echo(
        f"voxai-load: {meaning} (exit {code}, {time.monotonic() - started:.0f} s); "
        f"reports: {report_prefix}_stats.csv, {report_prefix}.html",
        err=True,
    )
    sys.exit(code)
