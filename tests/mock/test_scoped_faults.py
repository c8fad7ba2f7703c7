"""Fault rules that parallel clients can share a mock with: scoped to a project (its API key)
or a test id (``X-VoxAI-Test-Id``), scripted (``after``, ``times``), and refused up front when
they could not do what they say. Through served mocks, in memory and in the shared store."""

from __future__ import annotations

import threading

import pytest
import requests

from tests.conftest import ACME_KEY, DEMO_KEY

DEMO = {"X-API-Key": DEMO_KEY}
ACME = {"X-API-Key": ACME_KEY}


def agents(base, headers):
    return requests.get(f"{base}/api/v1/agents", headers=headers, timeout=5).status_code


@pytest.fixture(params=["memory", "shared-store"])
def served(request, make_live_mock, tmp_path):
    """A served mock keeping rules in memory, or in the SQLite store workers share."""
    if request.param == "memory":
        return make_live_mock()
    return make_live_mock(shared_store=True, state_file=tmp_path / "shared.sqlite3")


def test_a_fault_scoped_to_one_project_leaves_the_other_projects_100_calls_untouched(served):
    served.set_fault("listAgents", status=503, project_id=2)
    results: dict[str, list[int]] = {"demo": [], "acme": []}

    def client(name, headers):
        for _ in range(100):
            results[name].append(agents(served.base_url, headers))

    threads = [
        threading.Thread(target=client, args=("demo", DEMO)),
        threading.Thread(target=client, args=("acme", ACME)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results["demo"] == [200] * 100
    assert results["acme"] == [503] * 100
    journal = requests.get(
        f"{served.base_url}/__mock/requests", params={"limit": 1000, "project_id": 1}
    ).json()["requests"]
    assert [e["status"] for e in journal] == [200] * 100
    assert all(e["fault"] is None for e in journal)


def test_times_2_fails_exactly_two_calls_then_the_rule_is_spent(served):
    served.set_fault("listAgents", status=503, times=2)
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda: statuses.append(agents(served.base_url, DEMO)))
        for _ in range(12)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(statuses) == [200] * 10 + [503] * 2
    assert requests.get(f"{served.base_url}/__mock/faults").json() == {"faults": {}}


def test_after_lets_the_first_calls_pass(live_mock):
    live_mock.set_fault("listAgents", status=500, after=2, times=1)
    assert [agents(live_mock.base_url, DEMO) for _ in range(4)] == [200, 200, 500, 200]


def test_a_fault_scoped_to_a_test_id_hits_only_requests_carrying_it(live_mock):
    base = live_mock.base_url
    live_mock.set_fault("listAgents", status=503, test_id="ci-42")
    live_mock.set_fault("listAgents", status=500, test_id="ci-43")  # does not replace ci-42's
    assert agents(base, {**DEMO, "X-VoxAI-Test-Id": "ci-42"}) == 503
    assert agents(base, {**DEMO, "X-VoxAI-Test-Id": "ci-43"}) == 500
    assert agents(base, {**DEMO, "X-VoxAI-Test-Id": "ci-44"}) == 200
    assert agents(base, DEMO) == 200
    listing = requests.get(f"{base}/__mock/faults").json()["faults"]["listAgents"]
    assert sorted((r["test_id"], r["calls_seen"]) for r in listing) == [("ci-42", 1), ("ci-43", 1)]
    requests.delete(f"{base}/__mock/faults/listAgents", params={"test_id": "ci-42"})
    assert agents(base, {**DEMO, "X-VoxAI-Test-Id": "ci-42"}) == 200
    assert agents(base, {**DEMO, "X-VoxAI-Test-Id": "ci-43"}) == 500


def test_the_most_specific_rule_wins_and_the_header_overrides_it(live_mock):
    base = live_mock.base_url
    live_mock.set_fault("listAgents", status=500)
    live_mock.set_fault("listAgents", status=503, project_id=1)
    assert agents(base, DEMO) == 503
    assert agents(base, ACME) == 500
    assert agents(base, {**DEMO, "X-VoxAI-Mock": "status=401"}) == 401


@pytest.mark.parametrize(
    ("operation_id", "rule", "field", "words"),
    [
        ("listAgents", {"status": 404}, "status", ["401", "500", "503"]),
        ("listAgents", {"drop_field": "agents.*.nmae"}, "drop_field", ["nmae", "llm_model"]),
        ("createToken", {"drop_field": "tokn"}, "drop_field", ["tokn", "token"]),
        ("listAgents", {"status": 503, "tmes": 2}, "tmes", ["tmes"]),
    ],
)
def test_an_impossible_rule_is_refused_naming_it(live_mock, operation_id, rule, field, words):
    response = requests.put(f"{live_mock.base_url}/__mock/faults/{operation_id}", json=rule)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["details"][0]["field"] == field
    assert all(w in body["message"] for w in words), body["message"]
    assert requests.get(f"{live_mock.base_url}/__mock/faults").json() == {"faults": {}}


def test_a_connection_fault_rule_drops_only_its_test_ids_connections(live_mock):
    live_mock.set_fault("createToken", connection="reset", test_id="flaky-net", times=1)
    body = {"identity": "u", "room": "net"}
    url = f"{live_mock.base_url}/api/v1/token"
    with pytest.raises(requests.ConnectionError):
        requests.post(url, json=body, headers={**DEMO, "X-VoxAI-Test-Id": "flaky-net"}, timeout=5)
    assert requests.post(url, json=body, headers=DEMO, timeout=5).status_code == 200
    again = requests.post(url, json=body, headers={**DEMO, "X-VoxAI-Test-Id": "flaky-net"})
    assert again.status_code == 200  # times: 1 spent
