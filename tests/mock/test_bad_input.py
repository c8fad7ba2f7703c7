"""Bad input of every class gets a 4xx JSON ``Error`` naming the problem: never a 500, never a
trace. Responses are checked against the spec's Error schema by the test app itself."""

from __future__ import annotations

import json
import re

import pytest

import openapi
from tests.conftest import DEMO_KEY

H = {"X-API-Key": DEMO_KEY}
JSON_H = {**H, "Content-Type": "application/json"}
POSTS = ["/api/v1/token", "/api/v1/sessions", "/api/v1/knowledge/search"]


def error_of(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) <= {"error", "message", "details"}
    assert "Traceback" not in response.get_data(as_text=True)
    return body


@pytest.mark.parametrize("path", POSTS)
@pytest.mark.parametrize("raw", ["{bad", "", "[1,", '{"a": NaN}', '{"a": 1e999}', "[" * 5000])
def test_malformed_json_is_400(client, path, raw):
    response = client.post(path, data=raw, headers=JSON_H)
    body = error_of(response, 400)
    assert body["error"] == "invalid_request"
    assert body["details"][0]["location"] == "body"


@pytest.mark.parametrize("path", POSTS)
@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_wrong_content_type_is_415(client, path, content_type):
    response = client.post(
        path, data='{"identity":"u","room":"r"}', headers={**H, "Content-Type": content_type}
    )
    body = error_of(response, 415)
    assert body["error"] == "unsupported_media_type"
    assert "application/json" in body["message"]


def test_json_with_charset_parameter_is_fine(client):
    response = client.post(
        "/api/v1/token",
        data='{"identity":"u","room":"r"}',
        headers={**H, "Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/token", {"identity": 5, "room": "r"}, "identity"),
        (
            "/api/v1/token",
            {"identity": "u", "room": "r", "agent_config_id": "1"},
            "agent_config_id",
        ),
        ("/api/v1/token", {"identity": "u", "room": "r", "no_agent": "yes"}, "no_agent"),
        (
            "/api/v1/token",
            {"identity": "u", "room": "r", "agent_config_ids": [1, "x"]},
            "agent_config_ids.1",
        ),
        ("/api/v1/sessions", {"room_name": "proj_r", "metadata": "x"}, "metadata"),
        ("/api/v1/knowledge/search", {"knowledge_base_id": 1.5, "query": "q"}, "knowledge_base_id"),
        (
            "/api/v1/knowledge/search",
            {"knowledge_base_id": 1, "query": "q", "top_k": True},
            "top_k",
        ),
        ("/api/v1/token", ["identity", "room"], ""),
    ],
)
def test_wrong_types_are_400_naming_the_field(client, path, body, field):
    details = error_of(client.post(path, json=body, headers=H), 400)["details"]
    assert field in [d["field"] for d in details]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/token", {"room": "r"}, "identity"),
        ("/api/v1/token", {"identity": "u"}, "room"),
        ("/api/v1/sessions", {}, "room_name"),
        ("/api/v1/knowledge/search", {"knowledge_base_id": 1}, "query"),
    ],
)
def test_missing_fields_are_400_naming_the_field(client, path, body, field):
    body = error_of(client.post(path, json=body, headers=H), 400)
    assert body["details"][0]["field"] == field
    assert "required" in body["message"]


def test_missing_required_body_is_400(client):
    assert error_of(client.post("/api/v1/token", headers=H), 400)["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "field"),
    [
        (
            "post",
            "/api/v1/sessions",
            {"json": {"room_name": "proj_r", "session_type": "video"}},
            "session_type",
        ),
        ("get", "/api/v1/usage?period=year", {}, "period"),
        ("get", "/api/v1/usage?group_by=week", {}, "group_by"),
    ],
)
def test_unknown_enum_values_are_400_naming_the_field(client, method, path, kwargs, field):
    response = getattr(client, method)(path, headers=H, **kwargs)
    details = error_of(response, 400)["details"]
    assert details[0]["field"] == field


