"""Benchmark: how fast the load scripts themselves are, and how fast the mock takes entries.

    .venv/bin/python -m bench.load_scripts [--seconds 8] [--output bench.md]

Side by side, in one run on this machine:

1. a fast static target: nginx on 127.0.0.1 (``bench/nginx.py``), answering the token and
   transcript paths with fixed JSON (the token answer echoes the room, as TranscriptUser
   checks it);
2. requests/s of the locustfile's ``TokenUser`` and ``TranscriptUser`` (no wait
   between requests) with 1 and with 2 Locust processes, of a bare
   ``FastHttpUser`` (the ceiling for any locustfile), and of ``wrk``;
   with one process the generator is pinned to CPU 0 and nginx to CPU 1, so
   "per core" means one core; requests per CPU-second of the Locust processes
   is given too;
3. the mock (``voxai-mock``) under ``TranscriptUser``: transcript entries/s with
   the entry path's p95 and p99.

It installs nothing: if nginx or wrk are missing it says how to get them (``make bench``
installs them).
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import click

import load_tests

from . import generators, nginx, servers
from .generators import pin, run_locust, run_wrk
from .nginx import ENTRY_PATH, TOKEN_PATH

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
LOCUSTFILE = Path(load_tests.__file__).resolve().parent / "locustfile.py"
NO_WAIT = ["--entry-interval", "0"]
#: The mock's seeded Demo key; nginx ignores the key.
MOCK_KEY = "vx_demo_key"
#: A transcript path of one room, for the generators that send no session first.
ENTRY_URL_PATH = ENTRY_PATH.replace("{roomName}", "proj_b")


@dataclass
class Row:
    what: str
    processes: str
    rps: float
    rps_per_cpu_s: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    note: str = ""


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


def against_nginx(tmp: Path, seconds: int, users: int) -> list[Row]:
    """The Locust users, a bare FastHttpUser and wrk against nginx's fixed answers."""
    rows: list[Row] = []
    port = servers.free_port()
    host = f"http://127.0.0.1:{port}"
    bare = tmp / "bare_locustfile.py"
    bare.write_text(generators.BARE_LOCUSTFILE.format(path=ENTRY_URL_PATH))
    target = servers._spawn("nginx", [*pin(1), *nginx.argv(tmp, port)], port)
    try:
        plan = [
            ("TokenUser -> nginx", LOCUSTFILE, "TokenUser", []),
            ("TranscriptUser -> nginx", LOCUSTFILE, "TranscriptUser", NO_WAIT),
            ("bare FastHttpUser -> nginx", bare, "BareUser", []),
        ]
        for what, locustfile, user_class, extra in plan:
            # The bare user is the one-process ceiling; two processes add nothing to it.
            for processes in (1,) if user_class == "BareUser" else (1, 2):
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
                    else "2 workers + master and nginx share 2 cores"
                )
                rows.append(Row(what, str(processes), rps, per_cpu, note=note))
                click.echo(f"bench:   {rps:,.0f} req/s, {per_cpu:,.0f} per CPU-s", err=True)
        for what, path, body in (
            ("wrk -> nginx token", TOKEN_PATH, '{"identity":"u","room":"r","no_agent":true}'),
            ("wrk -> nginx transcript", ENTRY_URL_PATH, '{"speaker":"user","content":"hi"}'),
        ):
            for threads in (1, 2):
                click.echo(f"bench: {what}, {threads} thread(s), {seconds} s", err=True)
                rps, per_cpu = run_wrk(
                    f"{host}{path}", body, seconds, cpu=0 if threads == 1 else None, threads=threads
                )
                note = (
                    "wrk on CPU 0, nginx on CPU 1"
                    if threads == 1
                    else "wrk and nginx share 2 cores"
                )
                rows.append(Row(what, f"{threads} thread(s)", rps, per_cpu, note=note))
    finally:
        target.stop()
    return rows


def against_the_mock(tmp: Path, seconds: int, users: int) -> Row:
    """TranscriptUser against ``voxai-mock`` as a user starts it: transcript entries/s."""
    port = servers.free_port()
    argv = [str(generators.BIN / "voxai-mock"), "--host", "127.0.0.1", "--port", str(port)]
    mock = servers._spawn("voxai-mock", argv, port)
    try:
        click.echo(f"bench: TranscriptUser -> voxai-mock, {seconds} s", err=True)
        prefix = tmp / "mock"
        rps, _per_cpu = run_locust(
            locustfile=LOCUSTFILE, host=mock.origin, user_class="TranscriptUser", processes=1,
            seconds=seconds, users=users, prefix=prefix, cpu=None, extra=NO_WAIT, api_key=MOCK_KEY,
        )  # fmt: skip
    finally:
        mock.stop()
    # Entries/s from Locust's own stats row of the entry request: a plain --csv run
    # writes no _transcript_entries.csv (only voxai-load's --report-prefix does).
    entry = generators.read_stats(prefix, ENTRY_PATH)
    return Row(
        "TranscriptUser -> voxai-mock (entries)",
        "1",
        float(entry["Requests/s"]),
        None,
        float(entry["95%"]),
        float(entry["99%"]),
        note=f"transcript entries/s; all requests {rps:,.0f}/s; mock and Locust share the cores",
    )


@click.command(context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="voxai-contract-kit")
@click.option(
    "--seconds",
    type=click.IntRange(5, 120),  # 3-4 s: a 2-process run has too few steady seconds
    default=8,
    show_default=True,
    envvar="VOXAI_LOAD_BENCH_SECONDS",
    show_envvar=True,
    help="Length of each measured run.",
)
@click.option(
    "--users",
    type=click.IntRange(1, 1000),
    default=32,
    show_default=True,
    envvar="VOXAI_LOAD_BENCH_USERS",
    show_envvar=True,
    help="Concurrent Locust users per run.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    envvar="VOXAI_LOAD_BENCH_OUTPUT",
    show_envvar=True,
    help="Also write the Markdown table to this file.",
)
def main(seconds: int, users: int, output: Path | None) -> None:
    """Measure the load scripts against nginx (beside wrk) and the mock's entries/s.

    \b
    Example:
        .venv/bin/python -m bench.load_scripts --seconds 8 --output /tmp/bench.md
    """
    missing = nginx.missing_tools()
    if missing:
        raise click.ClickException(
            f"{' and '.join(missing)} not found; this benchmark installs nothing. "
            "On Debian: apt-get update && apt-get install -y nginx-light wrk"
        )
    with tempfile.TemporaryDirectory(prefix="voxai-bench-") as tmp_name:
        tmp = Path(tmp_name)
        rows = [*against_nginx(tmp, seconds, users), against_the_mock(tmp, seconds, users)]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    text = (
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores "
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
