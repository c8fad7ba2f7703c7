"""The /__mock/ admin API as mock-admin.yaml specifies it: reset, state snapshot, request journal,
fault rules per operationId, Prism's ``Prefer: code=``; plus CORS for browser frontends."""

from __future__ import annotations

import time

import pytest

from mock_server.validation import admin_rules
from tests.conftest import ACME_KEY, DEMO_KEY

H = {"X-API-Key": DEMO_KEY}
ADMIN = admin_rules()


def conforms(operation_id, response):
    errors = ADMIN[operation_id].response_errors(
        response.status_code, response.content_type or "", response.get_json(silent=True)
    )
    assert not errors, errors
    return response.get_json(silent=True)


def seed_some_state(client):
    client.post("/api/v1/token", json={"identity": "u", "room": "r"}, headers=H)
    client.post(
        "/api/v1/token", json={"identity": "a", "room": "r"}, headers={"X-API-Key": ACME_KEY}
    )
    client.post("/api/v1/sessions", json={"room_name": "proj_r"}, headers=H)
    client.post(
        "/api/v1/sessions/proj_r/transcript", json={"speaker": "user", "content": "hi"}, headers=H
    )


def test_state_snapshot_shows_rooms_participants_sessions_and_transcripts(client):
    seed_some_state(client)
    snap = conforms("getMockState", client.get("/__mock/state"))
    assert {r["fullName"] for r in snap["rooms"]} == {"proj_r", "acme_r"}
    assert [s["transcript"][0]["content"] for s in snap["sessions"]] == ["hi"]


def test_state_snapshot_filters(client):
    seed_some_state(client)
    only_acme = client.get("/__mock/state?project_id=2").get_json()
    assert [r["fullName"] for r in only_acme["rooms"]] == ["acme_r"]
    assert only_acme["sessions"] == []
    by_prefix = client.get("/__mock/state?room_prefix=proj_&transcripts=false").get_json()
    assert [r["fullName"] for r in by_prefix["rooms"]] == ["proj_r"]
    assert "transcript" not in by_prefix["sessions"][0]


def test_reset_drops_live_state_and_faults_but_keeps_the_seed(client):
    seed_some_state(client)
    client.put("/__mock/faults/listAgents", json={"status": 503})
    assert conforms("resetMock", client.post("/__mock/reset")) == {"reset": True}
    assert client.get("/__mock/state").get_json() == {"rooms": [], "sessions": []}
    assert client.get("/__mock/faults").get_json() == {"faults": {}}
    assert client.get("/__mock/requests").get_json() == {"requests": []}
    assert len(client.get("/api/v1/agents", headers=H).get_json()["agents"]) == 4


def test_journal_records_requests_newest_last_and_honours_limit(client):
    client.get("/api/v1/agents", headers=H)
    client.get("/api/v1/rooms", headers=H)
    client.get("/api/v1/nope")
    journal = conforms("listMockRequests", client.get("/__mock/requests")).get("requests")
    assert [(e["path"], e["operation_id"], e["status"]) for e in journal] == [
        ("/api/v1/agents", "listAgents", 200),
        ("/api/v1/rooms", "listRooms", 200),
        ("/api/v1/nope", None, 404),
    ]
    assert journal[0]["project_id"] == 1
    assert len(client.get("/__mock/requests?limit=1").get_json()["requests"]) == 1
    assert client.get("/__mock/requests?limit=0").status_code == 400


def test_journal_keeps_no_api_key(client):
    client.get("/api/v1/agents", headers=H)
    assert DEMO_KEY not in client.get("/__mock/requests").get_data(as_text=True)


def test_forced_status_fault_returns_spec_shaped_error(client):
    rule = conforms("putMockFault", client.put("/__mock/faults/listAgents", json={"status": 503}))
    assert rule == {"status": 503}
    response = client.get("/api/v1/agents", headers=H)
    assert response.status_code == 503
    assert response.get_json()["error"] == "service_unavailable"
    assert client.get("/api/v1/rooms", headers=H).status_code == 200  # other operations untouched


