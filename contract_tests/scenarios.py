"""Concrete requests the scenario tests send, built from the spec's own examples.

Each operation gets one valid request (path, query and body taken from the spec's
examples, rooms and sessions carrying the run prefix), so auth checks reach every
operation without restating any shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contract_tests.settings import Settings
from openapi import Operation, iter_operations, resolve_refs


@dataclass(frozen=True)
class Request:
    """A request ready for :class:`contract_tests.client.ApiClient`."""

    operation_id: str
    method: str
    path: str
    body: Any
    content_type: str | None


def _first_example(node: dict[str, Any]) -> Any:
    examples = node.get("examples") or {}
    if examples:
        return next(iter(examples.values())).get("value")
    if "example" in node:
        return node["example"]
    return node.get("schema", {}).get("example")


def example_request(op: Operation, settings: Settings, prefix: str) -> Request:
    """A valid request for ``op``, from the spec's examples, confined to this run's names."""
    path = op.path
    for param in op.parameters:
        param = resolve_refs(param)
        if param.get("in") != "path":
            continue
        value = param.get("example", param.get("schema", {}).get("example"))
        if param["name"] == "roomName":
            value = (
                f"{prefix}{settings.run_prefix}auth"
                if op.operation_id in {"addTranscriptEntry", "endSession"}
                else f"{settings.run_prefix}auth"
            )
        if param["name"] == "projectId" and settings.project_id:
            value = settings.project_id
        path = path.replace("{" + param["name"] + "}", str(value))
    body, content_type = None, None
    request_body = resolve_refs(op.definition.get("requestBody", {}))
    if request_body.get("content"):
        content_type, media = next(iter(request_body["content"].items()))
        body = _first_example(media)
        if isinstance(body, dict):
            body = dict(body)
            if "room" in body:
                body["room"] = f"{settings.run_prefix}auth"
                body["no_agent"] = True
            if "room_name" in body:
                body["room_name"] = f"{prefix}{settings.run_prefix}auth"
    return Request(op.operation_id, op.method, path, body, content_type)


def secured_operations() -> list[Operation]:
    """The operations that require the X-API-Key scheme."""
    return [op for op in iter_operations() if op.secured]
