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


def error_of(response, status):
    assert response.status_code == status, response.text
    body = response.json()
    return body["message"], body["details"][0] if body.get("details") else None


def test_an_enum_error_lists_every_allowed_value(live_mock):
    base = live_mock.base_url
    message, detail = error_of(
        requests.get(f"{base}/api/v1/usage", params={"group_by": "week"}, headers=H), 400
    )
    assert detail["field"] == "group_by"
    for value in ("day", "model", "agent", "service"):
        assert f'"{value}"' in message
    assert "other candidates" not in message


def test_a_room_name_rule_is_said_in_words_and_named_as_the_kits_assumption(live_mock):
    response = requests.post(
        f"{live_mock.base_url}/api/v1/token", json={"identity": "u", "room": "my room!"}, headers=H
    )
    message, detail = error_of(response, 400)
    assert detail["field"] == "room"
    assert "first a letter or a digit, then any number of letters, digits, '_', '.' or '-'" in (
        message
    )
    assert "^[" not in message  # no raw regex
    assert "the kit's assumption: The docs set no rules for room names" in message


def test_a_narrowed_docs_number_names_the_assumption(live_mock):
    response = requests.post(
        f"{live_mock.base_url}/api/v1/token",
        json={"identity": "u", "room": "r", "agent_config_id": 1.5},
        headers=H,
    )
    message, detail = error_of(response, 400)
    assert detail["field"] == "agent_config_id"
    assert "the kit's assumption: The docs type agent IDs as number" in message


def test_a_session_404_points_at_the_prefixed_name(live_mock):
    base = live_mock.base_url
    requests.post(f"{base}/api/v1/sessions", json={"room_name": "proj_support-1"}, headers=H)
    entry = {"speaker": "user", "content": "hi"}
    message, _ = error_of(
        requests.post(f"{base}/api/v1/sessions/support-1/transcript", json=entry, headers=H), 404
    )
    assert message.startswith("No session for room 'support-1'; there is one for 'proj_support-1'")
    message, _ = error_of(
        requests.post(f"{base}/api/v1/sessions/other/end", json={}, headers=H), 404
    )
    assert message == "No session for room 'other'"  # no hint when there is nothing to point at


def test_a_participants_404_for_a_prefixed_name_says_to_drop_the_prefix(live_mock):
    base = live_mock.base_url
    requests.post(f"{base}/api/v1/token", json={"identity": "u", "room": "support-1"}, headers=H)
    message, _ = error_of(
        requests.get(f"{base}/api/v1/rooms/proj_support-1/participants", headers=H), 404
    )
    assert "without the project prefix 'proj_'" in message
    assert "there is an active room 'support-1'" in message
    assert requests.get(f"{base}/api/v1/rooms/support-1/participants", headers=H).ok
