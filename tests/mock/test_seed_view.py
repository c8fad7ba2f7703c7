"""``GET /__mock/seed`` shows what the mock was seeded with (keys, agents, knowledge bases,
secret providers, LiveKit credentials) so nobody has to read seed.yaml; the banner sums it up."""

from __future__ import annotations

import json

import requests

from mock_server.cli import banner
from mock_server.seed import load_seed
from tests.conftest import mock_config


def test_seed_lists_projects_agents_knowledge_bases_providers_and_livekit(live_mock):
    response = requests.get(f"{live_mock.base_url}/__mock/seed", timeout=5)
    assert response.status_code == 200  # and conforms: the live mock validates admin responses
    seed = response.json()
    assert [(p["id"], p["room_prefix"], p["api_key"]) for p in seed["projects"]] == [
        (1, "proj_", "vx_demo_key"),
        (2, "acme_", "vx_acme_key"),
    ]
    assert [a["id"] for a in seed["agents"] if a["project_id"] == 2] == [5, 6, 7]
    assert "lookup_order" in seed["agents"][0]["tools"]
    assert [(kb["id"], kb["project_id"]) for kb in seed["knowledge_bases"]] == [
        (1, 1),
        (2, 1),
        (3, 2),
    ]
    assert sum(kb["documents"] for kb in seed["knowledge_bases"]) == 54
    assert "openai" in seed["secret_providers"]["1"] and "mistral" in seed["secret_providers"]["2"]
    assert seed["livekit"] == {
        "api_key": "devkey",
        "api_secret": "secret",
        "ws_url": "ws://localhost:7880",
    }
    seeded = load_seed(mock_config().seed_path)
    values = {v for provs in seeded.secrets.values() for f in provs.values() for v in f.values()}
    assert not [v for v in values if v in json.dumps(seed)]  # provider names only, no values


def test_seed_never_shows_a_configured_livekit_secret(make_live_mock):
    mock = make_live_mock(livekit_api_secret="prod-secret-value-123")
    seed = requests.get(f"{mock.base_url}/__mock/seed", timeout=5).json()
    assert seed["livekit"]["api_secret"] == "[set, not shown]"


def test_banner_sums_up_the_seed():
    text = banner(mock_config(), "127.0.0.1", 8080, "gunicorn")
    assert "GET /__mock/seed" in text
    assert "1 Support Agent" in text and "knowledge bases: 1, 2" in text
    assert "secrets: anthropic, cartesia, deepgram, mistral, openai" in text
