"""Build the VoxAI Postman collection (v2.1.0) from the OpenAPI spec, and nothing else.

``build_collection(spec)`` is pure and deterministic: the same spec gives the same
dict, ids are uuid5 of stable names, and ``render(collection)`` gives the exact text
committed as ``postman/voxai.postman_collection.json``. Every shape (folders,
parameters, bodies, saved responses, the schemas the test scripts check) is read
from the spec through :mod:`openapi`; the hand-written parts are the small
chaining tables (:mod:`postman.chaining`), which make a run in folder order work on a
fresh target, the documented behaviours (:mod:`postman.behaviours`) and the requests
that show them (:mod:`postman.scenarios`); :mod:`postman.scripts` writes the JavaScript.
"""

from __future__ import annotations

import http
import json
import uuid
from pathlib import Path
from typing import Any

from openapi import Operation, iter_operations, resolve_refs
from postman import scripts
from postman.behaviours import by_operation
from postman.chaining import (
    BODY_OVERRIDES,
    LIVEKIT_VARIABLES,
    PATH_VARIABLES,
    PRE_REQUEST,
    RUN_VARIABLES,
    STORES,
    link_values,
    path_value,
    request_body,
)
from postman.scenarios import Step, compact, follow_steps, main_steps
from postman.schemas import response_schema

__all__ = [
    "COLLECTION_PATH",
    "SCHEMA_URL",
    "build_collection",
    "item_id",
    "own_examples",
    "render",
    "response_schema",
]

#: Where the generated collection is committed.
COLLECTION_PATH = Path(__file__).resolve().parent / "voxai.postman_collection.json"
SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"

# All ids hang off one fixed namespace, so they never change between exports.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:voxai-contract-kit:postman")


def _id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def item_id(operation_id: str) -> str:
    """The stable Postman id of the request for ``operation_id``."""
    return _id("item", operation_id)


# --- requests ---------------------------------------------------------------------------


def _expected_status(responses: dict[str, Any]) -> int:
    return min(int(code) for code in responses if code.startswith("2"))


def _url(
    op: Operation, spec: dict[str, Any], links: dict[tuple[str, str], str], path: dict[str, str]
) -> dict[str, Any]:
    params = [resolve_refs(p, spec) for p in op.parameters]
    segments = [
        ":" + seg[1:-1] if seg.startswith("{") and seg.endswith("}") else seg
        for seg in op.path.strip("/").split("/")
    ]
    url: dict[str, Any] = {"raw": "", "host": ["{{baseUrl}}"], "path": segments}
    query = []
    for param in params:
        if param["in"] != "query":
            continue
        default = param.get("schema", {}).get("default")
        description = param.get("description", "")
        if default is not None:
            description = f"{description} (default: {default})".strip()
        query.append(
            {
                "key": param["name"],
                "value": str(default if default is not None else param.get("example", "")),
                "description": description,
            }
        )
    raw = "{{baseUrl}}/" + "/".join(segments)
    if query:
        raw += "?" + "&".join(f"{q['key']}={q['value']}" for q in query)
        url["query"] = query
    url["raw"] = raw
    variables = [
        {
            "key": param["name"],
            "value": path.get(param["name"]) or path_value(op, param, links),
            "description": param.get("description", ""),
        }
        for param in params
        if param["in"] == "path"
    ]
    if variables:
        url["variable"] = variables
    return url


def _description(op: Operation, examples: list[tuple[str, Any]], note: str = "") -> str:
    text = op.definition.get("description", "").strip()
    if note:
        text += "\n\n" + note
    if examples:
        text += "\n\n### Request examples from the spec\n"
        for index, (summary, value) in enumerate(examples):
            note = " (the body above, before run variables)" if index == 0 else ""
            text += f"\n**{summary}**{note}\n\n```json\n{json.dumps(value, indent=2)}\n```\n"
    return text.strip()


