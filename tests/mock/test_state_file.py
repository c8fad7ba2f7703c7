"""With --state-file, state lives in SQLite and a restart keeps rooms, sessions and transcripts."""

from __future__ import annotations

import requests

from mock_server import create_app
from tests.conftest import DEMO_KEY, mock_config

H = {"X-API-Key": DEMO_KEY}


def fill(client):
    client.post("/api/v1/token", json={"identity": "user1", "room": "kept"}, headers=H)
    client.post("/api/v1/sessions", json={"room_name": "proj_kept"}, headers=H)
    for text in ("one", "two"):
        client.post(
            "/api/v1/sessions/proj_kept/transcript",
            json={"speaker": "user", "content": text},
            headers=H,
        )


def test_new_app_on_the_same_state_file_sees_everything(tmp_path):
    path = tmp_path / "state.sqlite3"
    first = create_app(mock_config(testing=True, state_file=path))
    fill(first.test_client())
    before = first.test_client().get("/__mock/state").get_json()
    first.extensions["voxai_mock"].store.close()

    client = create_app(mock_config(testing=True, state_file=path)).test_client()
    assert client.get("/__mock/state").get_json() == before
    entry = client.post(
        "/api/v1/sessions/proj_kept/transcript",
        json={"speaker": "agent", "content": "three"},
        headers=H,
    ).get_json()
    assert entry["sequence"] == 3


def test_two_apps_sharing_a_state_file_stay_coherent(tmp_path):
    path = tmp_path / "shared.sqlite3"
    a = create_app(mock_config(testing=True, state_file=path)).test_client()
    b = create_app(mock_config(testing=True, state_file=path)).test_client()
    a.post("/api/v1/sessions", json={"room_name": "proj_x"}, headers=H)
    seqs = [
        c.post(
            "/api/v1/sessions/proj_x/transcript",
            json={"speaker": "user", "content": str(i)},
            headers=H,
        ).get_json()["sequence"]
        for i, c in enumerate([a, b, a, b])
    ]
    assert seqs == [1, 2, 3, 4]
    assert b.post("/api/v1/sessions", json={"room_name": "proj_x"}, headers=H).status_code == 409


def test_voxai_mock_restart_with_state_file_keeps_rooms_sessions_and_transcripts(
    make_served_mock, tmp_path
):
    path = tmp_path / "voxai.sqlite3"
    with make_served_mock("--state-file", path) as served:
        base = served.base_url
        requests.post(f"{base}/api/v1/token", json={"identity": "u", "room": "kept"}, headers=H)
        requests.post(f"{base}/api/v1/sessions", json={"room_name": "proj_kept"}, headers=H)
        requests.post(
            f"{base}/api/v1/sessions/proj_kept/transcript",
            json={"speaker": "user", "content": "before restart"},
            headers=H,
        )
        before = requests.get(f"{base}/__mock/state").json()
    with make_served_mock("--state-file", path) as served:
        after = requests.get(f"{served.base_url}/__mock/state").json()
        rooms = requests.get(f"{served.base_url}/api/v1/rooms", headers=H).json()["rooms"]
    assert after == before
    assert [r["fullName"] for r in rooms] == ["proj_kept"]
    assert after["sessions"][0]["transcript"][0]["content"] == "before restart"
