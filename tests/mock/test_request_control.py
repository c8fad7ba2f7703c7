"""``X-VoxAI-Mock``: one request steered alone (status, latency, dropped field, connection
faults), validated against ``RequestControl`` in mock-admin.yaml, through a served mock."""

from __future__ import annotations

import http.client
import threading
import time

import pytest
import requests

from mock_server.control import HEADER
from tests.conftest import DEMO_KEY

H = {"X-API-Key": DEMO_KEY}
TOKEN = {"identity": "u", "room": "ctl"}


def post_token(base, headers=None, timeout=5):
    return requests.post(
        f"{base}/api/v1/token", json=TOKEN, headers={**H, **(headers or {})}, timeout=timeout
    )


def journal_soon(live_mock, path, deadline_s=3.0):
    deadline = time.monotonic() + deadline_s
    while not live_mock.calls_to(path) and time.monotonic() < deadline:
        time.sleep(0.02)
    return live_mock.calls_to(path)


def test_forced_503_hits_that_request_alone_while_concurrent_requests_get_200(live_mock):
    base, results, barrier = live_mock.base_url, {}, threading.Barrier(9)

    def call(n):
        barrier.wait(timeout=5)
        headers = {HEADER: "status=503"} if n == 0 else {}
        results[n] = requests.get(f"{base}/api/v1/agents", headers={**H, **headers}, timeout=5)

    threads = [threading.Thread(target=call, args=(n,)) for n in range(9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert results[0].status_code == 503
    assert results[0].json()["error"] == "service_unavailable"  # the spec's Error body
    assert [results[n].status_code for n in range(1, 9)] == [200] * 8
    journal = live_mock.calls_to("/api/v1/agents")
    assert sorted(e["status"] for e in journal) == [200] * 8 + [503]
    assert [e["fault"] for e in journal if e["status"] == 503] == [{"status": 503}]


def test_latency_and_dropped_field_together(live_mock):
    started = time.perf_counter()
    response = post_token(live_mock.base_url, {HEADER: "latency_ms=300, drop_field=token"})
    assert time.perf_counter() - started >= 0.3
    assert response.status_code == 200
    assert "token" not in response.json() and response.json()["room"] == "proj_ctl"
    assert "token" in post_token(live_mock.base_url).json()  # the next request is untouched


def test_documented_status_is_forced_and_prefer_still_works(live_mock):
    assert post_token(live_mock.base_url, {HEADER: "status=409"}).status_code == 409
    assert post_token(live_mock.base_url, {"Prefer": "code=404"}).status_code == 404


@pytest.mark.parametrize(
    ("value", "field", "names"),
    [
        ("stauts=503", "X-VoxAI-Mock.stauts", ["connection", "drop_field", "latency_ms", "status"]),
        ("status=418", "X-VoxAI-Mock.status", ["400", "401", "404", "409", "503"]),
        ("drop_field=tokn", "X-VoxAI-Mock.drop_field", ["tokn", "token", "wsUrl"]),
        ("latency_ms=99999", "X-VoxAI-Mock.latency_ms", ["10000"]),
        ("connection=explode", "X-VoxAI-Mock.connection", ['"reset"', '"hang"', '"truncate"']),
        ("status", "X-VoxAI-Mock.status", ["needs a value"]),
    ],
)
def test_a_bad_header_is_a_400_naming_what_is_valid(live_mock, value, field, names):
    response = post_token(live_mock.base_url, {HEADER: value})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["details"][0]["field"] == field
    assert all(name in body["message"] for name in names), body["message"]
    assert live_mock.state.snapshot()["rooms"] == []  # refused before the operation ran


def test_dry_run_endpoint_parses_the_header(live_mock):
    url = f"{live_mock.base_url}/__mock/control"
    ok = requests.get(url, params={"operation_id": "createToken"}, headers={HEADER: "status=503"})
    assert ok.json() == {"status": 503}
    bad = requests.get(url, params={"operation_id": "createToken"}, headers={HEADER: "x=1"})
    assert bad.status_code == 400 and "valid keys" in bad.json()["message"]


def test_reset_drops_the_connection_without_a_response(live_mock):
    with pytest.raises(requests.ConnectionError):
        post_token(live_mock.base_url, {HEADER: "connection=reset"})
    [entry] = journal_soon(live_mock, "/api/v1/token")  # written after the drop
    assert entry["status"] == 0 and entry["fault"] == {"connection": "reset"}
    assert post_token(live_mock.base_url).status_code == 200  # the server is fine


def test_hang_holds_the_connection_for_latency_ms_then_closes_it(live_mock):
    started = time.perf_counter()
    with pytest.raises(requests.ReadTimeout):
        post_token(live_mock.base_url, {HEADER: "connection=hang, latency_ms=600"}, timeout=0.3)
    with pytest.raises(requests.ConnectionError):
        post_token(live_mock.base_url, {HEADER: "connection=hang, latency_ms=300"}, timeout=5)
    assert time.perf_counter() - started < 5  # bounded by latency_ms, not the client timeout


def test_truncate_sends_half_the_body_under_the_full_length(live_mock):
    conn = http.client.HTTPConnection(live_mock.base_url.removeprefix("http://"), timeout=5)
    conn.request("GET", "/api/v1/agents", headers={**H, HEADER: "connection=truncate"})
    response = conn.getresponse()
    assert response.status == 200
    length = int(response.getheader("Content-Length"))
    with pytest.raises(http.client.IncompleteRead) as caught:
        response.read()
    assert 0 < len(caught.value.partial) == length // 2
    conn.close()


def test_cors_preflight_allows_the_control_headers(live_mock):
    response = requests.options(
        f"{live_mock.base_url}/api/v1/token",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-api-key, x-voxai-mock, x-voxai-test-id",
        },
        timeout=5,
    )
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "x-voxai-mock" in allowed and "x-voxai-test-id" in allowed


@pytest.mark.slow
def test_connection_faults_and_forced_status_on_gunicorn(make_served_mock):
    """The same faults on voxai-mock --server gunicorn (gthread), which hands the app its socket
    (granian, the default, is tests/mock/test_granian.py)."""
    with make_served_mock("--server", "gunicorn") as served:
        base = served.base_url
        with pytest.raises(requests.ConnectionError):
            post_token(base, {HEADER: "connection=reset"})
        # The reset's entry is written after the drop: wait for it, or the next request's
        # entry can come first (a race seen in about one run in four).
        deadline = time.monotonic() + 3
        while not requests.get(f"{base}/__mock/requests", timeout=5).json()["requests"]:
            assert time.monotonic() < deadline, "the reset request was never journaled"
            time.sleep(0.02)
        with pytest.raises(requests.exceptions.ChunkedEncodingError, match="IncompleteRead"):
            requests.get(f"{base}/api/v1/agents", headers={**H, HEADER: "connection=truncate"})
        assert post_token(base, {HEADER: "status=503"}).status_code == 503
        assert post_token(base).status_code == 200
        journal = requests.get(f"{base}/__mock/requests", timeout=5).json()["requests"]
        assert [e["status"] for e in journal] == [0, 200, 503, 200]
