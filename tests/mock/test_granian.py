"""voxai-mock on granian (the default server, the faster one: README Benchmarks) serves the
same mock: spec-validated requests, real LiveKit tokens, state and the journal; a truncated
body; two workers sharing one store. ``connection=reset|hang`` need the socket granian does
not hand the app, so they are refused with a 400 that names ``--server gunicorn``."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import jwt
import psutil
import pytest
import requests
import yaml

from mock_server.config import DEFAULT_SEED
from tests.conftest import DEMO_KEY
from tests.served import free_port

H = {"X-API-Key": DEMO_KEY}


def test_granian_serves_tokens_sessions_and_the_journal(make_served_mock):
    with make_served_mock() as served:
        base = served.base_url
        token = requests.post(
            f"{base}/api/v1/token", json={"identity": "u", "room": "g"}, headers=H, timeout=10
        )
        assert token.status_code == 200
        claims = jwt.decode(token.json()["token"], "secret", algorithms=["HS256"])
        assert claims["video"]["room"] == "proj_g"
        bad = requests.post(f"{base}/api/v1/token", json={"room": "g"}, headers=H, timeout=10)
        assert bad.status_code == 400  # validated against the spec
        requests.post(f"{base}/api/v1/sessions", json={"room_name": "proj_g"}, headers=H)
        entry = requests.post(
            f"{base}/api/v1/sessions/proj_g/transcript",
            json={"speaker": "user", "content": "hello"},
            headers=H,
            timeout=10,
        )
        assert entry.status_code == 201 and entry.json()["sequence"] == 1
        journal = requests.get(f"{base}/__mock/requests", timeout=10).json()["requests"]
        assert [e["status"] for e in journal] == [200, 400, 201, 201]


def test_a_truncated_body_on_granian_stops_at_half_its_length(make_served_mock):
    with make_served_mock() as served:
        whole = requests.get(f"{served.base_url}/api/v1/agents", headers=H, timeout=10).content
        for _ in range(5):
            conn = http.client.HTTPConnection(f"127.0.0.1:{served.port}", timeout=10)
            conn.request(
                "GET", "/api/v1/agents", headers={**H, "X-VoxAI-Mock": "connection=truncate"}
            )
            response = conn.getresponse()
            assert response.status == 200
            assert int(response.headers["Content-Length"]) == len(whole)
            with pytest.raises(http.client.IncompleteRead) as cut:
                response.read()
            assert cut.value.partial == whole[: len(whole) // 2]
            conn.close()


@pytest.mark.parametrize("connection", ["reset", "hang"])
def test_socket_faults_on_granian_are_refused_naming_the_server_that_can(
    make_served_mock, connection
):
    with make_served_mock() as served:
        base = served.base_url
        by_header = requests.get(
            f"{base}/api/v1/agents",
            headers={**H, "X-VoxAI-Mock": f"connection={connection}"},
            timeout=10,
        )
        by_rule = requests.put(
            f"{base}/__mock/faults/listAgents", json={"connection": connection}, timeout=10
        )
        for refused, field in ((by_header, "X-VoxAI-Mock.connection"), (by_rule, "connection")):
            assert refused.status_code == 400
            assert "--server gunicorn" in refused.json()["message"]
            assert [d["field"] for d in refused.json()["details"]] == [field]
        assert requests.get(f"{base}/__mock/faults", timeout=10).json()["faults"] == {}


def test_two_granian_workers_keep_one_exact_transcript(make_served_mock):
    """Four writers, a fresh connection per entry, on --workers 2: every entry acknowledged
    once, in one sequence. Which worker takes a connection is the kernel's choice here, so
    this does not prove both served; the SIGSTOP test on gunicorn (test_workers.py) does."""
    with make_served_mock("--workers", "2") as served:
        assert len(served.workers()) >= 2
        requests.post(f"{served.base_url}/api/v1/sessions", json={"room_name": "proj_w"}, headers=H)
        acked: list[int] = []

        def writer(n):
            for i in range(40):
                conn = http.client.HTTPConnection(f"127.0.0.1:{served.port}", timeout=30)
                body = json.dumps({"speaker": "user", "content": f"{n}:{i}"})
                conn.request(
                    "POST",
                    "/api/v1/sessions/proj_w/transcript",
                    body,
                    {**H, "Content-Type": "application/json"},
                )
                response = conn.getresponse()
                assert response.status == 201
                acked.append(json.loads(response.read())["sequence"])
                conn.close()

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(acked) == list(range(1, 161))
        journal = requests.get(f"{served.base_url}/__mock/requests?limit=1000", timeout=10).json()
        assert sum(e["status"] == 201 for e in journal["requests"]) == 161


@pytest.mark.slow
def test_a_signal_while_the_workers_load_the_app_stops_the_mock(tmp_path):
    """SIGTERM to the process group while granian's workers are still loading the app stops
    everything: a worker must not inherit a handler that swallows it and then serve forever
    while the main process waits for it. A seed with 20,000 documents makes each worker's
    load take seconds, so the signal lands inside it (after the banner, which the main
    process prints before it forks them)."""
    seed = yaml.safe_load(DEFAULT_SEED.read_text())
    seed["knowledge_bases"][0]["documents"] += [
        {"id": f"bulk-{i}", "title": f"Page {i}", "section": "bulk", "content": f"Text {i}."}
        for i in range(20_000)
    ]
    seed_path = tmp_path / "big-seed.yaml"
    seed_path.write_text(yaml.safe_dump(seed))
    log = tmp_path / "voxai-mock.log"
    argv = [sys.executable, "-m", "mock_server", "--port", str(free_port()), "--workers", "2"]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [*argv, "--seed", str(seed_path)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while "listening on" not in log.read_text():
            assert time.monotonic() < deadline and process.poll() is None, log.read_text()
            time.sleep(0.01)
        # Signal the workers as soon as both are forked: loading the big seed takes seconds.
        workers = psutil.Process(process.pid).children(recursive=True)
        while len(workers) < 2:
            assert time.monotonic() < deadline and process.poll() is None, log.read_text()
            time.sleep(0.01)
            workers = psutil.Process(process.pid).children(recursive=True)
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        gone, alive = psutil.wait_procs(workers, timeout=20)
        assert alive == []  # a loading worker ends on SIGTERM, it does not swallow it
        os.killpg(process.pid, signal.SIGTERM)
        assert process.wait(timeout=15) is not None
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_a_latency_fault_does_not_hold_the_other_requests(make_served_mock):
    """The app runs one request at a time (mock_server/one_at_a_time.py), but a request waiting
    in a latency fault gives its turn up: the others are answered meanwhile."""
    with make_served_mock() as served:
        slow_started = threading.Event()
        timings: dict[str, float] = {}

        def slow():
            started = time.monotonic()
            slow_started.set()
            response = requests.get(
                f"{served.base_url}/api/v1/agents",
                headers={**H, "X-VoxAI-Mock": "latency_ms=2000"},
                timeout=10,
            )
            assert response.status_code == 200
            timings["slow"] = time.monotonic() - started

        waiting = threading.Thread(target=slow)
        waiting.start()
        slow_started.wait(5)
        time.sleep(0.3)  # the slow request is inside its wait
        started = time.monotonic()
        for _ in range(5):
            fast = requests.get(f"{served.base_url}/api/v1/agents", headers=H, timeout=10)
            assert fast.status_code == 200
        timings["fast"] = time.monotonic() - started
        waiting.join(15)
        assert timings["slow"] >= 2.0
        assert timings["fast"] < 1.0, timings


def test_a_stalled_upload_does_not_hold_the_other_requests(make_served_mock):
    """A client that sends half its body and stops: its body is read before the app's turn,
    so the other requests go on being answered."""
    with make_served_mock() as served:
        stalled = socket.create_connection(("127.0.0.1", served.port), timeout=10)
        try:
            stalled.sendall(
                b"POST /api/v1/token HTTP/1.1\r\nHost: x\r\nX-API-Key: vx_demo_key\r\n"
                b'Content-Type: application/json\r\nContent-Length: 27\r\n\r\n{"ide'
            )
            time.sleep(0.3)  # the stalled request is in the server
            for _ in range(3):
                answered = requests.get(f"{served.base_url}/api/v1/agents", headers=H, timeout=3)
                assert answered.status_code == 200
        finally:
            stalled.close()


def test_a_rule_granian_cannot_carry_out_names_itself(make_served_mock, tmp_path):
    """A connection=reset rule kept in a shared store by a gunicorn mock, then served by
    granian: the 400 names the rule and how to delete it, not a header nobody sent."""
    state = tmp_path / "state.sqlite3"
    shared = ("--workers", "2", "--state-file", state)
    with make_served_mock("--server", "gunicorn", *shared) as gunicorn:
        put = requests.put(
            f"{gunicorn.base_url}/__mock/faults/listAgents", json={"connection": "reset"}
        )
        assert put.status_code == 200, put.text
    with make_served_mock(*shared) as served:
        refused = requests.get(f"{served.base_url}/api/v1/agents", headers=H, timeout=10)
        assert refused.status_code == 400
        assert "fault rule on listAgents" in refused.json()["message"]
        assert "DELETE /__mock/faults/listAgents" in refused.json()["message"]
        assert refused.json()["details"][0]["location"] == "body"
        requests.delete(f"{served.base_url}/__mock/faults/listAgents", timeout=10)
        assert requests.get(f"{served.base_url}/api/v1/agents", headers=H).status_code == 200
