"""Run a load generator (Locust or wrk) once and measure it: steady requests/s and requests
per CPU-second of the generator itself (the "per core" figure, which holds on a busy
machine)."""

from __future__ import annotations

import csv
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import click
import psutil

from . import wrk

BIN = Path(sys.executable).parent

BARE_LOCUSTFILE = """\
from locust import FastHttpUser, task


class BareUser(FastHttpUser):
    # The ceiling: no body building, no checks, no bookkeeping.
    @task
    def post(self):
        self.client.post("{path}", data=b'{{"speaker":"user","content":"hi"}}')
"""

WRK_SCRIPT = """\
wrk.method = "POST"
wrk.body = '{body}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = "bench"
"""


def pin(cpu: int | None) -> list[str]:
    """The command prefix that pins a process to ``cpu`` (none with one core or no taskset)."""
    if cpu is None or shutil.which("taskset") is None or (os.cpu_count() or 1) < 2:
        return []
    return ["taskset", "-c", str(cpu)]


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def read_stats(prefix: Path, name: str = "Aggregated") -> dict[str, str]:
    with open(f"{prefix}_stats.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["Name"] == name:
                return row
    raise click.ClickException(f"no {name!r} row in {prefix}_stats.csv")


class TreeCpu:
    """User + system CPU of a process and its children (Locust's workers), cumulative.

    Each process's last reading is kept, so a worker that exits early still counts.
    """

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.last: dict[int, float] = {}

    def seconds(self) -> float:
        for member in [self.root, *self.root.children(recursive=True)]:
            try:
                times = member.cpu_times()
            except psutil.Error:
                continue
            self.last[member.pid] = times.user + times.system
        return sum(self.last.values())


def steady_window(prefix: Path) -> tuple[float, float, int]:
    """(start, end, requests) over the full seconds of a run's stats history.

    The first second with traffic (spawning) is left out, so imports and start-up
    do not count against the generator.
    """
    points: list[tuple[float, int]] = []
    with open(f"{prefix}_stats_history.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["Name"] == "Aggregated" and int(row["Total Request Count"]) > 0:
                points.append((float(row["Timestamp"]), int(row["Total Request Count"])))
    if len(points) < 3:
        raise click.ClickException(f"run {prefix.name} too short to measure; raise --seconds")
    # The window ends at the last second that still saw new requests (workers may quit first).
    last = max(i for i in range(1, len(points)) if points[i][1] > points[i - 1][1])
    if last < 2:
        raise click.ClickException(f"run {prefix.name} too short to measure; raise --seconds")
    (t0, n0), (t1, n1) = points[1], points[last]
    return t0, t1, n1 - n0


def run_locust(
    *,
    locustfile: Path,
    host: str,
    user_class: str,
    processes: int,
    seconds: int,
    users: int,
    prefix: Path,
    cpu: int | None,
    extra: list[str],
    api_key: str = "bench-key",
) -> tuple[float, float]:
    """One headless run; (requests/s, requests per Locust CPU-second), both steady state."""
    cmd = [
        str(BIN / "locust"), "-f", str(locustfile), "--headless", "--only-summary",
        "-H", host, "-u", str(users), "-r", str(users), "-t", f"{seconds}s",
        "--csv", str(prefix), "--csv-full-history", "--stop-timeout", "2", *extra, user_class,
    ]  # fmt: skip
    if processes > 1:
        cmd += ["--processes", str(processes)]
    env = {**os.environ, "VOXAI_API_KEY": api_key}
    samples: list[tuple[float, float]] = []
    with open(f"{prefix}.log", "w") as log:
        popen = subprocess.Popen([*pin(cpu), *cmd], env=env, stdout=log, stderr=subprocess.STDOUT)
        tree = TreeCpu(popen.pid)
        deadline = time.monotonic() + seconds + 60
        while popen.poll() is None:
            try:
                samples.append((time.time(), tree.seconds()))
            except psutil.Error:
                pass
            if time.monotonic() > deadline:
                popen.kill()
                raise click.ClickException(f"locust run {prefix.name} did not end in time")
            time.sleep(0.2)
    if popen.returncode not in (0, 1) or not Path(f"{prefix}_stats_history.csv").exists():
        tail = Path(f"{prefix}.log").read_text(errors="replace")[-2000:]
        raise click.ClickException(
            f"locust run {prefix.name} failed (exit {popen.returncode}):\n{tail}"
        )
    start, end, requests = steady_window(prefix)
    window = [(t, c) for t, c in samples if start <= t <= end]
    if len(window) < 2 or end <= start:
        raise click.ClickException(f"run {prefix.name}: no CPU samples in the steady window")
    cpu_s = window[-1][1] - window[0][1]
    cpu_wall = window[-1][0] - window[0][0]
    rps = requests / (end - start)
    # CPU rate over the sampled part of the same window, applied to the whole window.
    cpu_rate = cpu_s / cpu_wall if cpu_wall > 0 else 0.0
    return rps, (rps / cpu_rate if cpu_rate > 0 else 0.0)


def run_wrk(
    url: str, body: str, seconds: int, cpu: int | None, threads: int
) -> tuple[float, float]:
    """(requests/s, requests per wrk CPU-second) of one wrk run posting ``body``."""
    before = children_cpu_seconds()
    result = wrk.run(
        url,
        WRK_SCRIPT.format(body=body),
        connections=16 * threads,
        duration_s=seconds,
        threads=threads,
        prefix=pin(cpu),
    )
    cpu_s = children_cpu_seconds() - before
    return result.rps, (result.requests / cpu_s if cpu_s > 0 else 0.0)
