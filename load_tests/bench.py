"""Benchmark: how fast the load scripts themselves are, and how fast the mock takes entries.

    .venv/bin/python -m load_tests.bench [--seconds 8] [--output bench.md]

Side by side, in one run on this machine:

1. a fast static target: nginx on 127.0.0.1 with a tiny config in a temp dir,
   answering the token and transcript paths with fixed JSON (the token answer
   echoes the room, as TranscriptUser checks it);
2. requests/s of the locustfile's ``TokenUser`` and ``TranscriptUser`` (no wait
   between requests) with 1 and with 2 Locust processes, of a bare
   ``FastHttpUser`` (the ceiling for any locustfile), and of ``wrk``;
   with one process the generator is pinned to CPU 0 and nginx to CPU 1, so
   "per core" means one core; requests per CPU-second of the Locust processes
   is given too;
3. the mock (``voxai-mock``) under ``TranscriptUser``: transcript entries/s with
   the entry path's p95 and p99.

It installs nothing: if nginx or wrk are missing it says how to get them.
"""

from __future__ import annotations

import csv
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import click
import psutil

from openapi import operation

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
HERE = Path(__file__).resolve().parent
LOCUSTFILE = HERE / "locustfile.py"
BIN = Path(sys.executable).parent
TOKEN_PATH = operation("createToken").path
SESSIONS_PATH = operation("createSession").path
ENTRY_PATH = operation("addTranscriptEntry").path
ENTRY_NAME = ENTRY_PATH
NO_WAIT = ["--entry-interval", "0"]
#: The mock's seeded Demo key; nginx ignores the key.
MOCK_KEY = "vx_demo_key"

NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  keepalive_requests 10000000;
  default_type application/json;
  # The token answer must carry the prefixed room the request named.
  map $http_x_body $room {{ "~\\"room\\":\\"(?<r>[^\\"]+)\\"" $r; default "room"; }}
  upstream self {{ server 127.0.0.1:{port}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{port} reuseport;
    location = {token} {{
      proxy_pass http://self/__token;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Body $request_body;
    }}
    location = /__token {{
      return 200 '{{"token":"eyJ.e30.sig","room":"proj_$room","wsUrl":"ws://localhost:7880","agents_dispatched":[]}}';
    }}
    location = {sessions} {{ return 201 '{{"id":1,"status":"active"}}'; }}
    location ~ ^{sessions}/[^/]+/transcript$ {{ return 201 '{{"sequence":1}}'; }}
    location ~ ^{sessions}/[^/]+/end$ {{ return 200 '{{"status":"completed"}}'; }}
  }}
}}
"""

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


@dataclass
class Row:
    what: str
    processes: str
    rps: float
    rps_per_cpu_s: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    note: str = ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, deadline_s: float = 15) -> None:
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise click.ClickException(
                    f"nothing listens on port {port} after {deadline_s} s"
                ) from None
            time.sleep(0.05)


def missing_tools() -> list[str]:
    return [
        tool
        for tool in ("nginx", "wrk")
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists()
    ]


def pinned(cpu: int | None, cmd: list[str]) -> list[str]:
    if cpu is None or shutil.which("taskset") is None or (os.cpu_count() or 1) < 2:
        return cmd
    return ["taskset", "-c", str(cpu), *cmd]


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
    log = open(f"{prefix}.log", "w")  # noqa: SIM115 - closed after the run
    popen = subprocess.Popen(pinned(cpu, cmd), env=env, stdout=log, stderr=subprocess.STDOUT)
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
    log.close()
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
    url: str, body: str, seconds: int, tmp: Path, cpu: int | None, threads: int = 1
) -> tuple[float, float]:
    """(requests/s, requests per wrk CPU-second)."""
    script = tmp / "post.lua"
    script.write_text(WRK_SCRIPT.format(body=body))
    before = children_cpu_seconds()
    out = subprocess.run(
        pinned(cpu, [
            "wrk", f"-t{threads}", f"-c{16 * threads}", f"-d{seconds}s", "-s", str(script), url,
        ]),
        capture_output=True, text=True, timeout=seconds + 30, check=True,
    ).stdout  # fmt: skip
    cpu_s = children_cpu_seconds() - before
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            rps = float(line.split()[1])
            return rps, (rps * seconds / cpu_s if cpu_s > 0 else 0.0)
    raise click.ClickException(f"wrk printed no Requests/sec:\n{out}")


def start_nginx(tmp: Path, port: int) -> subprocess.Popen:
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, token=TOKEN_PATH, sessions=SESSIONS_PATH))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    proc = subprocess.Popen(
        pinned(1, [nginx, "-c", str(conf), "-p", str(tmp)]),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for_port(port)
    return proc


def start_mock(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [str(BIN / "voxai-mock"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for_port(port)
    return proc


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def table(rows: list[Row]) -> str:
    def fmt(value: float | None, digits: int = 0) -> str:
        return "" if value is None else f"{value:,.{digits}f}"

    lines = [
        "| generator / target | processes | req/s | req per generator CPU-s "
        "| p95 ms | p99 ms | note |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r.what} | {r.processes} | {fmt(r.rps)} | {fmt(r.rps_per_cpu_s)} | "
            f"{fmt(r.p95_ms)} | {fmt(r.p99_ms)} | {r.note} |"
        )
    return "\n".join(lines)


@click.command(context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="voxai-contract-kit")
@click.option(
    "--seconds",
    type=click.IntRange(3, 120),
    default=8,
    show_default=True,
    envvar="VOXAI_BENCH_SECONDS",
    show_envvar=True,
    help="Length of each measured run.",
)
@click.option(
    "--users",
    type=click.IntRange(1, 1000),
    default=32,
    show_default=True,
    envvar="VOXAI_BENCH_USERS",
    show_envvar=True,
    help="Concurrent Locust users per run.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    envvar="VOXAI_BENCH_OUTPUT",
    show_envvar=True,
    help="Also write the Markdown table to this file.",
)
def main(seconds: int, users: int, output: Path | None) -> None:
    """Measure the load scripts against nginx (beside wrk) and the mock's entries/s.

    \b
    Example:
        .venv/bin/python -m load_tests.bench --seconds 8 --output /tmp/bench.md
    """
    missing = missing_tools()
    if missing:
        raise click.ClickException(
            f"{' and '.join(missing)} not found; this benchmark installs nothing. "
            "On Debian: apt-get update && apt-get install -y nginx-light wrk"
        )
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="voxai-bench-") as tmp_name:
        tmp = Path(tmp_name)
        port = free_port()
        host = f"http://127.0.0.1:{port}"
        bare = tmp / "bare_locustfile.py"
        bare.write_text(BARE_LOCUSTFILE.format(path=ENTRY_PATH.replace("{roomName}", "proj_b")))
        nginx = start_nginx(tmp, port)
        try:
            plan = [
                ("TokenUser -> nginx", LOCUSTFILE, "TokenUser", []),
                ("TranscriptUser -> nginx", LOCUSTFILE, "TranscriptUser", NO_WAIT),
                ("bare FastHttpUser -> nginx", bare, "BareUser", []),
            ]  # fmt: skip
            for what, locustfile, user_class, extra in plan:
                for processes in (1, 2):
                    if user_class == "BareUser" and processes == 2:
                        continue
                    click.echo(f"bench: {what}, {processes} process(es), {seconds} s", err=True)
                    rps, per_cpu = run_locust(
                        locustfile=locustfile, host=host, user_class=user_class,
                        processes=processes, seconds=seconds, users=users,
                        prefix=tmp / f"{user_class}-{processes}",
                        cpu=0 if processes == 1 else None, extra=extra,
                    )  # fmt: skip
                    note = (
                        "generator on CPU 0, nginx on CPU 1"
                        if processes == 1
                        else ("2 workers + master and nginx share 2 cores")
                    )
                    rows.append(Row(what, str(processes), rps, per_cpu, note=note))
                    click.echo(f"bench:   {rps:,.0f} req/s, {per_cpu:,.0f} per CPU-s", err=True)
            for what, path, body in (
                ("wrk -> nginx token", TOKEN_PATH, '{"identity":"u","room":"r","no_agent":true}'),
                ("wrk -> nginx transcript", ENTRY_PATH.replace("{roomName}", "proj_b"),
                 '{"speaker":"user","content":"hi"}'),
            ):  # fmt: skip
                for threads in (1, 2):
                    click.echo(f"bench: {what}, {threads} thread(s), {seconds} s", err=True)
                    rps, per_cpu = run_wrk(
                        f"{host}{path}", body, seconds, tmp, cpu=0 if threads == 1 else None,
                        threads=threads,
                    )  # fmt: skip
                    note = (
                        "wrk on CPU 0, nginx on CPU 1"
                        if threads == 1
                        else "wrk and nginx share 2 cores"
                    )
                    rows.append(Row(what, f"{threads} thread(s)", rps, per_cpu, note=note))
        finally:
            stop(nginx)

        mock_port = free_port()
        mock = start_mock(mock_port)
        try:
            click.echo(f"bench: TranscriptUser -> voxai-mock, {seconds} s", err=True)
            prefix = tmp / "mock"
            rps, per_cpu = run_locust(
                locustfile=LOCUSTFILE, host=f"http://127.0.0.1:{mock_port}",
                user_class="TranscriptUser", processes=1, seconds=seconds, users=users,
                prefix=prefix, cpu=None, extra=NO_WAIT, api_key=MOCK_KEY,
            )  # fmt: skip
        finally:
            stop(mock)
        entry = read_stats(prefix, ENTRY_NAME)
        # Entries/s from Locust's own stats row of the entry request: a plain --csv run
        # writes no _transcript_entries.csv (only voxai-load's --report-prefix does).
        entries_per_s = float(entry["Requests/s"])
        rows.append(
            Row(
                "TranscriptUser -> voxai-mock (entries)",
                "1",
                entries_per_s,
                None,
                float(entry["95%"]),
                float(entry["99%"]),
                note=f"transcript entries/s; all requests {rps:,.0f}/s; "
                "mock and Locust share the cores",
            )
        )
    cores = os.cpu_count()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    text = (
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {cores} cores "
        f"(load average after the run: {load}), {users} users, {seconds} s per run. "
        "req/s counts the steady seconds only (spawning left out); req per generator CPU-s "
        "divides by the CPU the generator itself used, so it holds on a busy machine.\n\n"
        f"{table(rows)}\n"
    )
    click.echo(text)
    if output:
        output.write_text(text)


if __name__ == "__main__":
    main()
