"""Memory stays bounded under sustained load: every growing table and list has a cap that holds.
(The 100,000-request RSS figure comes from ``python -m bench``; this proves the caps.)"""

from __future__ import annotations

from mock_server import create_app
from mock_server.state import EXTENSION
from tests.conftest import DEMO_KEY, mock_config

H = {"X-API-Key": DEMO_KEY}


def rows(app, table):
    return app.extensions[EXTENSION].store.counts()[table]


def test_distinct_room_tokens_keep_rooms_participants_and_journal_capped():
    app = create_app(mock_config(testing=True, max_rooms_per_project=64, journal_size=50))
    client = app.test_client()
    for i in range(400):
        assert (
            client.post(
                "/api/v1/token", json={"identity": "u", "room": f"r{i}"}, headers=H
            ).status_code
            == 200
        )
    cap_slack = max(1, 64 // 32)
    assert rows(app, "rooms") <= 64 + cap_slack
    assert rows(app, "participants") <= 2 * (64 + cap_slack)  # caller + default agent
    assert len(app.extensions[EXTENSION].journal) == 50
    newest = client.get("/api/v1/rooms", headers=H).get_json()["rooms"][-1]
    assert newest["name"] == "r399"


def test_participants_per_room_are_capped_keeping_the_newest():
    app = create_app(mock_config(testing=True, max_participants_per_room=3))
    client = app.test_client()
    for i in range(6):
        body = {"identity": f"user{i}", "room": "crowded", "no_agent": True}
        assert client.post("/api/v1/token", json=body, headers=H).status_code == 200
    listed = client.get("/api/v1/rooms/crowded/participants", headers=H).get_json()
    identities = [p["identity"] for p in listed["participants"]]
    assert rows(app, "participants") == 3
    assert len(identities) == 3 and "user5" in identities


def test_every_default_cap_is_finite_and_positive():
    # The behaviour behind each cap is proven where it lives (rooms and journal above,
    # sessions and transcripts in test_sessions.py, webhook ids in test_webhooks.py);
    # this keeps a default from being set to 0 or to "unbounded" by accident.
    config = mock_config()
    caps = [
        config.max_rooms_per_project,
        config.max_participants_per_room,
        config.max_sessions_per_project,
        config.max_transcript_entries,
        config.journal_size,
        config.webhook_ids_kept,
    ]
    assert all(0 < cap < 10**6 for cap in caps)


def test_project_transcript_budget_evicts_oldest_ended_sessions_and_keeps_usage(monkeypatch):
    import mock_server.sessions

    monkeypatch.setattr(mock_server.sessions, "TRANSCRIPT_CHECK_EVERY", 10)
    app = create_app(mock_config(testing=True, max_project_transcript_entries=120))
    client = app.test_client()
    for n in range(5):
        room = f"proj_call-{n}"
        client.post("/api/v1/sessions", json={"room_name": room}, headers=H)
        for i in range(50):
            client.post(
                f"/api/v1/sessions/{room}/transcript",
                json={"speaker": "user", "content": f"line {i}"},
                headers=H,
            )
        client.post(f"/api/v1/sessions/{room}/end", json={"duration": 60}, headers=H)
    usage = client.get("/api/v1/usage?period=today", headers=H).get_json()["totals"]
    client.post("/api/v1/sessions", json={"room_name": "proj_last"}, headers=H)
    for _ in range(10):  # one more check, with every earlier session ended
        client.post(
            "/api/v1/sessions/proj_last/transcript",
            json={"speaker": "user", "content": "x"},
            headers=H,
        )
    assert rows(app, "transcripts") <= 120 + 10
    kept = [s["session"]["room_name"] for s in client.get("/__mock/state").get_json()["sessions"]]
    assert kept[-1] == "proj_last" and "proj_call-0" not in kept
    assert client.get("/api/v1/usage?period=today", headers=H).get_json()["totals"] == usage


def test_a_journal_entry_keeps_about_its_bodies_size_in_memory():
    """An entry keeps the response's bytes, not the encoder's whole output buffer (orjson's
    was 4 KiB for a 600-byte token answer: 8 MiB over a full journal). Measured as the
    memory a 200-entry journal holds beyond a 1-entry one, after the same 200 tokens."""
    import tracemalloc

    def held(journal_size: int) -> int:
        tracemalloc.start()
        try:
            app = create_app(mock_config(testing=True, journal_size=journal_size))
            client = app.test_client()
            for i in range(200):
                client.post("/api/v1/token", json={"identity": "u", "room": f"r{i}"}, headers=H)
            return tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()

    held(1)  # module-level caches fill on the first app's requests, not inside the comparison
    per_entry = (held(200) - held(1)) / 199
    assert per_entry < 2048, f"{per_entry:.0f} bytes per journal entry"  # about 800 measured
