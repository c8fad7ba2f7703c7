"""``voxai-load``: run the Locust scenarios headless with a preset, SLO gates and reports.

It builds a bounded ``locust --headless`` command for ``load_tests/locustfile.py``
and runs it in a subprocess (Locust's gevent patching stays out of this process).
The API key travels in the child's environment (``VOXAI_API_KEY``), never on its
command line, so it shows neither in ``ps`` nor in Locust's logs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import click

from load_tests import options, slo
from load_tests.metrics import new_run_id
from openapi.exit_codes import ExitCode, help_epilog

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"

#: --scenario → the Locust user classes it runs.
SCENARIOS = {
    "token": ["TokenUser"],
    "transcript": ["TranscriptUser"],
    "mixed": ["TokenUser", "TranscriptUser"],
}
#: Per preset: peak users and run time (seconds) unless given.
PRESET_DEFAULTS = {"none": (10, 15), "smoke": (10, 15), "ramp": (50, 300), "soak": (20, 1800)}
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
    users: int,
    run_time: int,
    processes: int,
    shared: dict[str, object],
    extra: tuple[str, ...] = (),
) -> list[str]:
    """The ``locust`` argv (without the API key) for one bounded headless run."""
    cmd = [
        sys.executable, "-m", "locust",
        "-f", str(LOCUSTFILE),
        "--headless",
        # The locustfile prints its own progress lines (--quiet turns them off).
        "--only-summary",
        "-H", host,
        "-u", str(users),
        "-r", str(users),
        "--run-time", f"{run_time}s",
        # Users finish the request in hand, so the loss check sees few in-flight entries.
        "--stop-timeout", "5",
    ]  # fmt: skip
    if processes != 1:
        cmd += ["--processes", str(processes)]
    cmd += options.locust_argv(shared)
    cmd += list(extra)
    cmd += SCENARIOS[scenario]
    return cmd


def _check_gate(dest: str, values: tuple[str, ...]) -> None:
    slo.parse_gate(dest, values)


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
    "--scenario",
    type=click.Choice(sorted(SCENARIOS)),
    default="mixed",
    show_default=True,
    envvar="VOXAI_LOAD_SCENARIO",
    show_envvar=True,
    help="Token users, transcript (live call) users, or both (weighted by --mix).",
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
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports/load"),
    show_default=True,
    envvar="VOXAI_LOAD_REPORT_DIR",
    show_envvar=True,
    help="Where the reports go: <run id>_summary.json, <run id>.html, <run id>_stats.csv, ...",
)
@options.click_options(_check_gate)
@click.argument("locust_args", nargs=-1, type=click.UNPROCESSED)
def main(
    host: str,
    scenario: str,
    users: int | None,
    run_time: int | None,
    processes: int,
    report_dir: Path,
    locust_args: tuple[str, ...],
    **shared: object,
) -> None:
    """Load-test the token and transcript hot paths, with SLO gates.

    Runs Locust headless for a bounded time with a progress line every few seconds,
    judges every gate (each needs --min-samples requests on its path), writes a JSON
    summary, CSV and an HTML report carrying the verdict, and exits with the kit's code
    naming what failed. Arguments after -- go to Locust unchanged.

    \b
    Example:
        voxai-load --host http://127.0.0.1:8080 --api-key vx_demo_key \\
            --scenario transcript --preset smoke --loss-check
        voxai-load --host https://staging.example.com --scenario mixed \\
            --preset ramp -u 200 --processes -1 --p95-ms 300 --p95-ms transcript=150
    """
    if shared["loss_check"] and scenario == "token":
        raise click.UsageError("--loss-check needs transcript users (--scenario transcript|mixed)")
    default_users, default_time = PRESET_DEFAULTS[str(shared["preset"])]
    users = users or default_users
    run_time = run_time or default_time
    run_id = str(shared["run_id"] or new_run_id())
    report_dir.mkdir(parents=True, exist_ok=True)
    prefix = report_dir / run_id
    shared.update(run_id=run_id, report_prefix=str(prefix))
    cmd = build_locust_command(
        host=host,
        scenario=scenario,
        users=users,
        run_time=run_time,
        processes=processes,
        shared=shared,
        extra=locust_args,
    )
    env = {**os.environ, "VOXAI_API_KEY": str(shared["api_key"])}
    click.echo(
        f"voxai-load: {scenario} users, preset {shared['preset']}, {users} users, {run_time} s, "
        f"run id {run_id}, target {host}",
        err=True,
    )
    started = time.monotonic()
    try:
        child = subprocess.run(cmd, env=env, timeout=run_time + SHUTDOWN_GRACE).returncode
    except subprocess.TimeoutExpired:
        finish(ExitCode.INTERNAL_ERROR, f"Locust did not stop within {run_time + SHUTDOWN_GRACE} s")
    except KeyboardInterrupt:
        finish(ExitCode.INTERNAL_ERROR, "interrupted")
    summary_path = Path(f"{prefix}_summary.json")
    took = f"{time.monotonic() - started:.0f} s"
    if child == ExitCode.USAGE and not summary_path.exists():
        finish(ExitCode.USAGE, "Locust refused the options (see above)")
    try:
        summary = json.loads(summary_path.read_text())
    except (OSError, ValueError):
        finish(ExitCode.INTERNAL_ERROR, f"Locust stopped without a verdict (exit {child}, {took})")
    if summary["exit_code"] != child:
        finish(
            ExitCode.INTERNAL_ERROR,
            f"Locust exited {child} after a verdict of {summary['exit_code']} ({took})",
        )
    verdict = "PASS: every gate held" if child == 0 else f"FAIL: {summary['cause']}"
    finish(
        ExitCode(child),
        f"{verdict} ({took}); reports: {summary_path}, {prefix}.html, {prefix}_stats.csv",
    )


def finish(code: ExitCode, line: str) -> None:
    """Print the one verdict line and exit with the kit's code."""
    click.echo(f"voxai-load: {line} (exit {int(code)} {code.name})", err=True)
    sys.exit(int(code))
