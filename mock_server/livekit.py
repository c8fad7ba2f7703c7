"""LiveKit tokens and webhooks through ``livekit-api``; the only module that touches JWTs."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from google.protobuf.json_format import ParseError
from livekit.api import (
    AccessToken,
    RoomAgentDispatch,
    RoomConfiguration,
    TokenVerifier,
    VideoGrants,
    WebhookReceiver,
)
from livekit.protocol.webhook import WebhookEvent

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
#: VideoGrants fields a request may set; room and roomJoin belong to the API.
_GRANT_FIELDS = frozenset(VideoGrants.__dataclass_fields__) - {"room", "room_join"}


@dataclass(frozen=True)
class Dispatch:
    """One agent dispatched into a room."""

    agent_id: int
    agent_name: str
    metadata: str


def grant_field(jwt_name: str) -> str:
    """``canPublishData`` → ``can_publish_data``."""
    return _CAMEL.sub("_", jwt_name).lower()


def mint_token(
    api_key: str,
    api_secret: str,
    *,
    identity: str,
    room: str,
    grants: dict[str, Any] | None = None,
    dispatches: list[Dispatch] = (),  # type: ignore[assignment]
) -> str:
    """A LiveKit access token for ``room`` (already prefixed) with the extra grants merged.

    :raise ValueError: for a grant name VideoGrants does not know (the spec refuses those first).
    """
    extra = {}
    for name, value in (grants or {}).items():
        snake = grant_field(name)
        if snake not in _GRANT_FIELDS:
            raise ValueError(f"unknown LiveKit grant {name!r}")
        extra[snake] = value
    token = (
        AccessToken(api_key, api_secret)
        .with_identity(identity)
        .with_name(identity)
        .with_grants(VideoGrants(**{**extra, "room_join": True, "room": room}))
    )
    if dispatches:
        token = token.with_room_config(
            RoomConfiguration(
                agents=[
                    RoomAgentDispatch(agent_name=d.agent_name, metadata=d.metadata)
                    for d in dispatches
                ]
            )
        )
    return token.to_jwt()


def dispatch_metadata(agent_id: int, project_id: int) -> str:
    """What a dispatched agent worker receives as job metadata."""
    return json.dumps({"agent_config_id": agent_id, "project_id": project_id})


class WebhookRejected(Exception):
    """A webhook whose signature, issuer, age or body hash does not check out."""


class WebhookMalformed(Exception):
    """A correctly signed webhook whose body is not a LiveKit WebhookEvent."""


def receive_webhook(api_key: str, api_secret: str, body: str, authorization: str) -> WebhookEvent:
    """Verify a LiveKit webhook over its raw body and raw ``Authorization`` JWT.

    :raise WebhookRejected: forged, unsigned, stale or tampered.
    :raise WebhookMalformed: signed, but not a WebhookEvent.
    """
    if not authorization:
        raise WebhookRejected("missing Authorization header")
    receiver = WebhookReceiver(TokenVerifier(api_key, api_secret))
    try:
        return receiver.receive(body, authorization)
    except ParseError as exc:
        raise WebhookMalformed(str(exc)) from exc
    except Exception as exc:  # livekit-api raises PyJWT errors and bare Exception("hash mismatch")
        raise WebhookRejected(str(exc) or type(exc).__name__) from exc
