"""One contract for both stores (``mock_server/store``): every test runs against the memory
store and the SQLite store, directly and through an app; the cap-order and webhook replay
rules are proven here on both."""

from __future__ import annotations

import pytest

from mock_server import create_app
from mock_server.state import EXTENSION
from mock_server.store.memory import MemoryStore
from mock_server.store.sqlite import SqliteStore
from tests.conftest import DEMO_KEY, mock_config
from tests.mock.webhook_signing import WEBHOOK_PATH, event, headers, protojson

H = {"X-API-Key": DEMO_KEY}
STORES = ["memory", "sqlite"]


@pytest.fixture(params=STORES)
def store(request, tmp_path):
    made = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "s.sqlite3")
    yield made
    made.close()


@pytest.fixture(params=STORES)
def make_app(request, tmp_path):
    """``make_app(**config)``: an app on the parametrized store (SQLite in one file)."""

    def make(**overrides):
        if request.param == "sqlite":
            overrides.setdefault("state_file", tmp_path / "state.sqlite3")
        return create_app(mock_config(testing=True, **overrides))

    return make


def person(room, identity, joined_at=1_800_000_000):
    return {
        "room": room,
        "identity": identity,
        "sid": f"PA_{identity}",
        "name": identity,
        "kind": "STANDARD",
        "state": "ACTIVE",
        "joined_at": joined_at,
        "is_publisher": 1,
        "metadata": "",
    }


def session_row(room_name, project_id=1):
    return {
        "project_id": project_id,
        "room_name": room_name,
        "agent_config_id": None,
        "caller_identity": None,
        "session_type": "voice",
        "status": "active",
        "metadata": "{}",
        "started_at": 1_800_000_000.0,
    }


# --- the interface ------------------------------------------------------------------------
def test_add_room_creates_once_then_touches(store):
    with store.write() as tx:
        assert tx.add_room("proj_a", 1, "RM_a", 10.0, 10.0) is True
        assert tx.add_room("proj_b", 1, "RM_b", 11.0, 11.0) is True
        assert tx.add_room("proj_a", 1, "RM_other", 12.0, 12.0) is False
        assert tx.least_recent_rooms(1, 1) == ["proj_b"]  # a was touched last
        assert tx.rooms_untouched_since(11.5) == ["proj_b"]
        assert [(r["name"], r["sid"], n) for r, n in tx.rooms(1)] == [
            ("proj_a", "RM_a", 0),
            ("proj_b", "RM_b", 0),
        ]
        assert tx.count_rooms(1) == 2 and tx.count_rooms(2) == 0
        assert tx.room_exists("proj_a", 1) and not tx.room_exists("proj_a", 2)


def test_dropping_a_room_drops_its_participants(store):
    with store.write() as tx:
        tx.add_room("proj_a", 1, "RM_a", 10.0, 10.0)
        tx.put_participant(person("proj_a", "u"))
        tx.drop_rooms(["proj_a"])
        assert tx.rooms() == [] and tx.participants() == []
    assert store.counts()["participants"] == 0


def test_first_arrived_is_evicted_whatever_the_names_and_a_rejoin_arrives_anew(store):
    with store.write() as tx:
        for name in ("zed", "yan", "xia", "wes"):  # one whole second: joined_at ties
            tx.put_participant(person("proj_r", name))
        tx.put_participant(person("proj_r", "zed"))  # zed rejoins: now the latest arrival
        tx.evict_first_arrived("proj_r")
        assert [p["identity"] for p in tx.participants("proj_r")] == ["xia", "wes", "zed"]
        assert tx.participant_sid("proj_r", "xia") == "PA_xia"
        assert tx.count_participants("proj_r") == 3
        tx.remove_participant("proj_r", "xia")
        assert tx.participant_sid("proj_r", "xia") is None


def test_a_webhook_id_is_remembered_once_and_the_newest_are_kept(store):
    with store.write() as tx:
        assert [tx.remember_webhook(f"EV_{i}") for i in range(5)] == [True] * 5
        assert tx.remember_webhook("EV_4") is False
        tx.forget_webhooks_beyond(2)
        assert tx.remember_webhook("EV_4") is False
        assert tx.remember_webhook("EV_0") is True  # forgotten, so new again
    assert store.counts()["webhook_ids"] == 3


