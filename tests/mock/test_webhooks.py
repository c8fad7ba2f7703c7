"""Signed LiveKit webhooks drive rooms and participants; forged, unsigned, stale or tampered
ones get 401 and change nothing; a redelivered event is applied once."""

from __future__ import annotations

import pytest

from mock_server.state import EXTENSION
from tests.conftest import DEMO_KEY
from tests.mock.webhook_signing import WEBHOOK_PATH, event, headers, protojson, sign

PARTICIPANT = {
    "sid": "PA_yT3tFfCbXqLg",
    "identity": "caller",
    "state": "ACTIVE",
    "joinedAt": "1692985560",
    "name": "Caller",
    "isPublisher": True,
}


def deliver(client, body_dict, **sign_args):
    body = protojson(body_dict)
    return client.post(WEBHOOK_PATH, data=body, headers=headers(body, **sign_args))


def snapshot(client):
    return client.get("/__mock/state").get_json()


def participants(client, room="my-room"):
    response = client.get(f"/api/v1/rooms/{room}/participants", headers={"X-API-Key": DEMO_KEY})
    return response.get_json().get("participants") if response.status_code == 200 else None


def test_room_started_creates_the_room_with_livekits_creation_time(client):
    response = deliver(client, event("room_started", "proj_my-room"))
    assert response.status_code == 200
    assert response.get_json()["duplicate"] is False
    [room] = client.get("/api/v1/rooms", headers={"X-API-Key": DEMO_KEY}).get_json()["rooms"]
    assert room == {
        "name": "my-room",
        "fullName": "proj_my-room",
        "numParticipants": 0,
        "createdAt": 1692627281,
    }


def test_participant_joined_and_left_drive_participants(client):
    deliver(client, event("room_started", "proj_my-room"))
    deliver(client, event("participant_joined", "proj_my-room", PARTICIPANT))
    [joined] = participants(client)
    assert joined == {
        "sid": "PA_yT3tFfCbXqLg",
        "identity": "caller",
        "name": "Caller",
        "kind": "STANDARD",
        "state": "ACTIVE",
        "joinedAt": 1692985560,
        "isPublisher": True,
        "metadata": "",
    }
    deliver(client, event("participant_left", "proj_my-room", {"identity": "caller"}))
    assert participants(client) == []


def test_protojson_zero_values_may_be_omitted(client):
    # LiveKit omits STANDARD kind, JOINING state, false and empty values entirely.
    deliver(client, event("participant_joined", "proj_my-room", {"identity": "bare"}))
    [p] = participants(client)
    assert (p["kind"], p["state"], p["isPublisher"], p["metadata"]) == (
        "STANDARD",
        "JOINING",
        False,
        "",
    )


def test_agent_participant_keeps_its_kind(client):
    agent = {"identity": "agent-x", "kind": "AGENT", "state": "ACTIVE", "joinedAt": "1692985561"}
    deliver(client, event("participant_joined", "proj_my-room", agent))
    assert participants(client)[0]["kind"] == "AGENT"


def test_room_finished_removes_the_room(client):
    deliver(client, event("participant_joined", "proj_my-room", PARTICIPANT))
    deliver(client, event("room_finished", "proj_my-room"))
    assert participants(client) is None
    assert snapshot(client)["rooms"] == []


def test_redelivered_event_is_applied_once(client):
    joined = event("participant_joined", "proj_my-room", PARTICIPANT)
    assert deliver(client, joined).get_json()["duplicate"] is False
    deliver(client, event("participant_left", "proj_my-room", {"identity": "caller"}))
    again = deliver(client, joined)
    assert again.status_code == 200
    assert again.get_json()["duplicate"] is True
    assert participants(client) == []  # the redelivery did not bring the caller back


def test_other_events_are_acknowledged_without_change(client):
    deliver(client, event("room_started", "proj_my-room"))
    before = snapshot(client)
    response = deliver(
        client,
        event(
            "track_published", "proj_my-room", PARTICIPANT, track={"sid": "TR_x", "type": "AUDIO"}
        ),
    )
    assert response.status_code == 200
    assert snapshot(client) == before


def test_events_for_rooms_of_no_known_project_are_acknowledged_and_ignored(client):
    response = deliver(client, event("room_started", "other_room"))
    assert response.status_code == 200
    assert snapshot(client)["rooms"] == []


def tampered(body: str) -> tuple[str, dict]:
    good = {"Content-Type": "application/webhook+json", "Authorization": sign(body)}
    return body.replace("proj_my-room", "proj_evil-room"), good


@pytest.mark.parametrize(
    "forgery",
    ["wrong_secret", "wrong_key", "unsigned", "bearer_prefix", "tampered_body", "stale", "garbage"],
)
def test_forged_unsigned_or_stale_webhooks_get_401_and_change_nothing(client, forgery):
    body = protojson(event("room_started", "proj_my-room"))
    hdrs = headers(body)
    if forgery == "wrong_secret":
        hdrs = headers(body, secret="not-the-secret")
    elif forgery == "wrong_key":
        hdrs = headers(body, key="otherkey")
    elif forgery == "unsigned":
        del hdrs["Authorization"]
    elif forgery == "bearer_prefix":
        hdrs["Authorization"] = "Bearer " + hdrs["Authorization"]
    elif forgery == "tampered_body":
        body, hdrs = tampered(body)
    elif forgery == "stale":
        hdrs = headers(body, ttl_s=-120)  # expired two minutes ago, beyond the 1-minute leeway
    elif forgery == "garbage":
        hdrs["Authorization"] = "not-a-jwt"
    response = client.post(WEBHOOK_PATH, data=body, headers=hdrs)
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"
    assert snapshot(client)["rooms"] == []


def test_webhook_signed_with_configured_secret_is_accepted(make_live_mock):
    import requests

    mock = make_live_mock(livekit_api_key="k2", livekit_api_secret="s" * 32)
    body = protojson(event("room_started", "proj_my-room"))
    ok = requests.post(
        mock.base_url + WEBHOOK_PATH, data=body, headers=headers(body, key="k2", secret="s" * 32)
    )
    dev = requests.post(mock.base_url + WEBHOOK_PATH, data=body, headers=headers(body))
    assert (ok.status_code, dev.status_code) == (200, 401)


def test_signed_webhook_with_wrong_content_type_is_415(client):
    body = protojson(event("room_started", "proj_my-room"))
    hdrs = {**headers(body), "Content-Type": "application/json"}
    assert client.post(WEBHOOK_PATH, data=body, headers=hdrs).status_code == 415


@pytest.mark.parametrize(
    "body",
    [
        '{"event": "room_started"',
        '{"event":"nope","id":"EV_1","createdAt":"1"}',
        '{"event":"room_started","id":"EV_1","createdAt":1692985556}',
    ],
)
def test_signed_but_malformed_webhook_is_400(client, body):
    response = client.post(WEBHOOK_PATH, data=body, headers=headers(body))
    assert response.status_code == 400
    assert snapshot(client)["rooms"] == []


def test_webhook_ids_remembered_are_bounded(app, client):
    state = app.extensions[EXTENSION]
    state.config.webhook_ids_kept = 3
    for i in range(6):
        deliver(client, event("room_started", f"proj_r{i}"))
    deliver(client, event("room_started", "proj_last"))
    assert state.store.counts()["webhook_ids"] == 3
