"""voxai-mock --workers 2: two processes behave as one mock through the shared SQLite store:
transcript sequences stay exact; faults, the journal and webhook dedupe are seen by every
worker. Which worker serves a request is decided, not left to chance: the other worker is
paused (SIGSTOP), so only the chosen one can accept the fresh connection. That needs gunicorn,
whose workers share one accept queue; granian's workers (the default server) share the same
store, and tests/mock/test_granian.py runs them."""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.conftest import DEMO_KEY
from tests.mock.webhook_signing import WEBHOOK_PATH, event, headers, protojson

H = {"X-API-Key": DEMO_KEY, "Content-Type": "application/json"}


@contextmanager
def served_by(worker: int, workers: list[int]):
    """Every connection opened inside the block is served by ``worker``."""
    paused = [w for w in workers if w != worker]
    for pid in paused:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in paused:
            os.kill(pid, signal.SIGCONT)


def fresh(method: str, url: str, **kwargs) -> requests.Response:
    """One request on its own connection (a kept-alive one stays with its first worker)."""
    with requests.Session() as session:
        return session.request(method, url, timeout=10, **kwargs)


def test_two_worker_processes_share_state_faults_journal_and_webhook_ids(make_served_mock):
    with make_served_mock("--server", "gunicorn", "--workers", "2", "--threads", "4") as served:
        base = served.base_url
        workers = served.workers()
        assert len(workers) == 2
        first, second = workers

        requests.post(f"{base}/api/v1/sessions", json={"room_name": "proj_w"}, headers=H)
        acked: list[int] = []

        def writer(n):
            # One connection each: gunicorn spreads the connections over both workers.
            conn = http.client.HTTPConnection(f"127.0.0.1:{served.port}", timeout=30)
            for i in range(60):
                body = json.dumps({"speaker": "user", "content": f"{n}:{i}"})
                conn.request("POST", "/api/v1/sessions/proj_w/transcript", body, H)
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

        webhook = protojson(event("room_started", "proj_replayed"))
        with served_by(first, workers):
            fresh("PUT", f"{base}/__mock/faults/listAgents", json={"status": 503, "times": 2})
            assert fresh("GET", f"{base}/api/v1/agents", headers=H).status_code == 503
            delivered = fresh(
                "POST", f"{base}{WEBHOOK_PATH}", data=webhook, headers=headers(webhook)
            )
            assert delivered.json()["duplicate"] is False
        with served_by(second, workers):
            # The rule's second and last failure, counted across workers, then healthy.
            assert fresh("GET", f"{base}/api/v1/agents", headers=H).status_code == 503
            assert fresh("GET", f"{base}/api/v1/agents", headers=H).status_code == 200
            again = fresh("POST", f"{base}{WEBHOOK_PATH}", data=webhook, headers=headers(webhook))
            assert again.json()["duplicate"] is True
            journal = fresh("GET", f"{base}/__mock/requests?limit=1000").json()["requests"]
        assert sum(e["operation_id"] == "addTranscriptEntry" for e in journal) == 360
        assert [e["status"] for e in journal if e["operation_id"] == "listAgents"] == [
            503,
            503,
            200,
        ]
        assert sum(e["operation_id"] == "receiveLivekitWebhook" for e in journal) == 2
    # The scratch store the workers shared is removed with the server.
    assert not list(Path("/dev/shm").glob(f"voxai-mock-{served.process.pid}.*"))