def test_error_rate_fault_fails_about_that_share(client):
    client.put("/__mock/faults/listRooms", json={"status": 500, "error_rate": 0.5})
    statuses = [client.get("/api/v1/rooms", headers=H).status_code for _ in range(200)]
    assert 50 < statuses.count(500) < 150
    assert set(statuses) == {200, 500}


def test_latency_fault_delays_the_response(client):
    client.put("/__mock/faults/listAgents", json={"latency_ms": 150})
    started = time.perf_counter()
    assert client.get("/api/v1/agents", headers=H).status_code == 200
    assert time.perf_counter() - started >= 0.15


@pytest.mark.parametrize(
    ("path", "rule", "check"),
    [
        ("/api/v1/agents", "agents.*.is_active", lambda b: "is_active" not in b["agents"][0]),
        (
            "/api/v1/agents",
            "agents.0.name",
            lambda b: "name" not in b["agents"][0] and "name" in b["agents"][1],
        ),
        ("/api/v1/usage", "totals", lambda b: "totals" not in b),
    ],
)
def test_drop_field_fault_removes_the_field_from_successful_responses(client, path, rule, check):
    op = {"/api/v1/agents": "listAgents", "/api/v1/usage": "getUsage"}[path]
    client.put(f"/__mock/faults/{op}", json={"drop_field": rule})
    assert check(client.get(path, headers=H).get_json())
    assert client.get(path).status_code == 401  # errors are never altered


def test_faults_are_listed_deleted_and_cleared(client):
    client.put("/__mock/faults/listAgents", json={"latency_ms": 1})
    client.put("/__mock/faults/listRooms", json={"status": 500})
    assert set(conforms("listMockFaults", client.get("/__mock/faults"))["faults"]) == {
        "listAgents",
        "listRooms",
    }
    assert client.delete("/__mock/faults/listAgents").status_code == 204
    assert set(client.get("/__mock/faults").get_json()["faults"]) == {"listRooms"}
    assert client.delete("/__mock/faults").status_code == 204
    assert client.get("/__mock/faults").get_json() == {"faults": {}}


@pytest.mark.parametrize(
    ("operation_id", "rule"),
    [
        ("noSuchOperation", {"status": 500}),
        ("listAgents", {"explode": True}),
        ("listAgents", {}),
        ("listAgents", {"latency_ms": 60_000}),
        ("listAgents", {"status": 200}),
        ("listAgents", {"error_rate": 2}),
    ],
)
def test_bad_fault_rules_are_400(client, operation_id, rule):
    response = client.put(f"/__mock/faults/{operation_id}", json=rule)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
    assert client.get("/__mock/faults").get_json() == {"faults": {}}


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/api/v1/agents", 401),
        ("/api/v1/agents/1/tools", 404),
        ("/api/v1/projects/1/secrets/openai", 403),
    ],
)
def test_prefer_code_forces_a_documented_error_response(client, path, code):
    response = client.get(path, headers={**H, "Prefer": f"code={code}"})
    assert response.status_code == code
    assert set(response.get_json()) >= {"error", "message"}


def test_prefer_code_of_the_success_status_runs_the_operation(client):
    response = client.post(
        "/api/v1/sessions", json={"room_name": "proj_p"}, headers={**H, "Prefer": "code=201"}
    )
    assert response.status_code == 201
    assert response.get_json()["room_name"] == "proj_p"


def test_prefer_undocumented_code_is_400_naming_allowed_codes(client):
    response = client.get("/api/v1/agents", headers={**H, "Prefer": "code=404"})
    assert response.status_code == 400
    assert "200, 401" in response.get_json()["message"]


def test_cors_preflight_allows_the_api_key_header(client):
    response = client.options(
        "/api/v1/token",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-api-key",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "http://localhost:3000")
    assert "x-api-key" in response.headers["Access-Control-Allow-Headers"].lower()


def test_cors_headers_on_errors_too(client):
    response = client.get("/api/v1/agents", headers={"Origin": "http://localhost:3000"})
    assert response.status_code == 401
    assert "Access-Control-Allow-Origin" in response.headers


def test_admin_index_conforms_to_the_admin_spec(client):
    body = conforms("getMockIndex", client.get("/__mock/", headers={"Accept": "application/json"}))
    assert body["pages"]["state"] == "/__mock/"
