"""Knowledge search ranks the seeded documents (BM25) and honours top_k; usage is derived from
seeded history plus ended sessions and honours period and group_by; secrets only for the key's
own project."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from mock_server.state import EXTENSION
from tests.conftest import ACME_KEY, DEMO_KEY

H = {"X-API-Key": DEMO_KEY}


def search(client, query, kb=1, key=DEMO_KEY, **extra):
    body = {"knowledge_base_id": kb, "query": query, **extra}
    return client.post("/api/v1/knowledge/search", json=body, headers={"X-API-Key": key})


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("How do I reset password?", "kb1-doc-003"),
        ("refund policy", "kb1-doc-007"),
        ("connecting a phone number", "kb1-doc-016"),
        ("two-factor authentication code", "kb1-doc-004"),
    ],
)
def test_search_ranks_the_most_relevant_document_first(client, query, expected):
    results = search(client, query).get_json()["results"]
    assert results[0]["document_id"] == expected
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    assert all(score > 0 for score in scores)


def test_search_default_top_k_is_five_and_top_k_is_honoured(client):
    assert len(search(client, "account settings billing plan").get_json()["results"]) == 5
    assert len(search(client, "account settings billing plan", top_k=2).get_json()["results"]) == 2


def test_search_with_no_matching_words_returns_no_results(client):
    assert search(client, "zzzz qqqq").get_json()["results"] == []


def test_knowledge_base_of_another_project_is_404(client):
    assert search(client, "boiler", kb=3).status_code == 404
    assert (
        search(client, "boiler", kb=3, key=ACME_KEY).get_json()["results"][0]["document_id"]
        == "kb3-doc-001"
    )
    assert search(client, "x", kb=999).status_code == 404


def usage(client, key=DEMO_KEY, **params):
    response = client.get("/api/v1/usage", query_string=params, headers={"X-API-Key": key})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_usage_defaults_to_30d_by_day(client):
    report = usage(client)
    today = datetime.now(UTC).date()
    assert (report["period"], report["group_by"], report["currency"]) == ("30d", "day", "USD")
    assert report["start"] == (today - timedelta(days=29)).isoformat()
    assert report["end"] == today.isoformat()
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", g["key"]) for g in report["groups"])
    assert all(report["start"] <= g["key"] <= report["end"] for g in report["groups"])


def test_usage_groups_add_up_to_the_totals(client):
    for group_by in ("day", "model", "agent"):
        report = usage(client, period="all", group_by=group_by)
        assert sum(g["sessions"] for g in report["groups"]) == report["totals"]["sessions"]
        assert sum(g["cost_usd"] for g in report["groups"]) == pytest.approx(
            report["totals"]["cost_usd"], abs=0.01
        )


def test_usage_period_narrows_the_window(client):
    totals = [usage(client, period=p)["totals"]["sessions"] for p in ("today", "7d", "30d", "all")]
    assert totals == sorted(totals)
    assert totals[0] < totals[-1]


def test_usage_group_keys_per_dimension(client):
    assert {g["key"] for g in usage(client, period="all", group_by="service")["groups"]} == {
        "llm",
        "stt",
        "tts",
        "livekit",
    }
    assert {g["key"] for g in usage(client, period="all", group_by="agent")["groups"]} == {
        "1",
        "2",
        "3",
        "4",
    }
    assert "gpt-4o" in {g["key"] for g in usage(client, period="all", group_by="model")["groups"]}


def test_ended_session_adds_to_todays_usage(app, client):
    before = usage(client, period="today", group_by="model")
    client.post("/api/v1/sessions", json={"room_name": "proj_u", "agent_config_id": 2}, headers=H)
    client.post(
        "/api/v1/sessions/proj_u/transcript",
        json={"speaker": "user", "content": "x" * 4000},
        headers=H,
    )
    client.post("/api/v1/sessions/proj_u/end", json={"duration": 120}, headers=H)
    after = usage(client, period="today", group_by="model")
    assert after["totals"]["sessions"] == before["totals"]["sessions"] + 1
    assert after["totals"]["duration_seconds"] == before["totals"]["duration_seconds"] + 120
    assert after["totals"]["llm_tokens"] > before["totals"]["llm_tokens"]
    assert after["totals"]["cost_usd"] > before["totals"]["cost_usd"]
    sonnet = {g["key"]: g for g in after["groups"]}["claude-3-5-sonnet"]
    assert sonnet["sessions"] >= 1


def test_active_sessions_add_no_usage(client):
    before = usage(client, period="today")["totals"]
    client.post("/api/v1/sessions", json={"room_name": "proj_open"}, headers=H)
    assert usage(client, period="today")["totals"] == before


def test_usage_all_with_no_history_has_null_start(tmp_path, app):
    from mock_server import create_app
    from tests.conftest import mock_config

    seed = app.extensions[EXTENSION].config.seed_path.read_text().split("usage_history:")[0]
    path = tmp_path / "seed.yaml"
    path.write_text(seed + "usage_history: []\n")
    client = create_app(mock_config(testing=True, seed_path=path)).test_client()
    report = usage(client, period="all")
    assert (report["start"], report["groups"], report["totals"]["sessions"]) == (None, [], 0)


def test_usage_is_per_project(client):
    demo = usage(client, period="all", group_by="agent")
    acme = usage(client, key=ACME_KEY, period="all", group_by="agent")
    assert {g["key"] for g in acme["groups"]} == {"5", "6", "7"}
    assert demo["totals"] != acme["totals"]


def secrets(client, project_id, provider, key=DEMO_KEY):
    return client.get(
        f"/api/v1/projects/{project_id}/secrets/{provider}", headers={"X-API-Key": key}
    )


def test_secrets_of_own_project(client):
    body = secrets(client, 1, "openai").get_json()
    assert body["project_id"] == 1 and body["provider"] == "openai"
    assert set(body["secrets"]) == {"api_key", "organization"}


@pytest.mark.parametrize(("project_id", "key"), [(2, DEMO_KEY), (1, ACME_KEY), (77, DEMO_KEY)])
def test_secrets_of_another_project_are_403(client, project_id, key):
    response = secrets(client, project_id, "openai", key)
    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"


def test_secrets_of_unknown_provider_are_404(client):
    assert secrets(client, 1, "mistral").status_code == 404  # only Acme has mistral
    assert secrets(client, 2, "mistral", ACME_KEY).status_code == 200
