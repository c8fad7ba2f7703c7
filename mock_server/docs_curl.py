"""The docs' cURL examples, rebuilt from the spec: the first server's origin, the path and
query parameters' ``example`` values, the ``docs`` request example (else the first one) and
``X-API-Key: YOUR_KEY``, in the layout the docs page uses.

``tests/mock/test_docs_examples.py`` holds the docs' commands verbatim; a test proves these
are the same commands, so the offline reference shows what the hosted one shows.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import openapi

#: The docs write the key as this placeholder.
KEY_PLACEHOLDER = "YOUR_KEY"


def docs_curl(op: openapi.Operation, spec: dict[str, Any], origin: str | None = None) -> str:
    """One operation's cURL, lines joined with `` \\`` and a newline as a shell expects."""
    origin = (origin or spec["servers"][0]["url"]).rstrip("/")
    path, query = op.path, {}
    for param in op.parameters:
        param = openapi.resolve_refs(param, spec)
        if "example" not in param:
            continue
        if param.get("in") == "path":
            path = path.replace("{" + param["name"] + "}", str(param["example"]))
        elif param.get("in") == "query":
            query[param["name"]] = param["example"]
    url = origin + path + (f"?{urlencode(query)}" if query else "")
    first = f"curl -X {op.method} {url}" if op.method != "GET" else f"curl {url}"
    if query:
        first = first.replace(url, f'"{url}"')
    lines = [first]
    body = _request_example(op, spec)
    if body is not None:
        lines.append('-H "Content-Type: application/json"')
    lines.append(f'-H "X-API-Key: {KEY_PLACEHOLDER}"')
    if body is not None:
        lines.append(f"-d '{json.dumps(body, separators=(',', ':'), ensure_ascii=False)}'")
    return " \\\n  ".join(lines)


def _request_example(op: openapi.Operation, spec: dict[str, Any]) -> Any:
    body = openapi.resolve_refs(op.definition.get("requestBody") or {}, spec)
    media = (body.get("content") or {}).get("application/json")
    if not media:
        return None
    examples = media.get("examples") or {}
    if examples:
        chosen = examples.get("docs") or next(iter(examples.values()))
        return chosen.get("value")
    return media.get("example")


def docs_curls(spec: dict[str, Any] | None = None) -> dict[str, str]:
    """operationId → cURL for every operation the docs give one for (those keyed by
    ``X-API-Key``; the webhook receiver is called by LiveKit, not by hand)."""
    spec = spec if spec is not None else openapi.load_spec()
    return {
        op.operation_id: docs_curl(op, spec) for op in openapi.iter_operations(spec) if op.secured
    }
