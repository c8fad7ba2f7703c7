"""``voxai-mock`` served in its own process group, for tests that need the real command:
restarts, crashes and ``--workers``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServedMock:
    """``python -m mock_server --port PORT *args``, ready when ``/__mock/faults`` answers."""

    def __init__(
        self, *args: str, port: int | None = None, boot_s: float = 30, log_path: Path | None = None
    ) -> None:
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # Output to a file: a pipe nobody reads could fill up and stall the server.
        self.log_path = log_path or Path(tempfile.mkstemp(prefix="voxai-mock-", suffix=".log")[1])
        env = {k: v for k, v in os.environ.items() if not k.startswith("VOXAI_MOCK_")}
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "mock_server", "--port", str(self.port), *map(str, args)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # its own process group: signals reach every worker
            )
        deadline = time.monotonic() + boot_s
        while True:
            try:
                requests.get(f"{self.base}/__mock/faults", timeout=2)
                return
            # A read timeout too: gunicorn's master listens before its workers have booted.
            except (requests.ConnectionError, requests.Timeout):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.signal(signal.SIGKILL)
                    raise AssertionError(self.log_path.read_text()) from None
                time.sleep(0.1)

    def workers(self) -> list[int]:
        return [c.pid for c in psutil.Process(self.process.pid).children(recursive=True)]

    def signal(self, sig: int) -> None:
        """Send ``sig`` to the whole process group and wait for the server to go."""
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=15)

    def __enter__(self) -> ServedMock:
        return self

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.signal(signal.SIGTERM)
        self.log_path.unlink(missing_ok=True)


def stop_cli(process: subprocess.Popen) -> None:
    """SIGTERM to the server's process group, and wait for it."""
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=15)
