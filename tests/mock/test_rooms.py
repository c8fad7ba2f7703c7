"""A token simulates the join (switchable); rooms and participants reflect it; caps and
expiry keep the room table bounded."""

from __future__ import annotations

from mock_server.state import EXTENSION
from tests.conftest import ACME_KEY, DEMO_KEY, mock_config

DEMO = {"X-API-Key": DEMO_KEY}


def token(client, room, identity="user1", key=DEMO_KEY, **extra):
    body = {"identity": identity, "room": room, **extra}
    response = client.post("/api/v1/token", json=body, headers={"X-API-Key": key})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def rooms(client, key=DEMO_KEY):
    return client.get("/api/v1/rooms", headers={"X-API-Key": key}).get_json()["rooms"]


def participants(client, room, key=DEMO_KEY):
    return client.get(f"/api/v1/rooms/{room}/participants", headers={"X-API-Key": key})


def test_seeded_mock_has_no_active_rooms(client):
    assert rooms(client) == []


def test_token_puts_identity_and_dispatched_agent_into_the_room(client):
    token(client, "my-room")
    [room] = rooms(client)
    assert (room["name"], room["fullName"], room["numParticipants"]) == (
        "my-room",
        "proj_my-room",
        2,
    )
    listed = participants(client, "my-room").get_json()
    assert listed["fullName"] == "proj_my-room"
    by_identity = {p["identity"]: p for p in listed["participants"]}
    assert by_identity["user1"]["kind"] == "STANDARD"
    assert by_identity["agent-1"]["kind"] == "AGENT"
    assert by_identity["agent-1"]["name"] == "Support Agent"


def test_agents_are_dispatched_only_when_the_join_creates_the_room(client):
    token(client, "r")
    token(client, "r", identity="user2", agent_config_id=2)
    identities = {p["identity"] for p in participants(client, "r").get_json()["participants"]}
    assert identities == {"user1", "user2", "agent-1"}


def test_a_second_token_for_the_same_identity_does_not_duplicate_it(client):
    token(client, "r", no_agent=True)
    token(client, "r", no_agent=True)
    assert rooms(client)[0]["numParticipants"] == 1


def test_simulated_join_can_be_switched_off():
    from mock_server import create_app

    client = create_app(mock_config(testing=True, simulate_join=False)).test_client()
    token(client, "r")
    assert rooms(client) == []
    assert participants(client, "r").status_code == 404


def test_participants_of_unknown_room_is_404(client):
    response = participants(client, "nope")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_participants_path_takes_the_unprefixed_name(client):
    token(client, "my-room")
    assert participants(client, "proj_my-room").status_code == 404
    assert participants(client, "my-room").status_code == 200


def test_rooms_beyond_the_cap_evict_the_oldest():
    from mock_server import create_app

    client = create_app(mock_config(testing=True, max_rooms_per_project=5)).test_client()
    for i in range(12):
        token(client, f"room-{i}", no_agent=True)
    names = [r["name"] for r in rooms(client)]
    assert names == [f"room-{i}" for i in range(7, 12)]


def test_participants_beyond_the_cap_evict_the_oldest():
    from mock_server import create_app

    client = create_app(mock_config(testing=True, max_participants_per_room=3)).test_client()
    for i in range(6):
        token(client, "r", identity=f"u{i}", no_agent=True)
    assert rooms(client)[0]["numParticipants"] == 3


def test_rooms_expire_after_their_ttl(app, client):
    state = app.extensions[EXTENSION]
    now = [1_800_000_000.0]
    state.clock = lambda: now[0]
    token(client, "old", no_agent=True)
    now[0] += state.config.room_ttl_seconds - 10
    token(client, "young", no_agent=True)
    now[0] += 20
    assert [r["name"] for r in rooms(client)] == ["young"]


def test_rooms_are_listed_only_for_their_own_project(client):
    token(client, "shared-name")
    token(client, "shared-name", key=ACME_KEY)
    assert [r["fullName"] for r in rooms(client)] == ["proj_shared-name"]
    assert [r["fullName"] for r in rooms(client, ACME_KEY)] == ["acme_shared-name"]
