"""The one helper that serves ``voxai-mock`` for tests (``tests/served.py``) says why a mock
did not start, at once, instead of a bare timeout."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.served import ServedMock, free_port, wait_for_port


def test_a_mock_that_cannot_start_fails_at_once_with_its_own_output(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("projects: [{id: 1}]\n")
    started = time.monotonic()
    with pytest.raises(AssertionError, match="malformed"):
        ServedMock("--seed", str(seed), boot_s=30)
    # Its exit is noticed on the next poll, not at the 30 s boot deadline.
    assert time.monotonic() - started < 15


def test_waiting_for_a_port_stops_when_the_server_exits():
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    with pytest.raises(RuntimeError, match=r"exited \(3\)"):
        wait_for_port(free_port(), deadline_s=30, process=process)