def test_transcript_with_unknown_speaker_is_400(client):
    client.post("/api/v1/sessions", json={"room_name": "proj_r"}, headers=H)
    response = client.post(
        "/api/v1/sessions/proj_r/transcript",
        json={"speaker": "narrator", "content": "hi"},
        headers=H,
    )
    assert error_of(response, 400)["details"][0]["field"] == "speaker"


@pytest.mark.parametrize("path", POSTS)
def test_oversized_body_is_413(client, path):
    huge = json.dumps({"identity": "u", "room": "r", "pad": "x" * 70_000})
    body = error_of(client.post(path, data=huge, headers=JSON_H), 413)
    assert body["error"] == "payload_too_large"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/token", {"identity": "u" * 257, "room": "r"}, "identity"),
        ("/api/v1/token", {"identity": "u", "room": "r" * 129}, "room"),
        ("/api/v1/token", {"identity": "", "room": "r"}, "identity"),
        (
            "/api/v1/token",
            {"identity": "u", "room": "r", "agent_config_ids": list(range(1, 12))},
            "agent_config_ids",
        ),
        ("/api/v1/knowledge/search", {"knowledge_base_id": 1, "query": "q" * 2001}, "query"),
        ("/api/v1/knowledge/search", {"knowledge_base_id": 1, "query": "q", "top_k": 51}, "top_k"),
        (
            "/api/v1/knowledge/search",
            {"knowledge_base_id": 2**40, "query": "q"},
            "knowledge_base_id",
        ),
    ],
)
def test_absurd_lengths_and_bounds_are_400(client, path, body, field):
    assert error_of(client.post(path, json=body, headers=H), 400)["details"][0]["field"] == field


@pytest.mark.parametrize(
    ("path", "field", "location"),
    [
        ("/api/v1/agents/abc/tools", "agentId", "path"),
        ("/api/v1/agents/0/tools", "agentId", "path"),
        ("/api/v1/rooms/bad%20name/participants", "roomName", "path"),
        ("/api/v1/projects/x/secrets/openai", "projectId", "path"),
        ("/api/v1/projects/1/secrets/Open%20AI", "provider", "path"),
    ],
)
def test_bad_path_parameters_are_400_naming_them(client, path, field, location):
    detail = error_of(client.get(path, headers=H), 400)["details"][0]
    assert (detail["field"], detail["location"]) == (field, location)


@pytest.mark.parametrize(
    "path", ["/index.html", "/api/v1", "/api/v1/nope", "/api/v2/token", "/__mock/nope", "/docs/x"]
)
def test_unknown_paths_are_404(client, path):
    assert error_of(client.get(path, headers=H), 404)["error"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/token"),
        ("delete", "/api/v1/agents"),
        ("put", "/api/v1/sessions"),
        ("patch", "/webhooks/livekit"),
    ],
)
def test_unknown_methods_are_405(client, method, path):
    response = getattr(client, method)(path, headers=H)
    assert error_of(response, 405)["error"] == "method_not_allowed"
    assert response.headers.get("Allow")


KEYED = [op for op in openapi.iter_operations() if op.secured]


@pytest.mark.parametrize("op", KEYED, ids=lambda op: op.operation_id)
@pytest.mark.parametrize("key", [None, "vx_wrong_key", ""])
def test_every_keyed_operation_rejects_a_missing_or_wrong_key(client, op, key):
    path = op.path.replace("{agentId}", "1").replace("{roomName}", "proj_r")
    path = path.replace("{projectId}", "1").replace("{provider}", "openai")
    headers = {} if key is None else {"X-API-Key": key}
    response = client.open(path, method=op.method, json={}, headers=headers)
    assert error_of(response, 401)["error"] == "unauthorized"


GARBAGE = [
    None,
    0,
    -1,
    2**70,
    1.5,
    "",
    "x" * 300,
    "\u0000",
    "💥",
    "\ud800",
    [],
    {},
    [None],
    {"": None},
    True,
    {"a": {"b": {"c": [1, {"d": None}]}}},
]