def _request(
    op: Operation, spec: dict[str, Any], links: dict[tuple[str, str], str], step: Step | None
) -> dict[str, Any]:
    body = request_body(op, spec)
    headers = []
    request: dict[str, Any] = {"method": op.method}
    if not op.secured:
        request["auth"] = {"type": "noauth"}
    if body:
        media_type, examples = body
        headers.append({"key": "Content-Type", "value": media_type})
    headers.append({"key": "Accept", "value": "application/json"})
    request["header"] = headers
    if body:
        sent = {**examples[0][1], **BODY_OVERRIDES.get(op.operation_id, {})}
        if step and step.body is not None:
            sent = step.body
        # LiveKit's protojson has no spaces; the API's JSON examples are shown indented.
        raw = json.dumps(sent, indent=2) if media_type == "application/json" else compact(sent)
        request["body"] = {"mode": "raw", "raw": raw, "options": {"raw": {"language": "json"}}}
    request["url"] = _url(op, spec, links, dict(step.path) if step else {})
    if step and step.name:  # a follow-up step: its description says what it shows
        request["description"] = step.description or (
            f"{op.definition['summary']} (`{op.operation_id}`), run to show: "
            + ", ".join(f"`{rule.rule}`" for rule in step.behaviours)
            + ". Generated from the spec; see the operation's own request for its examples."
        )
    else:
        note = step.description if step else ""
        request["description"] = _description(op, body[1] if body else [], note)
    return request


def own_examples(operation_id: str, content: dict[str, Any]) -> dict[str, Any]:
    """The examples of a (resolved) response's media type that are ``operation_id``'s own.

    A shared response's example that fits only some operations lists them in
    ``x-voxai-operations``; an operation with such an example shows only those, the
    others show the unmarked, general examples.
    """
    examples = content.get("examples") or {}
    marked = {
        name: ex
        for name, ex in examples.items()
        if operation_id in ex.get("x-voxai-operations", ())
    }
    return marked or {n: ex for n, ex in examples.items() if "x-voxai-operations" not in ex}


def _saved_responses(
    op: Operation, responses: dict[str, Any], request: dict[str, Any]
) -> list[dict[str, Any]]:
    original = {k: v for k, v in request.items() if k not in ("description", "auth")}
    saved = []
    for code, response in responses.items():
        for media_type, content in (response.get("content") or {}).items():
            for name, example in own_examples(op.operation_id, content).items():
                saved.append(
                    {
                        "id": _id("response", op.operation_id, code, name),
                        "name": f"{code} {example.get('summary', name)}",
                        "originalRequest": original,
                        "status": http.HTTPStatus(int(code)).phrase,
                        "code": int(code),
                        "_postman_previewlanguage": "json",
                        "header": [{"key": "Content-Type", "value": media_type}],
                        "cookie": [],
                        "body": json.dumps(example["value"], indent=2),
                    }
                )
    return saved


def _event(listen: str, owner: str, lines: list[str]) -> dict[str, Any]:
    return {
        "listen": listen,
        "script": {"id": _id("script", listen, owner), "type": "text/javascript", "exec": lines},
    }


def _item(
    op: Operation,
    spec: dict[str, Any],
    links: dict[tuple[str, str], str],
    step: Step | None = None,
) -> dict:
    """The request item of ``op``: its own (``step`` None or a main step) or a follow-up."""
    own = step is None or not step.name
    owner = op.operation_id if own else f"{op.operation_id}/{step.key}"
    responses = resolve_refs(op.definition["responses"], spec)
    request = _request(op, spec, links, step)
    if step and step.signing:
        request["auth"] = {"type": "noauth"}
    expected = step.expected if step else _expected_status(responses)
    media_type = next(iter(responses[str(expected)]["content"]))
    schemas = {
        code: schema
        for code, response in responses.items()
        if (schema := response_schema(response, media_type)) is not None
    }
    own_rules = by_operation(spec).get(op.operation_id, ()) if own else ()
    behaviours = own_rules + (step.behaviours if step else ())
    stores = (STORES.get(op.operation_id, []) if own else []) + list(step.stores if step else ())
    prerequest = (PRE_REQUEST.get(op.operation_id, []) if own else []) + list(
        step.prerequest if step else ()
    )
    if step and step.signing:
        prerequest += scripts.sign_webhook(step.signing)
    events = [_event("prerequest", owner, prerequest)] if prerequest else []
    label = f"operationId {op.operation_id}" + ("" if own else f", step {step.key}")
    test = scripts.test_script(label, expected, media_type, schemas, behaviours, stores)
    events.append(_event("test", owner, test))
    return {
        "id": item_id(op.operation_id) if own else _id("item", owner),
        "name": op.definition["summary"] if own else step.name,
        "event": events,
        "request": request,
        "response": _saved_responses(op, responses, request) if own else [],
    }


