"""``python -m bench.profile``: where a served mock spends its time on a hot path.

Serves the mock (``python -m mock_server``, from this checkout or ``--source``), drives one
scenario with wrk at 32 connections and records the worker with py-spy for the same seconds;
prints the frames with the largest share of the samples (inclusive: a frame and what it
calls), our code and Flask's alike. ``--source`` profiles another checkout, e.g. the code
before a change: ``git worktree add /tmp/before <commit>``.
"""

from __future__ import annotations

import collections
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import click
import psutil

from . import servers, wrk
from .__main__ import SCENARIOS, prepare_mock

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
#: py-spy samples per second (its default is 100: too few for an 8 s run).
RATE_HZ = 400


def frame_name(frame: str) -> str:
    """``create_token (mock_server/tokens.py:40)`` → ``create_token (tokens.py)``."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.split(':')[0].rsplit('/', 1)[-1]})" if where else name


def top_frames(raw: str, count: int) -> tuple[int, list[tuple[str, float]]]:
    """Samples in the app (under its WSGI call) and the ``count`` largest inclusive shares."""
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, samples = line.rpartition(" ")
        frames = [frame_name(f) for f in stack.split(";")]
        app_call = next((i for i, f in enumerate(frames) if f.startswith("Flask.__call__")), None)
        if app_call is None:
            continue  # the server's own loop and idle waits
        frames = frames[app_call + 1 :]  # the server's frames above the app hold every sample
        total += int(samples)
        for name in set(frames):
            inclusive[name] += int(samples)
    shares = [(n, 100 * s / total) for n, s in inclusive.most_common() if total]
    return total, shares[:count]


@click.command(name="bench.profile", context_settings=CONTEXT_SETTINGS)
@click.option(
    "--scenario", type=click.Choice(sorted(SCENARIOS)), default="token", show_default=True
)
@click.option(
    "--server", type=click.Choice(["gunicorn", "granian"]), default="granian", show_default=True
)
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option("--seconds", default=8, show_default=True, type=click.IntRange(2, 60))
@click.option("--top", default=25, show_default=True, type=click.IntRange(1, 200))
@click.option(
    "--source",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=servers.ROOT,
    show_default="this checkout",
    help="Checkout whose mock_server is profiled.",
)
def main(scenario, server, threads, seconds, top, source):
    """Profile the served mock on one hot path with py-spy."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        raise click.ClickException("py-spy is not installed: pip install py-spy")
    mock = servers.start_mock(server, threads, 1, cwd=source)
    try:
        prepare_mock(mock.origin)
        path, lua = SCENARIOS[scenario]
        wrk.run(mock.origin + path, lua, connections=32, duration_s=1)  # warm up
        worker = psutil.Process(mock.process.pid).children(recursive=True) or [mock.process]
        with tempfile.NamedTemporaryFile(suffix=".txt") as out:
            spy = subprocess.Popen(
                [py_spy, "record", "--pid", str(worker[-1].pid), "--rate", str(RATE_HZ)]
                + ["--duration", str(seconds), "--format", "raw", "--output", out.name],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            result = wrk.run(mock.origin + path, lua, connections=32, duration_s=seconds)
            spy.wait(timeout=seconds + 30)
            total, shares = top_frames(Path(out.name).read_text(), top)
    finally:
        mock.stop()
    click.echo(
        f"{scenario} on {server} ({threads} threads), source {source}: "
        f"{result.rps:.0f} req/s; {total} samples in the app, about "
        f"{total / RATE_HZ * 1e6 / max(result.requests, 1):.0f} us of app time per request"
    )
    for name, share in shares:
        click.echo(f"  {share:5.1f}%  {name}")


if __name__ == "__main__":
    main()