@pytest.mark.parametrize("op", list(openapi.iter_operations()), ids=lambda op: op.operation_id)
def test_no_garbage_body_or_path_makes_any_operation_fail_with_5xx(client, op):
    """The test app re-raises any unexpected exception, so a crash fails here loudly."""
    spec_params = re.findall(r"{(\w+)}", op.path)
    seen = set()
    for value in GARBAGE:
        for field in (
            "identity",
            "room",
            "room_name",
            "speaker",
            "content",
            "timestamp_ms",
            "knowledge_base_id",
            "query",
            "top_k",
            "metadata",
            "grants",
            "duration",
            "summary",
            "agent_config_ids",
            "event",
            "id",
        ):
            body = {
                "identity": "u",
                "room": "r",
                "room_name": "proj_r",
                "speaker": "user",
                "content": "c",
                "knowledge_base_id": 1,
                "query": "q",
                field: value,
            }
            raw = (
                json.dumps(body, allow_nan=False)
                if value != "\ud800"
                else (json.dumps(body).replace("\\ud800", "\\ud800"))
            )
            path = op.path
            for name in spec_params:
                path = path.replace("{" + name + "}", "%F0%9F%92%A5" if value == "💥" else "1")
            content_type = (
                "application/webhook+json" if "webhook" in op.path else "application/json"
            )
            response = client.open(
                path, method=op.method, data=raw, headers={**H, "Content-Type": content_type}
            )
            seen.add(response.status_code)
            assert response.status_code < 500, (field, value, response.get_json())
    assert seen  # every combination was sent


def test_timestamp_beyond_int64_is_stored_and_echoed(client):
    client.post("/api/v1/sessions", json={"room_name": "proj_big"}, headers=H)
    response = client.post(
        "/api/v1/sessions/proj_big/transcript",
        json={"speaker": "user", "content": "c", "timestamp_ms": 2**70},
        headers=H,
    )
    assert response.status_code == 201
    [session] = client.get("/__mock/state").get_json()["sessions"]
    assert session["transcript"][0]["timestamp_ms"] == 2**70


def test_unpaired_surrogate_is_400(client):
    raw = '{"identity": "\\ud800", "room": "r"}'
    assert error_of(client.post("/api/v1/token", data=raw, headers=JSON_H), 400)


def _raw_exchange(port: int, head: bytes, body: bytes) -> bytes:
    """Send ``head`` and ``body``, close the sending side, return what the server answers."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(head + body)
        conn.shutdown(socket.SHUT_WR)
        return conn.recv(65536)


@pytest.mark.parametrize(
    ("length", "body"),
    [
        (b"40", b'{"identity":"u","room":"r"}'),  # valid JSON, short of its length
        ("\u00b2".encode("latin-1"), b"{}"),  # a length str.isdigit() takes and int() refuses
    ],
)
def test_a_body_that_does_not_match_its_length_is_400(live_mock, length, body):
    head = (
        b"POST /api/v1/token HTTP/1.1\r\nHost: x\r\nX-API-Key: " + DEMO_KEY.encode() + b"\r\n"
        b"Content-Type: application/json\r\nContent-Length: " + length + b"\r\n\r\n"
    )
    answer = _raw_exchange(live_mock.port, head, body)
    assert answer.split(b"\r\n", 1)[0] == b"HTTP/1.1 400 BAD REQUEST", answer[:300]


def test_a_chunked_body_over_the_limit_is_413_and_one_within_it_is_read(live_mock):
    """Chunked bodies carry no length to refuse up front: read to one byte past the limit."""
    import requests

    url = f"{live_mock.base_url}/api/v1/token"
    headers = {**H, "Content-Type": "application/json"}

    def chunks(body: bytes):
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    small = json.dumps({"identity": "u", "room": "chunked"}).encode()
    assert requests.post(url, data=chunks(small), headers=headers, timeout=10).status_code == 200
    large = json.dumps({"identity": "u", "room": "r", "pad": "x" * 70_000}).encode()
    refused = requests.post(url, data=chunks(large), headers=headers, timeout=10)
    assert refused.status_code == 413, refused.text
