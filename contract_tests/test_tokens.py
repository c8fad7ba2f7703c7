"""The token is a LiveKit JWT whose claims match the request; ``no_agent`` dispatches nothing.

Docs: "Generate a LiveKit token to join a room." / "room … Room name (auto-prefixed
with project prefix)" / "no_agent … If true, no agent is dispatched".
"""

from __future__ import annotations

import json

import jwt
import pytest
from livekit.api import TokenVerifier

from contract_tests.client import ApiClient, expect, not_exercised
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
        200 <= exchange.status < 300,  # the docs name no status; 200 is the spec's assumption
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


def _claims(exchange) -> dict:
    try:
        return jwt.decode(
            str((exchange.json() or {}).get("token")), options={"verify_signature": False}
        )
    except jwt.PyJWTError:
        return {}


#: A grant LiveKit defaults the other way (canPublishData is true unless set), so its
#: presence in the token can only come from the request.
EXTRA_GRANTS = {"canPublishData": False, "canUpdateOwnMetadata": True}


def test_token_carries_requested_grants(client: ApiClient, settings: Settings):
    request = {
        "identity": f"{settings.run_prefix}caller",
        "room": f"{settings.run_prefix}grants",
        "no_agent": True,
        "grants": EXTRA_GRANTS,
    }
    exchange = client.post("/api/v1/token", json_body=request)
    if not 200 <= exchange.status < 300 and exchange.status < 500:
        not_exercised(
            "token_grants_applied",
            f"the target refused the grants {EXTRA_GRANTS} ({exchange.status})",
            LABEL,
        )
    video = _claims(exchange).get("video") or {}
    missing = {k: v for k, v in EXTRA_GRANTS.items() if video.get(k) != v}
    expect(
        200 <= exchange.status < 300 and not missing,
        "token_grants_applied",
        received=f"{exchange.status}; the token's video grants lack {missing}",
        documented=f"the requested grants {EXTRA_GRANTS} in the token's video claim",
        exchange=exchange,
        operation=LABEL,
    )


def _active_agents(client: ApiClient) -> list[int]:
    agents = (client.get("/api/v1/agents").json() or {}).get("agents") or []
    return [a["id"] for a in agents if isinstance(a, dict) and a.get("is_active")]


def test_no_agent_dispatches_nothing(client: ApiClient, settings: Settings):
    active = _active_agents(client)
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
        200 <= exchange.status < 300 and not data.get("agents_dispatched"),
        "no_agent_dispatches_nothing",
        received=f"{exchange.status} agents_dispatched={data.get('agents_dispatched')!r}",
        documented="nothing dispatched when no_agent is true",
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


def _dispatched_through_room_config(exchange) -> list[int]:
    """The agent_config_ids named by the token's roomConfig.agents metadata."""
    found = []
    for agent in (_claims(exchange).get("roomConfig") or {}).get("agents") or []:
        try:
            found.append(json.loads(agent.get("metadata") or "{}").get("agent_config_id"))
        except (ValueError, AttributeError):
            continue
    return found


@pytest.mark.parametrize("field", ["agent_config_id", "agent_config_ids"])
def test_requested_agents_are_dispatched(field, client: ApiClient, settings: Settings):
    if not settings.allow_agent_dispatch:
        not_exercised(
            "dispatched_agents_reported", "dispatching an agent needs --allow-agent-dispatch", LABEL
        )
    active = [settings.agent_id] if settings.agent_id else _active_agents(client)
    wanted = active[:1] if field == "agent_config_id" else active[:2]
    if not wanted or (field == "agent_config_ids" and len(wanted) < 2):
        not_exercised("dispatched_agents_reported", f"too few active agents for {field}", LABEL)
    request = {
        "identity": f"{settings.run_prefix}caller",
        "room": f"{settings.run_prefix}agent{len(wanted)}",
        field: wanted[0] if field == "agent_config_id" else wanted,
    }
    exchange = client.post("/api/v1/token", json_body=request)
    reported = (exchange.json() or {}).get("agents_dispatched") or []
    expect(
        200 <= exchange.status < 300 and set(wanted) <= set(reported),
        "dispatched_agents_reported",
        received=f"{exchange.status} agents_dispatched={reported!r}",
        documented=f"{field}={request[field]!r} dispatched and reported",
        exchange=exchange,
        operation=LABEL,
    )
    in_token = _dispatched_through_room_config(exchange)
    expect(
        set(wanted) <= set(in_token),
        "token_dispatches_through_room_config",
        received=f"roomConfig.agents name agent_config_ids {in_token}",
        documented=f"one roomConfig.agents entry per dispatched agent {wanted}",
        exchange=exchange,
        operation=LABEL,
    )
