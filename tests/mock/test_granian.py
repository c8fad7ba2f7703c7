"""voxai-mock --server granian (the faster server, see README Benchmarks) serves the same mock:
spec-validated requests, real LiveKit tokens, state and the journal."""

from __future__ import annotations

import jwt
import requests

from tests.conftest import DEMO_KEY

H = {"X-API-Key": DEMO_KEY}


def test_granian_serves_tokens_sessions_and_the_journal(make_served_mock):
    with make_served_mock("--server", "granian") as served:
        base = served.base_url
        token = requests.post(
            f"{base}/api/v1/token", json={"identity": "u", "room": "g"}, headers=H, timeout=10
        )
        assert token.status_code == 200
        claims = jwt.decode(token.json()["token"], "secret", algorithms=["HS256"])
        assert claims["video"]["room"] == "proj_g"
        bad = requests.post(f"{base}/api/v1/token", json={"room": "g"}, headers=H, timeout=10)
        assert bad.status_code == 400  # validated against the spec
        requests.post(f"{base}/api/v1/sessions", json={"room_name": "proj_g"}, headers=H)
        entry = requests.post(
            f"{base}/api/v1/sessions/proj_g/transcript",
            json={"speaker": "user", "content": "hello"},
            headers=H,
            timeout=10,
        )
        assert entry.status_code == 201 and entry.json()["sequence"] == 1
        journal = requests.get(f"{base}/__mock/requests", timeout=10).json()["requests"]
        assert [e["status"] for e in journal] == [200, 400, 201, 201]
