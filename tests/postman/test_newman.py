"""newman runs the committed collection against a live mock: green when the mock keeps the
contract, and red on exactly the matching assertions when a fault breaks it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import jwt
import pytest
from livekit.api import TokenVerifier, WebhookReceiver

from tests.postman.broken_targets import FAULTS, RUNS, WRONG_SECRET, step, summary, wrap_all
from tests.postman.helpers import committed_collection, failed_assertions, requests_of, run_newman

DEMO_KEY = "vx_demo_key"
LIVEKIT_KEY, LIVEKIT_SECRET = "devkey", "secret"  # the mock's, as in the mock environment


@pytest.fixture(scope="module")
def green_run(live_mock_session, tmp_path_factory):
    """One run on a fresh mock: (report, CLI output, the mock)."""
    live_mock_session.reset()
    report, output = run_newman(
        live_mock_session.base_url, DEMO_KEY, tmp_path_factory.mktemp("newman") / "report.json"
    )
    return report, output, live_mock_session


def test_collection_runs_green_in_folder_order_on_a_fresh_mock(green_run):
    report, output, _ = green_run
    stats = report["run"]["stats"]
    executed = [e["item"]["id"] for e in report["run"]["executions"]]
    assert executed == [item["id"] for item in requests_of(committed_collection())]
    assert failed_assertions(report) == [], output
    assert stats["requests"]["failed"] == 0 and stats["testScripts"]["failed"] == 0, output
    assert stats["prerequestScripts"]["failed"] == 0, output
    assert stats["assertions"]["total"] >= 4 * len(executed)
    assert report["run"]["failures"] == []
    assert DEMO_KEY not in output, "newman's console output must not carry the API key"


def _webhooks(report):
    for execution in report["run"]["executions"]:
        if execution["request"]["url"]["path"] == ["webhooks", "livekit"]:
            headers = {h["key"]: h["value"] for h in execution["request"]["header"]}
            yield execution["item"]["name"], execution["request"]["body"]["raw"], headers


def test_webhook_signatures_newman_sent_verify_with_livekit_receiver(green_run):
    report, _, _ = green_run
    receiver = WebhookReceiver(TokenVerifier(LIVEKIT_KEY, LIVEKIT_SECRET))
    refused = {step("unsigned"), step("forged")}
    seen = set()
    for name, body, headers in _webhooks(report):
        seen.add(name)
        token = headers["Authorization"]
        assert not token.startswith("Bearer"), "LiveKit sends the raw JWT"
        assert headers["Content-Type"] == "application/webhook+json"
        claims = jwt.decode(token, options={"verify_signature": False})
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert claims["iss"] == LIVEKIT_KEY and claims["sha256"] == digest
        signing_input, _, signature = token.rpartition(".")
        expected = hmac.new(LIVEKIT_SECRET.encode(), signing_input.encode(), hashlib.sha256)
        recomputed = base64.urlsafe_b64encode(expected.digest()).rstrip(b"=").decode()
        if name in refused:
            assert signature != recomputed
            with pytest.raises(Exception):  # noqa: B017 - livekit-api raises PyJWT errors
                receiver.receive(body, token)
        else:
            assert signature == recomputed, name
            assert receiver.receive(body, token).id == json.loads(body)["id"]
    assert seen >= refused | {summary("receiveLivekitWebhook"), step("left"), step("finished")}


def test_mock_state_shows_the_webhook_effects(green_run):
    _, _, mock = green_run
    calls = mock.calls_to("/webhooks/livekit", "POST")
    assert [c["status"] for c in calls] == [200, 200, 401, 401, 200, 200, 200]
    state = mock.http.get(f"{mock.base_url}/__mock/state").json()
    sessions = [s["session"]["room_name"] for s in state["sessions"]]
    assert len(sessions) == 1, sessions  # the run's room, prefixed
    assert all(room["fullName"] != sessions[0] for room in state["rooms"]), "room_finished"


@pytest.mark.parametrize("run", RUNS, ids=str)
def test_each_kind_of_test_fails_on_the_fault_that_breaks_it(make_live_mock, tmp_path, run):
    faults = RUNS[run]
    mock = make_live_mock(wrap=wrap_all(faults))
    env_vars = {}
    for fault in faults:
        if fault.mock_fault:
            mock.set_fault(fault.mock_fault[0], **fault.mock_fault[1])
        env_vars.update(fault.env_vars)
    report, output = run_newman(
        mock.base_url, DEMO_KEY, tmp_path / "report.json", env_vars=env_vars
    )
    failed = set(failed_assertions(report))
    for fault in faults:  # each fault's own assertions, named, so a miss says which
        assert fault.failures <= failed, (fault.name, sorted(fault.failures - failed), output)
    expected = set().union(*(fault.failures for fault in faults))
    assert failed == expected, sorted(failed - expected)
    assert report["run"]["stats"]["assertions"]["failed"] == len(expected)
    assert report["run"]["stats"]["requests"]["failed"] == 0
    assert WRONG_SECRET not in output, "newman's console output must not carry the secret"


def test_every_named_test_of_the_run_has_a_fault_that_turns_it_red(green_run):
    report, _, _ = green_run
    names = {a["assertion"] for e in report["run"]["executions"] for a in e["assertions"]}
    proven = {assertion for fault in FAULTS for _, assertion in fault.failures}
    assert names - proven == set()
