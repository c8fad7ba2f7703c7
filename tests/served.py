"""Servers on real ports for the tests: a free port, waiting for one to open, and
``voxai-mock`` itself served in its own process group (``ServedMock``), for tests that need
the real command: its WSGI servers, ``--workers``, restarts and crashes.

Tests get a ``ServedMock`` through the ``make_served_mock`` fixture (``tests/conftest.py``),
which stops every mock it started; the in-process ``live_mock`` fixtures serve the app on a
thread instead, for tests that need a port but not the command."""

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
    """A port nothing listens on now (so a connection to it is refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, deadline_s: float, process: subprocess.Popen | None = None) -> None:
    """Return once 127.0.0.1:``port`` accepts a connection; ``RuntimeError`` when
    ``process`` exits first or the deadline passes."""
    deadline = time.monotonic() + deadline_s
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"the server exited ({process.returncode}) before port {port} opened"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"port {port} did not open in {deadline_s}s") from None
            time.sleep(0.05)


class ServedMock:
    """``python -m mock_server --port PORT *args``, ready when ``/__mock/faults`` answers.

    ``.port``, ``.base_url``, ``.process``; ``.log()`` is the server's output so far;
    ``.signal(sig)`` reaches every worker; ``.stop()`` (SIGTERM, idempotent) ends it, as
    leaving a ``with`` block does (a restart test ends one before the next); the
    ``make_served_mock`` fixture stops whatever is left at teardown.
    """

    def __init__(
        self, *args: str, port: int | None = None, boot_s: float = 30, log_path: Path | None = None
    ) -> None:
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        # Output to a file: a pipe nobody reads could fill up and stall the server.
        self._own_log = log_path is None
        self.log_path = log_path or Path(tempfile.mkstemp(prefix="voxai-mock-", suffix=".log")[1])
        # The test decides the options: a developer's VOXAI_MOCK_* must not change them.
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
                requests.get(f"{self.base_url}/__mock/faults", timeout=2)
                return
            # A read timeout too: gunicorn's master listens before its workers have booted.
            except (requests.ConnectionError, requests.Timeout):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.signal(signal.SIGKILL)
                    raise AssertionError(self.log()) from None
                time.sleep(0.1)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def workers(self) -> list[int]:
        return [c.pid for c in psutil.Process(self.process.pid).children(recursive=True)]

    def signal(self, sig: int) -> None:
        """Send ``sig`` to the whole process group and wait for the server to go."""
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=15)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.signal(signal.SIGTERM)
        if self._own_log:
            self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> ServedMock:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