# --- the collection ---------------------------------------------------------------------


def _variables(spec: dict[str, Any], links: dict[tuple[str, str], str]) -> list[dict[str, Any]]:
    servers = spec.get("servers", [])
    origins = ", ".join(f"{s['url']} ({s.get('description', '')})" for s in servers)
    defaults: dict[str, str] = {}
    for op in iter_operations(spec):
        body = request_body(op, spec)
        for param in op.parameters:
            param = resolve_refs(param, spec)
            key = (op.operation_id, param["name"])
            variable = PATH_VARIABLES.get(key) or links.get(key, "").strip("{}") or None
            if variable in RUN_VARIABLES and variable not in defaults:
                defaults[variable] = str(param.get("example", ""))
        for field, value in BODY_OVERRIDES.get(op.operation_id, {}).items():
            variable = value.strip("{}") if isinstance(value, str) else None
            if body and variable in RUN_VARIABLES and variable not in defaults:
                defaults[variable] = str(body[1][0][1].get(field, ""))
    return [
        {
            "key": "baseUrl",
            "value": servers[0]["url"] if servers else "",
            "type": "string",
            "description": f"API origin, without /api/v1 (the paths carry it). Servers: {origins}",
        },
        {
            "key": "apiKey",
            "value": "",
            "type": "string",
            "description": "Your project's API key, sent as X-API-Key; set it in an environment.",
        },
        *(
            {"key": name, "value": "", "type": "string", "description": text}
            for name, text in LIVEKIT_VARIABLES.items()
        ),
        *(
            {"key": name, "value": defaults.get(name, ""), "type": "string", "description": text}
            for name, text in RUN_VARIABLES.items()
        ),
    ]


def build_collection(spec: dict[str, Any]) -> dict[str, Any]:
    """The Postman Collection v2.1.0 for ``spec`` (a parsed ``voxai.yaml``); pure, deterministic.

    One folder per tag in the spec's tag order, each operation an item named by its
    summary, with parameters, the first request example as body, its own response
    examples saved, and ``pm.test`` scripts that check the status, the content type and
    the body against the operation's resolved response schema, then its documented
    behaviours; each operation's follow-up steps (:mod:`postman.scenarios`) come right
    after it.
    """
    operations = list(iter_operations(spec))
    by_id = {op.operation_id: op for op in operations}
    links = link_values(spec)
    main, follow = main_steps(spec), follow_steps(spec)
    tag_names = [tag["name"] for tag in spec.get("tags", [])]
    tag_names += sorted({op.tag for op in operations} - set(tag_names))
    tag_descriptions = {tag["name"]: tag.get("description", "") for tag in spec.get("tags", [])}
    folders = []
    for tag in tag_names:
        items = []
        for op in (op for op in operations if op.tag == tag):
            items.append(_item(op, spec, links, main.get(op.operation_id)))
            for step in follow.get(op.operation_id, []):
                items.append(_item(by_id[step.operation_id], spec, links, step))
        if items:
            folders.append(
                {
                    "id": _id("folder", tag),
                    "name": tag,
                    "description": tag_descriptions.get(tag, ""),
                    "item": items,
                }
            )
    scheme = spec["components"]["securitySchemes"]["ApiKeyAuth"]
    info = spec["info"]
    return {
        "info": {
            "_postman_id": _id("collection", info["title"]),
            "name": info["title"],
            "description": (
                f"{info.get('description', '').strip()}\n\nGenerated from `openapi/voxai.yaml` "
                "by `voxai-postman`; do not edit by hand. Run it in folder order with "
                "`baseUrl`, `apiKey`, `livekitApiKey` and `livekitApiSecret` set (the "
                "webhook requests are signed with the last two)."
            ),
            "version": info["version"],
            "schema": SCHEMA_URL,
        },
        "item": folders,
        "auth": {
            "type": "apikey",
            "apikey": [
                {"key": "key", "value": scheme["name"], "type": "string"},
                {"key": "value", "value": "{{apiKey}}", "type": "string"},
                {"key": "in", "value": scheme["in"], "type": "string"},
            ],
        },
        "variable": _variables(spec, links),
    }


def render(collection: dict[str, Any]) -> str:
    """The exact file text for ``collection``: 2-space JSON in build order, one final newline."""
    return json.dumps(collection, indent=2, ensure_ascii=False) + "\n"
