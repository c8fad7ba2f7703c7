"""voxai-mock --workers 2: two processes behave as one mock through the shared SQLite store:
transcript sequences stay exact, faults and the journal are seen by every worker."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from tests.conftest import DEMO_KEY
from tests.mock.test_state_file import free_port

H = {"X-API-Key": DEMO_KEY, "Content-Type": "application/json"}


def test_two_worker_processes_share_state_faults_and_journal():
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mock_server",
            "--port",
            str(port),
            "--workers",
            "2",
            "--threads",
            "4",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(f"{base}/__mock/faults", timeout=1)
                break
            # A read timeout too: gunicorn's master listens before its workers have booted.
            except (requests.ConnectionError, requests.Timeout):
                assert time.monotonic() < deadline, process.stdout.read1().decode()
                time.sleep(0.1)
        workers = {c for c in _children(process.pid)}
        assert len(workers) == 2

        requests.post(f"{base}/api/v1/sessions", json={"room_name": "proj_w"}, headers=H)
        acked: list[int] = []

        def writer(n):
            # One connection each: gunicorn spreads the connections over both workers.
            conn = http.client.HTTPConnection(f"127.0.0.1:{port}", timeout=30)
            for i in range(60):
                conn.request(
                    "POST",
                    "/api/v1/sessions/proj_w/transcript",
                    json.dumps({"speaker": "user", "content": f"{n}:{i}"}),
                    H,
                )
                response = conn.getresponse()
                body = response.read()
                assert response.status == 201, body
                acked.append(json.loads(body)["sequence"])
            conn.close()

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(acked) == list(range(1, 361))
        transcript = requests.get(f"{base}/__mock/state").json()["sessions"][0]["transcript"]
        assert [e["sequence"] for e in transcript] == list(range(1, 361))

        journal = requests.get(f"{base}/__mock/requests?limit=1000").json()["requests"]
        assert sum(e["operation_id"] == "addTranscriptEntry" for e in journal) == 360

        requests.put(f"{base}/__mock/faults/listAgents", json={"status": 503})
        statuses = set()
        for _ in range(6):  # new connections land on either worker
            with requests.Session() as fresh:
                statuses.add(fresh.get(f"{base}/api/v1/agents", headers=H).status_code)
        assert statuses == {503}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    # The scratch store the workers shared is removed with the server.
    assert not list(Path("/dev/shm").glob(f"voxai-mock-{process.pid}.*"))


def _children(pid: int) -> list[int]:
    import psutil

    return [c.pid for c in psutil.Process(pid).children(recursive=True)]
