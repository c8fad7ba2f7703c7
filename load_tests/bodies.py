"""Request bodies from the spec, so load traffic stays contract-valid as the spec changes.

Each body starts from one of the operation's own request examples in
``openapi/voxai.yaml``, keeps the fields its schema requires, sets the ones the load
varies, and is validated against the request schema before any request is sent
(:class:`InvalidBody` otherwise: the run stops before it starts).
"""

from __future__ import annotations

import functools
import json
from typing import Any

import jsonschema

from openapi import operation, resolve_refs

__all__ = ["InvalidBody", "encode", "end_body", "entry_body", "session_body", "token_body"]


class InvalidBody(ValueError):
    """A body the load would send does not match the spec's request schema."""


@functools.cache
def _request(operation_id: str) -> tuple[dict[str, Any], jsonschema.Validator]:
    content = resolve_refs(operation(operation_id).definition["requestBody"])["content"]
    media = content["application/json"]
    validator = jsonschema.Draft202012Validator(media["schema"])
    examples = {name: ex["value"] for name, ex in media.get("examples", {}).items()}
    return examples, validator


def _build(operation_id: str, example: str, fields: dict[str, Any]) -> dict[str, Any]:
    examples, validator = _request(operation_id)
    required = set(validator.schema.get("required", ()))
    body = {k: v for k, v in examples[example].items() if k in required}
    body.update({k: v for k, v in fields.items() if v is not None})
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    if errors:
        where = "/".join(str(p) for p in errors[0].path) or "body"
        raise InvalidBody(f"{operation_id} body breaks the spec at {where}: {errors[0].message}")
    return body


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def token_body(identity: str, room: str, dispatch: tuple[int, ...]) -> dict[str, Any]:
    """``createToken``: no agent unless agent config IDs are given (agents cost money)."""
    if dispatch:
        fields: dict[str, Any] = {"agent_config_ids": list(dispatch)}
    else:
        fields = {"no_agent": True}
    return _build("createToken", "noAgent", {"identity": identity, "room": room, **fields})


def session_body(room_name: str, caller: str) -> dict[str, Any]:
    return _build("createSession", "docs", {"room_name": room_name, "caller_identity": caller})


def entry_body(speaker: str, content: str, is_final: bool) -> dict[str, Any]:
    return _build(
        "addTranscriptEntry",
        "interim",
        {"speaker": speaker, "content": content, "is_final": is_final},
    )


def end_body(summary: str) -> dict[str, Any]:
    return _build("endSession", "docs", {"summary": summary})
