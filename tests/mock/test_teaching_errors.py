"""Documented types as documented, and errors that teach: a fractional ``timestamp_ms`` (the
docs say "number") is stored as sent; validation messages list every allowed value, describe
room-name rules in words and name the kit's assumption where the spec narrows the docs; a 404
for a name that differs from an existing one only by the project prefix says so."""

from __future__ import annotations

import requests

from tests.conftest import DEMO_KEY

H = {"X-API-Key": DEMO_KEY}
#: A browser's performance.timeOrigin + performance.now().
BROWSER_TS = 1711800001500.2517


def test_fractional_timestamp_ms_is_accepted_and_stored_as_sent(live_mock):
    base = live_mock.base_url
    requests.post(f"{base}/api/v1/sessions", json={"room_name": "proj_ts"}, headers=H, timeout=5)
    response = requests.post(
        f"{base}/api/v1/sessions/proj_ts/transcript",
        json={"speaker": "user", "content": "hi", "timestamp_ms": BROWSER_TS},
        headers=H,
        timeout=5,
    )
    assert response.status_code == 201, response.text
    assert response.json()["timestamp_ms"] == BROWSER_TS
    [session] = live_mock.state.snapshot()["sessions"]
    assert session["transcript"][0]["timestamp_ms"] == BROWSER_TS