def test_sessions_count_entries_only_while_active_and_under_the_cap(store):
    with store.write() as tx:
        first = tx.add_session(session_row("proj_s"))
        assert tx.count_entry(1, "proj_s", 5, 2) == (first["id"], 1)
        assert tx.count_entry(1, "proj_s", 5, 2) == (first["id"], 2)
        assert tx.count_entry(1, "proj_s", 5, 2) is None  # full
        assert tx.count_entry(2, "proj_s", 5, 2) is None  # another project's room
        ended = tx.end_session(first["id"], 1_800_000_060.0, 60.0, "done")
        assert (ended["status"], ended["transcript_count"], ended["content_chars"]) == (
            "completed",
            2,
            10,
        )
        assert tx.count_entry(1, "proj_s", 5, 9) is None  # ended
        second = tx.add_session(session_row("proj_s"))
        assert tx.latest_session(1, "proj_s")["id"] == second["id"] > first["id"]
        assert tx.ended_sessions(1) == [(first["id"], 2)]
        assert tx.sessions_to_evict(1, 1) == [first["id"]]  # ended before active
        assert tx.project_entry_total(1) == 2
        tx.delete_session(second["id"])
        assert tx.latest_session(1, "proj_s")["id"] == first["id"]


def test_entries_are_kept_in_order_by_column_name(store):
    with store.write() as tx:
        session = tx.add_session(session_row("proj_t"))
        for sequence in (1, 2):
            tx.add_entry(
                {
                    "session_id": session["id"],
                    "sequence": sequence,
                    "speaker": "user",
                    "content": f"line {sequence}",
                    "timestamp_ms": None,
                    "is_final": 1,
                    "created_at": 1.0,
                }
            )
        assert [(e["sequence"], e["content"]) for e in tx.entries()] == [
            (1, "line 1"),
            (2, "line 2"),
        ]
        tx.delete_session(session["id"])
        assert tx.entries() == []


def test_clear_empties_every_table_and_never_reuses_a_session_id(store):
    with store.write() as tx:
        before = tx.add_session(session_row("proj_c"))["id"]
        tx.add_room("proj_c", 1, "RM_c", 1.0, 1.0)
        tx.add_rollup(
            {
                "project_id": 1,
                "day": "2027-01-01",
                "agent_id": None,
                "model": "m",
                "sessions": 1,
                "duration_seconds": 1.0,
                "llm_tokens": 2,
                "cost_llm": 0.1,
                "cost_stt": 0.0,
                "cost_tts": 0.0,
                "cost_livekit": 0.0,
            }
        )
        assert [r["model"] for r in tx.rollups(1)] == ["m"]
    store.clear()
    assert set(store.counts().values()) == {0}
    with store.write() as tx:
        assert tx.add_session(session_row("proj_c"))["id"] > before


# --- the rules, through an app on each store ----------------------------------------------
def test_participant_cap_evicts_by_arrival_not_by_name(make_app):
    app = make_app(max_participants_per_room=3)
    app.extensions[EXTENSION].clock = lambda: 1_800_000_000.5  # joined_at ties for all four
    client = app.test_client()
    # Names sort opposite to arrival: ordering by joined_at then name would evict xia.
    for name in ("zed", "yan", "xia", "wes"):
        body = {"identity": name, "room": "capped", "no_agent": True}
        assert client.post("/api/v1/token", json=body, headers=H).status_code == 200
    listed = client.get("/api/v1/rooms/capped/participants", headers=H).get_json()
    assert sorted(p["identity"] for p in listed["participants"]) == ["wes", "xia", "yan"]


def deliver(client, body):
    return client.post(WEBHOOK_PATH, data=body, headers=headers(body))


def test_a_redelivered_webhook_is_applied_once(make_app):
    client = make_app().test_client()
    started = protojson(event("room_started", "proj_replayed"))
    assert deliver(client, started).get_json()["duplicate"] is False
    deliver(client, protojson(event("room_finished", "proj_replayed")))
    # Applied again, the redelivered room_started would bring the finished room back.
    assert deliver(client, started).get_json()["duplicate"] is True
    assert client.get("/api/v1/rooms", headers=H).get_json()["rooms"] == []


def test_a_webhook_redelivered_after_a_restart_is_applied_once(tmp_path):
    path = tmp_path / "restart.sqlite3"
    body = protojson(event("room_started", "proj_replayed"))
    first = create_app(mock_config(testing=True, state_file=path))
    assert deliver(first.test_client(), body).get_json()["duplicate"] is False
    deliver(first.test_client(), protojson(event("room_finished", "proj_replayed")))
    first.extensions[EXTENSION].store.close()
    # After the restart the redelivered room_started must not bring the finished room back.
    again = create_app(mock_config(testing=True, state_file=path)).test_client()
    assert deliver(again, body).get_json()["duplicate"] is True
    assert again.get("/api/v1/rooms", headers=H).get_json()["rooms"] == []


def test_eviction_takes_ended_sessions_first_then_the_oldest_active(store):
    with store.write() as tx:
        ids = [tx.add_session(session_row(f"proj_{n}"))["id"] for n in range(4)]
        tx.end_session(ids[2], 1_800_000_060.0, 60.0, None)
        assert tx.sessions_to_evict(1, 1) == [ids[2]]
        assert tx.sessions_to_evict(1, 3) == [ids[2], ids[0], ids[1]]
        assert tx.count_sessions(1) == 4 and tx.count_sessions(2) == 0
