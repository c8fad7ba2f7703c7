"""Concurrent transcript appends against a real threaded server: every acknowledged entry is
stored exactly once, in acknowledged order, and nothing answers 5xx."""

from __future__ import annotations

import http.client
import json
import threading
from urllib.parse import urlsplit

import requests

from tests.conftest import DEMO_KEY

H = {"X-API-Key": DEMO_KEY}
THREADS = 8
ENTRIES = 500


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
    finally:
        conn.close()


def test_concurrent_appends_are_stored_once_in_acknowledged_order(live_mock):
    base = live_mock.base_url
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
    assert failures == []

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
    assert not [
        c
        for c in live_mock.calls_to("/api/v1/sessions/proj_shared/transcript")
        if c["status"] >= 500
    ]
