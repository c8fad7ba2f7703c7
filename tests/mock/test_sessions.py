"""Sessions: created once per active room, transcript entries kept in acknowledged order with a
sequence from 1, ended with a duration (computed or overridden) and a summary; an entry for an
ended session is 409 and for an unknown one 404."""

from __future__ import annotations

import pytest

from mock_server.state import EXTENSION
from tests.conftest import DEMO_KEY, mock_config

H = {"X-API-Key": DEMO_KEY}
ROOM = "proj_my-room"


def create(client, room=ROOM, **extra):
    return client.post("/api/v1/sessions", json={"room_name": room, **extra}, headers=H)


def add(client, content, room=ROOM, **extra):
    body = {"speaker": "user", "content": content, **extra}
    return client.post(f"/api/v1/sessions/{room}/transcript", json=body, headers=H)


def end(client, room=ROOM, **body):
    return client.post(f"/api/v1/sessions/{room}/end", json=body, headers=H)


def test_created_session_is_active_with_defaults(client):
    response = create(client, caller_identity="user1")
    assert response.status_code == 201
    session = response.get_json()
    assert (session["status"], session["session_type"], session["metadata"]) == (
        "active",
        "voice",
        {},
    )
    assert (session["transcript_count"], session["ended_at"], session["duration"]) == (
        0,
        None,
        None,
    )


def test_session_keeps_agent_type_and_metadata(client):
    session = create(
        client, agent_config_id=2, session_type="sip", metadata={"campaign": "spring"}
    ).get_json()
    assert (session["agent_config_id"], session["session_type"], session["metadata"]) == (
        2,
        "sip",
        {"campaign": "spring"},
    )


def test_second_active_session_for_a_room_is_409(client):
    create(client)
    response = create(client)
    assert response.status_code == 409
    assert response.get_json()["error"] == "conflict"


def test_new_session_after_the_old_one_ended_is_fine(client):
    first = create(client).get_json()
    end(client)
    second = create(client)
    assert second.status_code == 201
    assert second.get_json()["id"] != first["id"]
    assert add(client, "fresh").get_json()["sequence"] == 1


@pytest.mark.parametrize(("agent_id", "status"), [(99, 404), (5, 404), (3, 409)])
def test_session_agent_must_be_an_active_agent_of_the_project(client, agent_id, status):
    assert create(client, agent_config_id=agent_id).status_code == status


def test_transcript_entries_get_sequences_from_one_in_order(client):
    session = create(client).get_json()
    entries = [
        add(client, f"line {i}", timestamp_ms=1711800000000 + i).get_json() for i in range(1, 6)
    ]
    assert [e["sequence"] for e in entries] == [1, 2, 3, 4, 5]
    assert all(e["session_id"] == session["id"] and e["room_name"] == ROOM for e in entries)
    assert entries[0]["is_final"] is True  # the spec's default
    [snap] = client.get("/__mock/state").get_json()["sessions"]
    assert [t["content"] for t in snap["transcript"]] == [f"line {i}" for i in range(1, 6)]
    assert snap["session"]["transcript_count"] == 5


def test_interim_entry_keeps_is_final_false(client):
    create(client)
    entry = add(client, "Hi! How can I", speaker="agent", is_final=False).get_json()
    assert (entry["speaker"], entry["is_final"]) == ("agent", False)


def test_entry_for_an_unknown_session_is_404(client):
    response = add(client, "hello", room="proj_nobody-here")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_ended_session_rejects_entries_with_409(client):
    create(client)
    end(client)
    response = add(client, "too late")
    assert response.status_code == 409
    assert "ended" in response.get_json()["message"]


def test_end_computes_duration_from_start_and_end(app, client):
    now = [1_800_000_000.0]
    app.extensions[EXTENSION].clock = lambda: now[0]
    create(client)
    now[0] += 184.5
    session = end(client, summary="User asked about pricing").get_json()
    assert (session["status"], session["duration"], session["summary"]) == (
        "completed",
        184.5,
        "User asked about pricing",
    )
    assert session["ended_at"] == "2027-01-15T08:03:04Z"


def test_end_with_duration_override_keeps_it(client):
    create(client)
    assert end(client, duration=184).get_json()["duration"] == 184


def test_end_without_body_is_fine(client):
    create(client)
    response = client.post(f"/api/v1/sessions/{ROOM}/end", headers=H)
    assert response.status_code == 200
    assert response.get_json()["summary"] is None


def test_ending_twice_is_409_and_unknown_is_404(client):
    create(client)
    end(client)
    assert end(client).status_code == 409
    assert end(client, room="proj_unknown").status_code == 404


def test_full_transcript_is_409():
    from mock_server import create_app

    client = create_app(mock_config(testing=True, max_transcript_entries=3)).test_client()
    create(client)
    statuses = [add(client, f"l{i}").status_code for i in range(4)]
    assert statuses == [201, 201, 201, 409]


def test_sessions_beyond_the_cap_evict_ended_ones_first():
    from mock_server import create_app

    client = create_app(mock_config(testing=True, max_sessions_per_project=3)).test_client()
    create(client, room="proj_keep")
    for i in range(4):
        create(client, room=f"proj_s{i}")
        add(client, "hello", room=f"proj_s{i}")
        end(client, room=f"proj_s{i}")
    sessions = client.get("/__mock/state").get_json()["sessions"]
    assert len(sessions) == 3
    assert "proj_keep" in [s["session"]["room_name"] for s in sessions]
    assert add(client, "still active", room="proj_keep").status_code == 201
