"""Sign webhook bodies exactly as LiveKit does (``webhook/url_notifier.go``): protojson body,
``Authorization`` = raw JWT whose ``sha256`` claim is base64(sha256(body))."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from datetime import timedelta
from typing import Any

from livekit.api import AccessToken

_ids = itertools.count(1)
WEBHOOK_PATH = "/webhooks/livekit"
CONTENT_TYPE = "application/webhook+json"


def protojson(event: dict[str, Any]) -> str:
    """The compact JSON LiveKit sends (Go's protojson leaves no spaces)."""
    return json.dumps(event, separators=(",", ":"))


def sign(body: str, key: str = "devkey", secret: str = "secret", ttl_s: int = 300) -> str:
    digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    return AccessToken(key, secret).with_sha256(digest).with_ttl(timedelta(seconds=ttl_s)).to_jwt()


def event(kind: str, room: str, participant: dict[str, Any] | None = None, **extra) -> dict:
    """A WebhookEvent in protojson: int64 as strings, zero values omitted."""
    body: dict[str, Any] = {
        "event": kind,
        "room": {
            "sid": "RM_hycBMAjmt6Ub",
            "name": room,
            "emptyTimeout": 300,
            "creationTime": "1692627281",
        },
        "id": f"EV_test{next(_ids):08d}",
        "createdAt": "1692985556",
    }
    if participant is not None:
        body["participant"] = participant
    body.update(extra)
    return body


def headers(body: str, **sign_args) -> dict[str, str]:
    return {"Content-Type": CONTENT_TYPE, "Authorization": sign(body, **sign_args)}
