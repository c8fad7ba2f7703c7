"""Concurrent transcript appends against real servers: every acknowledged entry is stored
exactly once, in acknowledged order, and nothing answers 5xx.

Checked on werkzeug's threaded server (``live_mock``) and on the production server,
``voxai-mock`` (gunicorn gthread) started as a subprocess: one worker, and two worker
processes sharing one SQLite store."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import DEMO_KEY

H = {"X-API-Key": DEMO_KEY}
THREADS = 8
ENTRIES = 500
SHARED_PATH = "/api/v1/sessions/proj_shared/transcript"


@dataclass
class Target:
    """A mock on a real port, whichever server runs it."""

    base_url: str
    #: Journal entries with status >= 500 for an exact path (the journal is bounded).
    server_errors: Callable[[str], list[dict]]
    #: The server's own output, for failure messages ("" when it runs in this process).
    log: Callable[[], str] = str


@pytest.fixture(
    params=[
        pytest.param(None, id="werkzeug-live_mock"),
        pytest.param((), marks=pytest.mark.slow, id="voxai-mock"),
        pytest.param(("--server", "gunicorn"), marks=pytest.mark.slow, id="voxai-mock-gunicorn"),
        pytest.param(("--workers", "2"), marks=pytest.mark.slow, id="voxai-mock-2-workers"),
    ]
)
def served_mock(request) -> Iterator[Target]:
    """The same check on werkzeug (``live_mock``) and on ``voxai-mock`` subprocesses."""
    if request.param is None:
        live_mock = request.getfixturevalue("live_mock")
        yield Target(
            live_mock.base_url,
            lambda path: [c for c in live_mock.calls_to(path) if c["status"] >= 500],
        )
        return
    served = request.getfixturevalue("make_served_mock")(*request.param)

    def server_errors(path: str) -> list[dict]:
        journal = requests.get(f"{served.base_url}/__mock/requests", params={"limit": 1000})
        return [e for e in journal.json()["requests"] if e["path"] == path and e["status"] >= 500]

    yield Target(served.base_url, server_errors, served.log)


def post_entries(base_url, room, writer, acked, failures):
    # http.client with keep-alive: requests' per-call overhead would dominate the run time.
    conn = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=30)
    headers = {**H, "Content-Type": "application/json"}
    try:
        for i in range(ENTRIES):
            content = f"{writer}:{i}"
            body = json.dumps({"speaker": "user", "content": content})
            conn.request("POST", f"/api/v1/sessions/{room}/transcript", body, headers)
            response = conn.getresponse()
            payload = response.read()
            if response.status == 201:
                acked.append((json.loads(payload)["sequence"], content))
            else:
                failures.append((response.status, payload[:200]))
    except (OSError, http.client.HTTPException) as exc:
        # A dropped or stalled connection ends this writer; say so rather than leave only
        # a short count behind.
        failures.append((writer, f"after {len(acked)} acked in {room}", repr(exc)))
    finally:
        conn.close()


def test_concurrent_appends_are_stored_once_in_acknowledged_order(served_mock):
    base = served_mock.base_url
    own_rooms = [f"proj_own-{n}" for n in range(THREADS)]
    for room in [*own_rooms, "proj_shared"]:
        assert (
            requests.post(
                f"{base}/api/v1/sessions", json={"room_name": room}, headers=H
            ).status_code
            == 201
        )
    acked: dict[str, list] = {room: [] for room in [*own_rooms, "proj_shared"]}
    failures: list = []
    workers = [
        threading.Thread(target=post_entries, args=(base, room, f"own{n}", acked[room], failures))
        for n, room in enumerate(own_rooms)
    ] + [
        threading.Thread(
            target=post_entries,
            args=(base, "proj_shared", f"shared{n}", acked["proj_shared"], failures),
        )
        for n in range(THREADS)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not any(w.is_alive() for w in workers), "writers did not finish in time"
    assert failures == [], served_mock.log()

    snapshot = requests.get(f"{base}/__mock/state").json()
    stored = {s["session"]["room_name"]: s["transcript"] for s in snapshot["sessions"]}
    for room, entries in acked.items():
        expected = ENTRIES * (THREADS if room == "proj_shared" else 1)
        assert len(entries) == expected
        transcript = [(e["sequence"], e["content"]) for e in stored[room]]
        # Stored exactly once, and the stored order is the acknowledged sequence order.
        assert transcript == sorted(entries)
        assert [seq for seq, _ in transcript] == list(range(1, expected + 1))
    # Each writer's own entries keep the order it sent them in.
    shared = [content for _, content in sorted(acked["proj_shared"])]
    for n in range(THREADS):
        mine = [c for c in shared if c.startswith(f"shared{n}:")]
        assert mine == [f"shared{n}:{i}" for i in range(ENTRIES)]
    assert not served_mock.server_errors(SHARED_PATH)
