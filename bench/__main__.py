"""``make bench`` / ``python -m bench``: requests/s, p50 and p99 of the mock's hot paths beside a
bare Flask app (same JSON, same server) and Stoplight Prism (same spec), alternating, a few
rounds, medians and ratios; then the memory of 100,000 distinct-room token requests."""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

import click
import requests

from . import memory, servers, wrk

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "voxai.yaml"
H = {"X-API-Key": "vx_demo_key"}
SESSIONS = 32
RATIOS = [
    ("mock", "bare"),
    ("mock", "prism"),
    ("mock-gunicorn", "bare-gunicorn"),
    ("mock-gunicorn", "prism"),
    ("mock-1t", "bare-1t"),
    ("mock-1t", "prism"),
    ("mock-2w", "bare-2w"),
    ("mock-2w", "prism"),
]
#: Issue 14's aims for the default server: req/s against Prism's and the bare app's, p99.
AIMS = {"prism": 1.25, "bare": 0.70, "p99_ms": 25.0}
SCENARIOS = {
    "token": ("/api/v1/token", wrk.TOKEN_LUA),
    "transcript": (
        "/api/v1/sessions/proj_bench-0/transcript",
        wrk.TRANSCRIPT_LUA.replace("SESSIONS", str(SESSIONS)),
    ),
}


def capture_samples(path: Path) -> None:
    """The mock's own responses, so the bare app returns byte-for-byte comparable JSON."""
    from mock_server import create_app

    client = create_app({"testing": True}).test_client()
    token = client.post(
        "/api/v1/token", json={"identity": "bench-user", "room": "bench-0-1"}, headers=H
    ).get_json()
    client.post("/api/v1/sessions", json={"room_name": "proj_bench-0"}, headers=H)
    entry = client.post(
        "/api/v1/sessions/proj_bench-0/transcript",
        headers=H,
        json={
            "speaker": "user",
            "content": "I would like to change the delivery address of my order.",
        },
    ).get_json()
    path.write_text(json.dumps({"token": token, "transcript": entry}))


def prepare_mock(origin: str) -> None:
    """Fresh state and the open sessions the transcript scenario writes to."""
    requests.post(f"{origin}/__mock/reset", timeout=10).raise_for_status()
    for n in range(SESSIONS):
        requests.post(
            f"{origin}/api/v1/sessions",
            json={"room_name": f"proj_bench-{n}"},
            headers=H,
            timeout=10,
        ).raise_for_status()


def row(name: str, results: list[wrk.Result]) -> dict:
    return {
        "target": name,
        "rps": round(statistics.median(r.rps for r in results)),
        "p50_ms": round(statistics.median(r.p50_ms for r in results), 2),
        "p99_ms": round(statistics.median(r.p99_ms for r in results), 2),
        "errors": sum(r.errors for r in results),
        "cpu_us_per_request": round(statistics.median(r.cpu_us_per_request for r in results)),
        "rounds": len(results),
    }


def check_aims(by_name: dict[str, dict]) -> list[str]:
    """The default server's mock against issue 14's aims, one line each (met or missed)."""
    mock = by_name.get("mock")
    if mock is None:
        return []
    lines = []
    for other, aim in (("prism", AIMS["prism"]), ("bare", AIMS["bare"])):
        if other in by_name:
            ratio = mock["rps"] / by_name[other]["rps"]
            verdict = "met" if ratio >= aim else "missed"
            lines.append(f"req/s {ratio:.2f}x {other}'s (aim >= {aim}x): {verdict}")
    verdict = "met" if mock["p99_ms"] <= AIMS["p99_ms"] else "missed"
    lines.append(f"p99 {mock['p99_ms']} ms (aim <= {AIMS['p99_ms']:.0f} ms): {verdict}")
    return lines


