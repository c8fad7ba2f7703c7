"""The journal keeps the evidence (request and response bodies, error message, fault applied,
project, test id), filters by operation, status, project and test id, and holds no secret:
not the API key, not a token, not a provider secret, wherever it appeared."""

from __future__ import annotations

import json
import sqlite3

import requests

from mock_server.journal import BODY_LIMIT, FILTERED
from mock_server.seed import load_seed
from tests.conftest import ACME_KEY, DEMO_KEY, mock_config

DEMO = {"X-API-Key": DEMO_KEY}
BROWSER_TS = 1711800001500.2517


def journal(base, **params):
    response = requests.get(f"{base}/__mock/requests", params=params, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()["requests"]


def seeded_secret_values() -> set[str]:
    seed = load_seed(mock_config().seed_path)
    values = {p.api_key for p in seed.projects.values()}
    for providers in seed.secrets.values():
        values |= {v for fields in providers.values() for v in fields.values()}
    return values


def test_the_last_requests_bodies_are_kept_with_no_secret_in_them(live_mock):
    base = live_mock.base_url
    token = requests.post(
        f"{base}/api/v1/token", json={"identity": "u1", "room": "j"}, headers=DEMO, timeout=5
    ).json()["token"]
    requests.get(f"{base}/api/v1/projects/1/secrets/openai", headers=DEMO, timeout=5)
    requests.get(f"{base}/api/v1/rooms/{DEMO_KEY}/participants", headers=DEMO, timeout=5)
    requests.post(f"{base}/api/v1/sessions", json={"room_name": "proj_j"}, headers=DEMO)
    entry = {"speaker": "user", "content": f"my key is {DEMO_KEY}", "timestamp_ms": BROWSER_TS}
    requests.post(f"{base}/api/v1/sessions/proj_j/transcript", json=entry, headers=DEMO)

    entries = journal(base)
    last = entries[-1]
    assert last["operation_id"] == "addTranscriptEntry" and last["status"] == 201
    assert last["request_body"] == {**entry, "content": f"my key is {FILTERED}"}
    assert last["response_body"]["timestamp_ms"] == BROWSER_TS
    assert last["response_body"]["sequence"] == 1 and last["project_id"] == 1
    [secrets] = [e for e in entries if e["operation_id"] == "getProviderSecrets"]
    assert secrets["response_body"]["secrets"] == {"api_key": FILTERED, "organization": FILTERED}
    [minted] = [e for e in entries if e["operation_id"] == "createToken"]
    assert minted["request_body"] == {"identity": "u1", "room": "j"}
    assert minted["response_body"]["token"] == FILTERED
    [missing] = [e for e in entries if e["operation_id"] == "listRoomParticipants"]
    assert missing["status"] == 404 and DEMO_KEY not in missing["path"]
    assert missing["error"].startswith("No active room")

    text = json.dumps(entries)
    leaked = [v for v in seeded_secret_values() | {token} if v in text]
    assert leaked == []


def test_a_secret_across_the_cut_is_filtered_before_the_body_is_cut(live_mock):
    """Redacted whole, then cut: cut first, the part of the key before the cut survived."""
    base = live_mock.base_url
    requests.post(f"{base}/api/v1/sessions", json={"room_name": "proj_cut"}, headers=DEMO)
    opening = len('{"speaker": "user", "content": "')  # as requests writes json= bodies
    content = "x" * (BODY_LIMIT - 5 - opening) + DEMO_KEY + "y" * 100  # the key spans the cut
    requests.post(
        f"{base}/api/v1/sessions/proj_cut/transcript",
        json={"speaker": "user", "content": content},
        headers=DEMO,
        timeout=5,
    )
    last = journal(base)[-1]
    assert last["request_body_truncated"] is True and last["response_body_truncated"] is True
    assert FILTERED[:5] in last["request_body"]  # the key was where the cut is
    for body in (last["request_body"], last["response_body"]):
        assert DEMO_KEY[:5] not in body


def test_the_journal_filters_by_operation_status_project_and_test_id(live_mock):
    base = live_mock.base_url
    requests.get(f"{base}/api/v1/agents", headers=DEMO, timeout=5)
    requests.get(f"{base}/api/v1/agents", headers={"X-API-Key": ACME_KEY}, timeout=5)
    requests.get(f"{base}/api/v1/rooms", headers={**DEMO, "X-VoxAI-Test-Id": "t-1"}, timeout=5)
    requests.get(f"{base}/api/v1/rooms", headers={"X-API-Key": "wrong"}, timeout=5)

    def shape(entries):
        return [(e["operation_id"], e["status"], e["project_id"]) for e in entries]

    assert shape(journal(base, operation_id="listRooms")) == [
        ("listRooms", 200, 1),
        ("listRooms", 401, None),
    ]
    assert shape(journal(base, status=401)) == [("listRooms", 401, None)]
    assert shape(journal(base, project_id=2)) == [("listAgents", 200, 2)]
    assert shape(journal(base, test_id="t-1")) == [("listRooms", 200, 1)]
    assert journal(base, status=401)[0]["error"] == "Invalid X-API-Key"
    assert shape(journal(base, project_id=1, limit=1)) == [("listRooms", 200, 1)]


def test_a_large_body_is_kept_cut_so_the_journal_stays_bounded(live_mock):
    base = live_mock.base_url
    requests.post(f"{base}/api/v1/sessions", json={"room_name": "proj_big"}, headers=DEMO)
    content = "x" * 9000
    requests.post(
        f"{base}/api/v1/sessions/proj_big/transcript",
        json={"speaker": "user", "content": content},
        headers=DEMO,
        timeout=5,
    )
    last = journal(base)[-1]
    assert last["request_body_truncated"] is True and last["response_body_truncated"] is True
    assert len(last["request_body"].encode()) == BODY_LIMIT


def test_the_shared_journal_writes_no_secret_to_its_store_file(tmp_path):
    """Workers share the journal through the SQLite file: entries are redacted before they
    are written there, not only when they are read back."""
    from mock_server import create_app

    state_file = tmp_path / "state.sqlite3"
    client = create_app(mock_config(state_file=state_file, shared_store=True)).test_client()
    client.get("/api/v1/projects/1/secrets/openai", headers=DEMO)
    client.post("/api/v1/sessions", json={"room_name": "proj_s"}, headers=DEMO)
    content = {"speaker": "user", "content": f"my key is {DEMO_KEY}"}
    client.post("/api/v1/sessions/proj_s/transcript", json=content, headers=DEMO)

    last = client.get("/__mock/requests").get_json()["requests"][-1]
    assert last["request_body"] == {**content, "content": f"my key is {FILTERED}"}
    # What the file's journal table holds (the transcript table keeps what the user said).
    with sqlite3.connect(state_file) as db:
        written = "".join(row[0] for row in db.execute("SELECT entry FROM journal"))
    assert any(v.startswith("sk-") for v in seeded_secret_values())  # provider secrets seeded
    assert "getProviderSecrets" in written and "my key is" in written
    leaked = [v for v in seeded_secret_values() if v in written]
    assert leaked == []


def test_an_entry_is_redacted_with_the_secrets_in_force_when_it_was_recorded():
    """A request in flight across a reset is recorded after it: the seed loaded by the reset
    may not know its secrets, so each entry keeps the redactor it was recorded under."""
    from mock_server.config import MockConfig
    from mock_server.journal import Captured, MemoryJournal, Redactor

    seed = load_seed(mock_config().seed_path)
    before = Redactor(seed, MockConfig())
    after = Redactor(seed, MockConfig())
    after.long, after.short, after.fields = [], frozenset(), frozenset()  # knows no secret
    body = json.dumps({"speaker": "user", "content": f"my key is {DEMO_KEY}"}).encode()
    captured = Captured(
        *("POST", "/api/v1/sessions/proj_s/transcript", {}, "addTranscriptEntry", 201, 1.0),
        *(0.0, 1, None, body, False, None, False, None),
    )
    journal = MemoryJournal(10, before)
    journal.append(captured)
    journal.redactor = after  # what MockState.reset does
    [entry] = journal.select()
    assert entry["request_body"]["content"] == f"my key is {FILTERED}"
