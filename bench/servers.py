"""Start and stop the benchmarked servers as subprocesses on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
PRISM = BENCH / "node_modules" / ".bin" / "prism"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"port {port} did not open in {deadline_s}s")


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server and its worker processes."""
        import psutil

        total = 0.0
        root = psutil.Process(self.process.pid)
        for proc in [root, *root.children(recursive=True)]:
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def _spawn(
    name: str, argv: list[str], port: int, env: dict | None = None, cwd: Path = ROOT
) -> Server:
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    wait_for_port(port, process)
    return Server(name, port, process)


def start_mock(
    server: str = "granian", threads: int = 4, workers: int = 1, cwd: Path = ROOT
) -> Server:
    """``python -m mock_server`` run in ``cwd`` (a checkout: its mock_server is the one served)."""
    port = free_port()
    argv = [sys.executable, "-m", "mock_server", "--port", str(port), "--server", server]
    if server in ("gunicorn", "granian"):
        argv += ["--threads", str(threads), "--workers", str(workers)]
    return _spawn(f"mock ({server})", argv, port, cwd=cwd)


def start_bare(
    samples_file: Path, threads: int = 4, workers: int = 1, server: str = "granian"
) -> Server:
    """The bare app, served by ``mock_server.cli``'s own server function, as the mock is."""
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "bench.serve_bare",
        str(port),
        str(samples_file),
        str(threads),
        str(workers),
        server,
    ]
    return _spawn(f"bare Flask ({server})", argv, port)


def start_prism(spec: Path) -> Server:
    if not PRISM.exists():
        raise RuntimeError("Prism is not installed; run npm ci in bench/")
    port = free_port()
    argv = [
        str(PRISM),
        "mock",
        str(spec),
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
        "--errors",
        "false",
    ]
    return _spawn("Prism", argv, port)


def ensure_tools() -> None:
    """wrk from Debian and Prism from npm (pinned in bench/package.json), installed if missing."""
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    stamp = BENCH / "node_modules" / ".installed"
    lock = BENCH / "package-lock.json"
    if not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run(["npm", "ci", "--silent", "--no-audit", "--no-fund"], cwd=BENCH, check=True)
        stamp.touch()
