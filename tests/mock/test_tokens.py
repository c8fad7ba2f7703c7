"""Tokens are real LiveKit access tokens: verified by livekit-api, with the claims the API
promises, and agent dispatch follows no_agent / agent_config_id(s) / the project default."""

from __future__ import annotations

import jwt
import pytest
from livekit.api import TokenVerifier

from tests.conftest import ACME_KEY, DEMO_KEY

TOKEN = "/api/v1/token"


def issue(client, body, key=DEMO_KEY):
    return client.post(TOKEN, json=body, headers={"X-API-Key": key})


def verified(token: str, secret: str = "secret"):
    return TokenVerifier("devkey", secret).verify(token)


def test_token_passes_livekit_token_verifier_with_identity_and_prefixed_room(client):
    response = issue(client, {"identity": "user1", "room": "my-room"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["room"] == "proj_my-room"
    assert body["wsUrl"] == "ws://localhost:7880"
    claims = verified(body["token"])
    assert claims.identity == "user1"
    assert claims.name == "user1"
    assert claims.video.room == "proj_my-room"
    assert claims.video.room_join is True


def test_token_signed_with_other_secret_is_refused_by_verifier(client):
    token = issue(client, {"identity": "user1", "room": "my-room"}).get_json()["token"]
    with pytest.raises(jwt.InvalidSignatureError):
        verified(token, secret="not-the-secret")


def test_configured_livekit_credentials_sign_the_token(make_live_mock):
    import requests

    mock = make_live_mock(
        livekit_api_key="prodkey",
        livekit_api_secret="s" * 40,
        livekit_ws_url="wss://lk.example.com",
    )
    response = requests.post(
        mock.base_url + TOKEN, json={"identity": "a", "room": "b"}, headers={"X-API-Key": DEMO_KEY}
    )
    body = response.json()
    assert body["wsUrl"] == "wss://lk.example.com"
    claims = TokenVerifier("prodkey", "s" * 40).verify(body["token"])
    assert claims.video.room == "proj_b"


def test_extra_grants_are_merged_into_the_video_grant(client):
    grants = {
        "canPublish": False,
        "canPublishData": False,
        "hidden": True,
        "canPublishSources": ["microphone"],
        "roomAdmin": True,
    }
    token = issue(client, {"identity": "u", "room": "r", "grants": grants}).get_json()["token"]
    video = verified(token).video
    assert (video.can_publish, video.can_publish_data, video.hidden) == (False, False, True)
    assert video.can_publish_sources == ["microphone"]
    assert video.room_admin is True
    assert video.can_subscribe is True  # untouched grants keep LiveKit's defaults
    assert video.room_join is True and video.room == "proj_r"


@pytest.mark.parametrize("grants", [{"roomJoin": False}, {"room": "acme_x"}, {"canFly": True}])
def test_grants_outside_livekit_names_or_owned_by_the_api_are_refused(client, grants):
    response = issue(client, {"identity": "u", "room": "r", "grants": grants})
    assert response.status_code == 400
    assert response.get_json()["details"][0]["location"] == "body"


def dispatched(client, body, key=DEMO_KEY):
    response = issue(client, {"identity": "u", "room": "r", **body}, key)
    assert response.status_code == 200, response.get_json()
    payload = response.get_json()
    config = verified(payload["token"]).room_config
    names = [a.agent_name for a in config.agents] if config else []
    return payload["agents_dispatched"], names


def test_default_agent_of_the_project_is_dispatched(client):
    assert dispatched(client, {}) == ([1], ["support-agent"])
    assert dispatched(client, {}, ACME_KEY) == ([5], ["acme-receptionist"])


def test_no_agent_wins_over_agent_ids(client):
    assert dispatched(client, {"no_agent": True, "agent_config_id": 2}) == ([], [])


def test_agent_config_id_dispatches_that_agent(client):
    assert dispatched(client, {"agent_config_id": 2}) == ([2], ["sales-assistant"])


def test_agent_config_ids_dispatch_one_room_config_entry_per_agent(client):
    ids, names = dispatched(client, {"agent_config_ids": [2, 4], "agent_config_id": 1})
    assert ids == [2, 4, 1]
    assert names == ["sales-assistant", "chat-concierge", "support-agent"]


def test_dispatch_metadata_names_the_agent_config(client):
    token = issue(client, {"identity": "u", "room": "r", "agent_config_id": 2}).get_json()["token"]
    agent = verified(token).room_config.agents[0]
    assert '"agent_config_id": 2' in agent.metadata


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"agent_config_id": 99}, 404),  # unknown
        ({"agent_config_id": 5}, 404),  # Acme's agent, seen with the Demo key
        ({"agent_config_ids": [1, 6]}, 404),
        ({"agent_config_id": 3}, 409),  # inactive
    ],
)
def test_unknown_foreign_or_inactive_agent_is_a_clear_client_error(client, body, status):
    response = issue(client, {"identity": "u", "room": "r", **body})
    assert response.status_code == status
    assert (
        str(body.get("agent_config_id") or body["agent_config_ids"][1])
        in (response.get_json()["message"])
    )


@pytest.mark.parametrize(
    ("grants", "dispatches"),
    [
        (None, []),
        (None, [("support-agent", '{"agent_config_id": 1}')]),
        ({}, []),
        ({"canPublish": False, "hidden": True, "canPublishSources": ["camera", "microphone"]}, []),
        (
            {"roomAdmin": True, "agent": True, "canSubscribeMetrics": True},
            [("support-agent", '{"agent_config_id": 1}'), ("sales-assistant", "")],
        ),
    ],
)
def test_mock_tokens_carry_exactly_the_claims_access_token_to_jwt_signs(grants, dispatches):
    """livekit.to_jwt skips AccessToken.to_jwt's deep copies; the claims must not differ."""
    from livekit.api import AccessToken, RoomAgentDispatch, RoomConfiguration, VideoGrants

    from mock_server.livekit import Dispatch, grant_field, mint_token

    ours = mint_token(
        "devkey",
        "secret",
        identity="user1",
        room="proj_r",
        grants=grants,
        dispatches=[Dispatch(i, name, meta) for i, (name, meta) in enumerate(dispatches, 1)],
    )
    reference = (
        AccessToken("devkey", "secret")
        .with_identity("user1")
        .with_name("user1")
        .with_grants(
            VideoGrants(
                **{grant_field(k): v for k, v in (grants or {}).items()},
                room_join=True,
                room="proj_r",
            )
        )
    )
    if dispatches:
        reference = reference.with_room_config(
            RoomConfiguration(
                agents=[
                    RoomAgentDispatch(agent_name=name, metadata=meta) for name, meta in dispatches
                ]
            )
        )
    decode = {"algorithms": ["HS256"], "options": {"verify_signature": False}}
    ours_claims = jwt.decode(ours, **decode)
    reference_claims = jwt.decode(reference.to_jwt(), **decode)
    for claims in (ours_claims, reference_claims):
        claims.pop("nbf"), claims.pop("exp")
    assert ours_claims == reference_claims
    assert list(ours_claims) == list(reference_claims)  # same claim order, same JSON
    assert jwt.get_unverified_header(ours) == {"alg": "HS256", "typ": "JWT"}


def test_token_lifetime_is_livekits_default_six_hours(client):
    claims = jwt.decode(
        issue(client, {"identity": "u", "room": "r"}).get_json()["token"],
        "secret",
        algorithms=["HS256"],
        issuer="devkey",
    )
    assert claims["exp"] - claims["nbf"] == 6 * 3600
