"""The token is a LiveKit JWT whose claims match the request; ``no_agent`` dispatches nothing.

Docs: "Generate a LiveKit token to join a room." / "room … Room name (auto-prefixed
with project prefix)" / "no_agent … If true, no agent is dispatched".
"""

from __future__ import annotations

import jwt
import pytest
from livekit.api import TokenVerifier

from contract_tests.client import ApiClient, expect
from contract_tests.settings import Settings

LABEL = "POST /api/v1/token"
pytestmark = pytest.mark.usefixtures("writes_allowed")


@pytest.fixture
def issued(client: ApiClient, settings: Settings):
    """A token for a run-prefixed room, requested with no_agent (the safe default)."""
    request = {
        "identity": f"{settings.run_prefix}caller",
        "room": f"{settings.run_prefix}tok",
        "no_agent": True,
    }
    exchange = client.post("/api/v1/token", json_body=request)
    expect(
        exchange.status == 200,
        "token_is_livekit_jwt",
        received=str(exchange.status),
        documented="a token for a valid request",
        exchange=exchange,
        operation=LABEL,
    )
    return request, exchange


def test_token_is_livekit_jwt_for_requested_identity_and_room(issued, prefix):
    request, exchange = issued
    data = exchange.json() or {}
    try:
        claims = jwt.decode(str(data.get("token")), options={"verify_signature": False})
        header = jwt.get_unverified_header(str(data.get("token")))
    except jwt.PyJWTError as exc:
        expect(
            False,
            "token_is_livekit_jwt",
            received=f"not a JWT ({exc})",
            documented="a LiveKit access token (JWT)",
            exchange=exchange,
            operation=LABEL,
        )
        return
    expect(
        header.get("alg") == "HS256"
        and isinstance(claims.get("iss"), str)
        and isinstance(claims.get("exp"), int),
        "token_is_livekit_jwt",
        received=f"header {header}, iss/exp {claims.get('iss')!r}/{claims.get('exp')!r}",
        documented="an HS256 JWT with iss (LiveKit API key) and exp, as LiveKit issues",
        exchange=exchange,
        operation=LABEL,
    )
    video = claims.get("video") or {}
    expect(
        claims.get("sub") == request["identity"],
        "token_claims_match_request",
        received=f"sub={claims.get('sub')!r}",
        documented=f"sub={request['identity']!r}",
        exchange=exchange,
        operation=LABEL,
    )
    expect(
        video.get("roomJoin") is True,
        "token_claims_match_request",
        received=f"video.roomJoin={video.get('roomJoin')!r}",
        documented="roomJoin=true",
        exchange=exchange,
        operation=LABEL,
    )
    expect(
        video.get("room") == data.get("room"),
        "token_claims_match_request",
        received=f"video.room={video.get('room')!r}, room={data.get('room')!r}",
        documented="the JWT's room equals the response's room",
        exchange=exchange,
        operation=LABEL,
    )
    expected_room = (prefix or "") + request["room"]
    expect(
        bool(prefix) and data.get("room") == expected_room,
        "room_is_prefixed",
        received=f"room={data.get('room')!r}",
        documented=f"the project prefix + {request['room']!r}",
        exchange=exchange,
        operation=LABEL,
    )


def test_token_signature_verifies_with_livekit_secret(issued, settings: Settings):
    if not (settings.livekit_api_key and settings.livekit_api_secret):
        pytest.skip("needs --livekit-api-key and --livekit-api-secret")
    _, exchange = issued
    token = str((exchange.json() or {}).get("token"))
    verifier = TokenVerifier(settings.livekit_api_key, settings.livekit_api_secret)
    try:
        verifier.verify(token)
        verified, problem = True, ""
    except Exception as exc:  # PyJWT raises several types; any of them is a bad token
        verified, problem = False, f"{type(exc).__name__}: {exc}"
    expect(
        verified,
        "token_signature_valid",
        received=f"verification failed ({problem})",
        documented="signed with the LiveKit secret, iss = the LiveKit API key",
        exchange=exchange,
        operation=LABEL,
    )


def test_no_agent_dispatches_nothing(client: ApiClient, settings: Settings):
    agents = (client.get("/api/v1/agents").json() or {}).get("agents") or []
    active = [a["id"] for a in agents if isinstance(a, dict) and a.get("is_active")]
    request = {
        "identity": f"{settings.run_prefix}caller",
        "room": f"{settings.run_prefix}quiet",
        "no_agent": True,
    }
    if active:
        # The agent IDs make the request ask for a dispatch that no_agent must override.
        request["agent_config_ids"] = active[:1]
    exchange = client.post("/api/v1/token", json_body=request)
    data = exchange.json() or {}
    expect(
        exchange.status == 200 and data.get("agents_dispatched") == [],
        "no_agent_dispatches_nothing",
        received=f"{exchange.status} agents_dispatched={data.get('agents_dispatched')!r}",
        documented="agents_dispatched = [] when no_agent is true",
        exchange=exchange,
        operation=LABEL,
    )
    participants = client.get(f"/api/v1/rooms/{request['room']}/participants")
    if participants.status == 200:
        kinds = [p.get("kind") for p in (participants.json() or {}).get("participants", [])]
        expect(
            "AGENT" not in kinds,
            "no_agent_dispatches_nothing",
            received=f"participant kinds {kinds}",
            documented="no agent in the room",
            exchange=participants,
            operation="GET /api/v1/rooms/{roomName}/participants",
        )


def test_dispatch_reports_agents_when_allowed(client: ApiClient, settings: Settings):
    if not settings.allow_agent_dispatch:
        pytest.skip("dispatches an agent; needs --allow-agent-dispatch")
    agent_id = settings.agent_id
    if agent_id is None:
        agents = (client.get("/api/v1/agents").json() or {}).get("agents") or []
        active = [a["id"] for a in agents if a.get("is_active")]
        if not active:
            pytest.skip("no active agent in the project")
        agent_id = active[0]
    request = {
        "identity": f"{settings.run_prefix}caller",
        "room": f"{settings.run_prefix}agent",
        "agent_config_id": agent_id,
    }
    exchange = client.post("/api/v1/token", json_body=request)
    data = exchange.json() or {}
    expect(
        exchange.status == 200 and agent_id in (data.get("agents_dispatched") or []),
        "dispatched_agents_reported",
        received=f"{exchange.status} agents_dispatched={data.get('agents_dispatched')!r}",
        documented=f"agent {agent_id} dispatched",
        exchange=exchange,
        operation=LABEL,
    )
