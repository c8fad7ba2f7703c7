"""Nothing of one project is visible to another; another project's secrets are refused.

Docs: "projectId … Must match the project of your API key" / "Returns all currently
active LiveKit rooms for your project." Needs ``--second-api-key`` for the cross-key
checks; the secrets refusal needs only the project's own key.
"""

from __future__ import annotations

import json

import pytest

from contract_tests.client import ApiClient, expect
from contract_tests.settings import Settings

SECRETS = "GET /api/v1/projects/{projectId}/secrets/{provider}"


@pytest.fixture(scope="module")
def other(settings: Settings) -> ApiClient:
    """A client with the second project's key."""
    if not settings.second_api_key:
        pytest.skip("needs --second-api-key (another project's key)")
    return ApiClient(settings.origin, settings.second_api_key)


def _own_project_id(client: ApiClient, settings: Settings) -> int:
    if settings.project_id:
        return settings.project_id
    for candidate in range(1, 6):
        if client.get(f"/api/v1/projects/{candidate}/secrets/openai").status in (200, 404):
            return candidate
    return 1


def test_other_project_secrets_are_refused(client: ApiClient, settings: Settings):
    own = _own_project_id(client, settings)
    for project_id in sorted({own + 1, own - 1 if own > 1 else own + 2}):
        exchange = client.get(f"/api/v1/projects/{project_id}/secrets/openai")
        expect(
            not 200 <= exchange.status < 300,
            "other_project_secrets_refused",
            received=f"{exchange.status} (secrets of project {project_id} served)",
            documented="refused: projectId must match the key's project",
            exchange=exchange,
            operation=SECRETS,
        )
        expect(
            exchange.status in (403, 404),
            "other_project_secrets_is_403",
            received=str(exchange.status),
            documented="403 (or 404 for no such project)",
            exchange=exchange,
            operation=SECRETS,
        )


def test_second_project_sees_none_of_the_first(
    client: ApiClient, other: ApiClient, settings: Settings, prefix: str, writes_allowed
):
    room = f"{settings.run_prefix}iso"
    token = client.post(
        "/api/v1/token",
        json_body={"identity": f"{settings.run_prefix}caller", "room": room, "no_agent": True},
    )
    full_room = (token.json() or {}).get("room") or f"{prefix}{room}"
    session = client.post(
        "/api/v1/sessions",
        json_body={"room_name": full_room, "caller_identity": f"{settings.run_prefix}caller"},
    )
    settings.created_sessions.add((full_room, settings.api_key))
    if not 200 <= session.status < 300:
        pytest.skip(f"could not create a session to probe ({session.status})")

    rooms = other.get("/api/v1/rooms")
    names = json.dumps(rooms.json())
    expect(
        full_room not in names,
        "projects_are_isolated",
        received=f"the second key lists room {full_room!r}",
        documented="only the key's own project's rooms",
        exchange=rooms,
        operation="GET /api/v1/rooms",
    )
    participants = other.get(f"/api/v1/rooms/{room}/participants")
    expect(
        not 200 <= participants.status < 300 or full_room not in json.dumps(participants.json()),
        "projects_are_isolated",
        received=f"{participants.status}: the second key sees {full_room!r}'s participants",
        documented="no access to another project's room",
        exchange=participants,
        operation="GET /api/v1/rooms/{roomName}/participants",
    )
    entry = other.post(
        f"/api/v1/sessions/{full_room}/transcript",
        json_body={"speaker": "user", "content": "not my session"},
    )
    expect(
        not 200 <= entry.status < 300,
        "projects_are_isolated",
        received=f"{entry.status}: the second key wrote into the first's session",
        documented="no access to another project's session",
        exchange=entry,
        operation="POST /api/v1/sessions/{roomName}/transcript",
    )
    ended = other.post(f"/api/v1/sessions/{full_room}/end", json_body={})
    expect(
        not 200 <= ended.status < 300,
        "projects_are_isolated",
        received=f"{ended.status}: the second key ended the first's session",
        documented="no access to another project's session",
        exchange=ended,
        operation="POST /api/v1/sessions/{roomName}/end",
    )


def test_second_project_sees_none_of_the_first_agents(client: ApiClient, other: ApiClient):
    mine = {a.get("id") for a in (client.get("/api/v1/agents").json() or {}).get("agents", [])}
    listing = other.get("/api/v1/agents")
    theirs = {a.get("id") for a in (listing.json() or {}).get("agents", [])}
    expect(
        not (mine & theirs),
        "projects_are_isolated",
        received=f"both keys list agents {sorted(mine & theirs, key=str)}",
        documented="each key lists only its project's agents",
        exchange=listing,
        operation="GET /api/v1/agents",
    )
    for agent_id in sorted(mine, key=str)[:3]:
        tools = other.get(f"/api/v1/agents/{agent_id}/tools")
        expect(
            not 200 <= tools.status < 300,
            "projects_are_isolated",
            received=f"{tools.status}: the second key reads agent {agent_id}'s tools",
            documented="no access to another project's agent",
            exchange=tools,
            operation="GET /api/v1/agents/{agentId}/tools",
        )
