"""Crash safety with --state-file: SIGKILL to the whole process group while four clients
append transcript entries; after a restart every entry that was answered 201 is there, in
order, and the store passes SQLite's integrity check without any repair step."""

from __future__ import annotations

import http.client
import json
import signal
import sqlite3
import threading
import time

import requests

from tests.conftest import DEMO_KEY

H = {"X-API-Key": DEMO_KEY, "Content-Type": "application/json"}
WRITERS = 4


def test_sigkill_mid_write_loses_no_acknowledged_entry(make_served_mock, tmp_path):
    path = tmp_path / "crash.sqlite3"
    acked: list[tuple[int, str]] = []
    stop = threading.Event()

    def writer(n: int, port: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        i = 0
        while not stop.is_set():
            content = f"writer {n} line {i}"
            try:
                conn.request(
                    "POST",
                    "/api/v1/sessions/proj_crash/transcript",
                    json.dumps({"speaker": "user", "content": content}),
                    H,
                )
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):
                return  # the server is gone: this request was never acknowledged
            if response.status == 201:
                acked.append((json.loads(body)["sequence"], content))
            i += 1

    with make_served_mock("--state-file", path) as served:
        created = requests.post(
            f"{served.base_url}/api/v1/sessions", json={"room_name": "proj_crash"}, headers=H
        )
        assert created.status_code == 201
        threads = [threading.Thread(target=writer, args=(n, served.port)) for n in range(WRITERS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while len(acked) < 100 and time.monotonic() < deadline:
            time.sleep(0.02)
        served.signal(signal.SIGKILL)  # mid-write: the writers are still sending
        stop.set()
        for t in threads:
            t.join(timeout=15)
    assert len(acked) >= 100, "too few entries acknowledged before the kill"

    with make_served_mock("--state-file", path) as served:
        [session] = requests.get(f"{served.base_url}/__mock/state").json()["sessions"]
        # Still a working store: the next entry takes the next sequence.
        more = requests.post(
            f"{served.base_url}/api/v1/sessions/proj_crash/transcript",
            json={"speaker": "agent", "content": "after the crash"},
            headers=H,
        )
    stored = [(e["sequence"], e["content"]) for e in session["transcript"]]
    assert [s for s, _ in stored] == list(range(1, len(stored) + 1))  # in order, no gap
    assert set(acked) <= set(stored)
    assert more.status_code == 201 and more.json()["sequence"] == len(stored) + 1
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
