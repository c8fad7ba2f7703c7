"""No project can see or touch another's rooms, sessions, usage, secrets, agents or knowledge."""

from __future__ import annotations

import pytest

from tests.conftest import ACME_KEY, DEMO_KEY

PROJECTS = {
    "demo": {"key": DEMO_KEY, "id": 1, "prefix": "proj_", "agent": 1, "kb": 1},
    "acme": {"key": ACME_KEY, "id": 2, "prefix": "acme_", "agent": 5, "kb": 3},
}
PAIRS = [("demo", "acme"), ("acme", "demo")]


def call(client, method, path, who, **kwargs):
    return client.open(path, method=method, headers={"X-API-Key": PROJECTS[who]["key"]}, **kwargs)


@pytest.mark.parametrize(("owner", "other"), PAIRS)
def test_rooms_and_participants_stay_in_their_project(client, owner, other):
    call(client, "POST", "/api/v1/token", owner, json={"identity": "u", "room": "private"})
    assert call(client, "GET", "/api/v1/rooms", other).get_json()["rooms"] == []
    assert call(client, "GET", "/api/v1/rooms/private/participants", other).status_code == 404
    assert call(client, "GET", "/api/v1/rooms/private/participants", owner).status_code == 200


@pytest.mark.parametrize(("owner", "other"), PAIRS)
def test_sessions_stay_in_their_project(client, owner, other):
    room = PROJECTS[owner]["prefix"] + "call"
    assert (
        call(client, "POST", "/api/v1/sessions", owner, json={"room_name": room}).status_code == 201
    )
    entry = {"speaker": "user", "content": "hi"}
    assert (
        call(client, "POST", f"/api/v1/sessions/{room}/transcript", other, json=entry).status_code
        == 404
    )
    assert call(client, "POST", f"/api/v1/sessions/{room}/end", other, json={}).status_code == 404
    # The other project may open its own session under the same name without any conflict.
    assert (
        call(client, "POST", "/api/v1/sessions", other, json={"room_name": room}).status_code == 201
    )
    assert (
        call(client, "POST", f"/api/v1/sessions/{room}/transcript", owner, json=entry).get_json()[
            "sequence"
        ]
        == 1
    )


@pytest.mark.parametrize(("owner", "other"), PAIRS)
def test_usage_of_one_project_ignores_the_others_sessions(client, owner, other):
    before = call(client, "GET", "/api/v1/usage?period=today", other).get_json()["totals"]
    room = PROJECTS[owner]["prefix"] + "billable"
    call(client, "POST", "/api/v1/sessions", owner, json={"room_name": room})
    call(client, "POST", f"/api/v1/sessions/{room}/end", owner, json={"duration": 600})
    assert call(client, "GET", "/api/v1/usage?period=today", other).get_json()["totals"] == before


@pytest.mark.parametrize(("owner", "other"), PAIRS)
def test_secrets_agents_and_knowledge_of_another_project_are_refused(client, owner, other):
    mine, theirs = PROJECTS[owner], PROJECTS[other]
    assert (
        call(client, "GET", f"/api/v1/projects/{theirs['id']}/secrets/openai", owner).status_code
        == 403
    )
    assert call(client, "GET", f"/api/v1/agents/{theirs['agent']}/tools", owner).status_code == 404
    assert (
        call(
            client,
            "POST",
            "/api/v1/token",
            owner,
            json={"identity": "u", "room": "r", "agent_config_id": theirs["agent"]},
        ).status_code
        == 404
    )
    assert (
        call(
            client,
            "POST",
            "/api/v1/knowledge/search",
            owner,
            json={"knowledge_base_id": theirs["kb"], "query": "x"},
        ).status_code
        == 404
    )
    agents = call(client, "GET", "/api/v1/agents", owner).get_json()["agents"]
    assert mine["agent"] in [a["id"] for a in agents]
    assert theirs["agent"] not in [a["id"] for a in agents]


def test_secret_values_never_cross_projects(client):
    demo = call(client, "GET", "/api/v1/projects/1/secrets/openai", "demo").get_json()
    acme = call(client, "GET", "/api/v1/projects/2/secrets/openai", "acme").get_json()
    assert demo["secrets"]["api_key"] != acme["secrets"]["api_key"]
    refused = call(client, "GET", "/api/v1/projects/2/secrets/openai", "demo")
    assert acme["secrets"]["api_key"] not in refused.get_data(as_text=True)
