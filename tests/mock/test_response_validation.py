"""In tests the mock validates its own responses against the spec: a nonconforming one fails."""

from __future__ import annotations

import pytest
import requests

from mock_server.edge import ResponseNonConformance
from mock_server.state import EXTENSION
from tests.conftest import DEMO_KEY

H = {"X-API-Key": DEMO_KEY}


def break_list_agents(app):
    state = app.extensions[EXTENSION]
    # An agent without its required is_active flag, as a buggy handler would send.
    state.agents.list_agents = lambda project: [
        {
            "id": 1,
            "name": "x",
            "agent_type": "voice",
            "llm_provider": "openai",
            "llm_model": "gpt-4o",
        }
    ]


def test_nonconforming_response_fails_the_in_process_test(app, client):
    break_list_agents(app)
    with pytest.raises(ResponseNonConformance, match="is_active"):
        client.get("/api/v1/agents", headers=H)


def test_undocumented_status_fails_the_in_process_test(app, client):
    from mock_server.errors import ApiError

    def conflict(project):
        raise ApiError(409, "listAgents documents no 409")

    app.extensions[EXTENSION].agents.list_agents = conflict
    with pytest.raises(ResponseNonConformance, match="409"):
        client.get("/api/v1/agents", headers=H)


def test_live_mock_records_nonconforming_responses_for_teardown(make_live_mock):
    # Served as-is (a client sees what the bug sends); the fixture fails the test at teardown.
    mock = make_live_mock(check_responses=False)
    break_list_agents(mock.app)
    response = requests.get(f"{mock.base_url}/api/v1/agents", headers=H)
    assert response.status_code == 200
    assert any("is_active" in v for v in mock.violations)


def test_drop_field_fault_is_not_a_mock_violation(live_mock):
    live_mock.set_fault("listAgents", drop_field="agents.0.is_active")
    body = requests.get(f"{live_mock.base_url}/api/v1/agents", headers=H).json()
    assert "is_active" not in body["agents"][0]
    assert live_mock.violations == []