@click.command(name="bench", context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="voxai-contract-kit")
@click.option(
    "--rounds",
    default=3,
    show_default=True,
    type=click.IntRange(1, 10),
    envvar="VOXAI_BENCH_ROUNDS",
    show_envvar=True,
    help="Alternating rounds per target.",
)
@click.option(
    "--duration",
    default=5,
    show_default=True,
    type=click.IntRange(1, 60),
    envvar="VOXAI_BENCH_DURATION",
    show_envvar=True,
    help="Seconds per wrk run.",
)
@click.option(
    "--connections",
    default=32,
    show_default=True,
    type=click.IntRange(1, 512),
    envvar="VOXAI_BENCH_CONNECTIONS",
    show_envvar=True,
    help="wrk connections.",
)
@click.option(
    "--targets",
    default="mock,bare,prism,mock-1t,bare-1t,mock-gunicorn,bare-gunicorn",
    show_default=True,
    envvar="VOXAI_BENCH_TARGETS",
    show_envvar=True,
    help="Comma-separated: mock, bare (granian, voxai-mock's default server), mock-1t, bare-1t"
    " (granian, one thread), mock-gunicorn, bare-gunicorn, prism, mock-2w, bare-2w (two granian"
    " workers), mock-werkzeug.",
)
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    envvar="VOXAI_BENCH_THREADS",
    show_envvar=True,
    help="Threads per worker (granian, gunicorn) for the mock and the bare app alike.",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 16),
    envvar="VOXAI_BENCH_WORKERS",
    show_envvar=True,
    help="Worker processes (granian, gunicorn) for the mock and the bare app alike.",
)
@click.option(
    "--memory-requests",
    default=100_000,
    show_default=True,
    type=click.IntRange(0, 1_000_000),
    envvar="VOXAI_BENCH_MEMORY_REQUESTS",
    show_envvar=True,
    help="Token requests for the memory check (0 skips it).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=ROOT / "reports" / "bench.json",
    show_default=True,
    envvar="VOXAI_BENCH_OUTPUT",
    show_envvar=True,
    help="Where the JSON results go.",
)
def main(rounds, duration, connections, targets, threads, workers, memory_requests, output):
    """Benchmark the mock against a bare Flask app and Stoplight Prism.

    \b
    Example:
        make bench
        python -m bench --rounds 5 --duration 10
        python -m bench --targets mock,bare --memory-requests 0
    """
    servers.ensure_tools()
    wanted = [t.strip() for t in targets.split(",") if t.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        samples = Path(tmp) / "samples.json"
        capture_samples(samples)
        starters = {
            "mock": lambda: servers.start_mock("granian", threads, workers),
            "bare": lambda: servers.start_bare(samples, threads, workers, "granian"),
            "mock-1t": lambda: servers.start_mock("granian", 1, workers),
            "bare-1t": lambda: servers.start_bare(samples, 1, workers, "granian"),
            "mock-2w": lambda: servers.start_mock("granian", threads, 2),
            "bare-2w": lambda: servers.start_bare(samples, threads, 2, "granian"),
            "mock-gunicorn": lambda: servers.start_mock("gunicorn", threads, workers),
            "bare-gunicorn": lambda: servers.start_bare(samples, threads, workers, "gunicorn"),
            "mock-werkzeug": lambda: servers.start_mock("werkzeug"),
            "prism": lambda: servers.start_prism(SPEC),
        }
        running = {}
        try:
            for name in wanted:
                running[name] = starters[name]()
            results: dict[str, dict[str, list[wrk.Result]]] = {
                s: {name: [] for name in wanted} for s in SCENARIOS
            }
            for round_no in range(rounds):
                # Alternate the order each round so no target always runs on a warmer machine.
                order = wanted[round_no % len(wanted) :] + wanted[: round_no % len(wanted)]
                for scenario, (path, lua) in SCENARIOS.items():
                    for name in order:
                        origin = running[name].origin
                        if name.startswith("mock"):
                            prepare_mock(origin)
                        wrk.run(origin + path, lua, connections=connections, duration_s=1)
                        cpu_before = running[name].cpu_seconds()
                        result = wrk.run(
                            origin + path, lua, connections=connections, duration_s=duration
                        )
                        result.cpu_us_per_request = round(
                            (running[name].cpu_seconds() - cpu_before)
                            * 1e6
                            / max(result.requests, 1),
                            1,
                        )
                        results[scenario][name].append(result)
                        click.echo(
                            f"round {round_no + 1} {scenario:<10} {name:<14} "
                            f"{result.rps:8.0f} req/s  p50 {result.p50_ms:6.2f} ms  "
                            f"p99 {result.p99_ms:7.2f} ms  errors {result.errors}  "
                            f"cpu {result.cpu_us_per_request:6.0f} us/req"
                        )
        finally:
            for server in running.values():
                server.stop()
    report: dict = {
        "connections": connections,
        "duration_s": duration,
        "rounds": rounds,
        "server": f"granian (default) or gunicorn gthread, {workers} workers x {threads} threads",
        "scenarios": {},
    }
    for scenario in SCENARIOS:
        rows = [row(name, results[scenario][name]) for name in wanted]
        by_name = {r["target"]: r for r in rows}
        ratios = {
            f"{a}_vs_{b}_rps": round(by_name[a]["rps"] / by_name[b]["rps"], 2)
            for a, b in RATIOS
            if a in by_name and b in by_name
        }
        # CPU per request is what a busy shared machine distorts least.
        ratios.update(
            {
                f"{b}_cpu_over_{a}_cpu": round(
                    by_name[b]["cpu_us_per_request"] / max(by_name[a]["cpu_us_per_request"], 1), 2
                )
                for a, b in RATIOS
                if a in by_name and b in by_name
            }
        )
        report["scenarios"][scenario] = {"rows": rows, "ratios": ratios}
        click.echo(f"\n{scenario}: median of {rounds} rounds, {connections} connections")
        click.echo(
            f"  {'target':<14} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
            f" {'cpu us/req':>10}"
        )
        for r in rows:
            click.echo(
                f"  {r['target']:<14} {r['rps']:>8} {r['p50_ms']:>8} {r['p99_ms']:>8} "
                f"{r['errors']:>7} {r['cpu_us_per_request']:>10}"
            )
        for key, value in ratios.items():
            click.echo(f"  {key}: {value}")
        report["scenarios"][scenario]["aims"] = aims = check_aims(by_name)
        for line in aims:
            click.echo(f"  aim: {line}")
    if memory_requests:
        click.echo(f"\nmemory: {memory_requests} token requests with distinct rooms (in process)")
        started = time.perf_counter()
        report["memory"] = memory.measure(memory_requests)
        click.echo(f"  {json.dumps(report['memory'])}  ({time.perf_counter() - started:.0f} s)")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2))
    click.echo(f"\nwritten to {output}")


if __name__ == "__main__":
    main()
