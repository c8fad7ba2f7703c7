"""Every operation rejects a missing and a wrong key; a forged webhook is refused.

Docs: "All requests require an X-API-Key header." That a refusal is 401 with the
Error body is the spec's assumption (``#/components/responses/Unauthorized``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time

import jwt
import pytest

from contract_tests.client import ApiClient, Exchange, expect, not_exercised
from contract_tests.scenarios import example_request, secured_operations
from contract_tests.settings import Settings
from openapi import operation

WRONG_KEY = "vx_wrong_key_for_contract_tests"
# Long enough that PyJWT does not warn; it is not the target's secret, which is the point.
FORGED_SECRET = "forged-webhook-secret-not-the-livekit-one"
OPERATIONS = secured_operations()


def _send(client: ApiClient, request, api_key) -> Exchange:
    if request.body is None:
        return client.request(request.method, request.path, api_key=api_key)
    return client.request(
        request.method,
        request.path,
        data=json.dumps(request.body),
        headers={"Content-Type": request.content_type},
        api_key=api_key,
    )


def _check_refusal(exchange: Exchange, rule: str, label: str) -> None:
    # A 5xx is not a refusal: expect() reports it as not_a_server_error, never as refused.
    expect(
        not 200 <= exchange.status < 300,
        rule,
        received=f"{exchange.status} (the request was served)",
        documented="the request is refused",
        exchange=exchange,
        operation=label,
    )
    body = exchange.json()
    expect(
        exchange.status == 401 and isinstance(body, dict) and "error" in body and "message" in body,
        "refusal_is_401_error",
        received=f"{exchange.status} {exchange.response.text[:120]!r}",
        documented="401 with the Error body",
        exchange=exchange,
        operation=label,
    )


def _reads_only_when_read_only(op, settings: Settings, rule: str) -> None:
    # Even without a valid key, a write sent to a staging that ignores auth is a write.
    if settings.read_only and op.method != "GET":
        not_exercised(rule, f"read-only: {op.method} is a write", f"{op.method} {op.path}")


@pytest.mark.parametrize("op", OPERATIONS, ids=[op.operation_id for op in OPERATIONS])
def test_every_operation_rejects_missing_key(op, client: ApiClient, settings: Settings, prefix):
    _reads_only_when_read_only(op, settings, "missing_key_is_refused")
    request = example_request(op, settings, prefix)
    exchange = _send(client, request, api_key=False)
    _check_refusal(exchange, "missing_key_is_refused", f"{op.method} {op.path}")


@pytest.mark.parametrize("op", OPERATIONS, ids=[op.operation_id for op in OPERATIONS])
def test_every_operation_rejects_wrong_key(op, client: ApiClient, settings: Settings, prefix):
    _reads_only_when_read_only(op, settings, "wrong_key_is_refused")
    request = example_request(op, settings, prefix)
    exchange = _send(client, request, api_key=WRONG_KEY)
    _check_refusal(exchange, "wrong_key_is_refused", f"{op.method} {op.path}")


def _webhook_body(room: str) -> str:
    example = operation("receiveLivekitWebhook").definition["requestBody"]["content"][
        "application/webhook+json"
    ]["examples"]["roomStarted"]["value"]
    event = dict(
        example, id=f"EV_contract_{int(time.time() * 1000)}", createdAt=str(int(time.time()))
    )
    event["room"] = dict(event["room"], name=room)
    return json.dumps(event, separators=(",", ":"))


def _signed(body: str, api_key: str, secret: str) -> str:
    digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    now = int(time.time())
    return jwt.encode(
        {"iss": api_key, "nbf": now, "exp": now + 300, "sha256": digest, "video": {}},
        secret,
        algorithm="HS256",
    )


WEBHOOK_LABEL = "POST /webhooks/livekit"


@pytest.mark.parametrize("forgery", ["unsigned", "wrong_secret", "body_tampered"])
def test_forged_webhook_is_refused(forgery, client: ApiClient, settings: Settings, prefix):
    if settings.read_only:
        not_exercised("forged_webhook_refused", "read-only: a webhook is a POST", WEBHOOK_LABEL)
    room = f"{prefix}{settings.run_prefix}hook"
    body = _webhook_body(room)
    api_key = settings.livekit_api_key or "devkey"
    headers = {"Content-Type": "application/webhook+json"}
    if forgery == "wrong_secret":
        headers["Authorization"] = _signed(body, api_key, FORGED_SECRET)
    elif forgery == "body_tampered":
        # Signed with the real secret when known, so only the body hash is wrong.
        secret = settings.livekit_api_secret or FORGED_SECRET
        headers["Authorization"] = _signed(body, api_key, secret)
        body = body.replace('"room_started"', '"room_finished"')
    exchange = client.post("/webhooks/livekit", data=body, headers=headers, api_key=False)
    _check_refusal(exchange, "forged_webhook_refused", WEBHOOK_LABEL)


def test_signed_webhook_is_accepted(client: ApiClient, settings: Settings, prefix, writes_allowed):
    if not (settings.livekit_api_key and settings.livekit_api_secret):
        pytest.skip("needs --livekit-api-key and --livekit-api-secret")
    room = f"{prefix}{settings.run_prefix}hook"
    body = _webhook_body(room)
    headers = {
        "Content-Type": "application/webhook+json",
        "Authorization": _signed(body, settings.livekit_api_key, settings.livekit_api_secret),
    }
    exchange = client.post("/webhooks/livekit", data=body, headers=headers, api_key=False)
    expect(
        200 <= exchange.status < 300,
        "signed_webhook_accepted",
        received=str(exchange.status),
        documented="a validly signed event is received",
        exchange=exchange,
        operation=WEBHOOK_LABEL,
    )
    # The room_started event made a room: finish it again so staging keeps nothing.
    finished = body.replace('"room_started"', '"room_finished"').replace(
        '"EV_contract_', '"EV_contract_end_'
    )
    client.post(
        "/webhooks/livekit",
        data=finished,
        headers={
            "Content-Type": "application/webhook+json",
            "Authorization": _signed(
                finished, settings.livekit_api_key, settings.livekit_api_secret
            ),
        },
        api_key=False,
    )
