"""Build the VoxAI Postman collection (v2.1.0) from the OpenAPI spec, and nothing else.

``build_collection(spec)`` is pure and deterministic: the same spec gives the same
dict, ids are uuid5 of stable names, and ``render(collection)`` gives the exact text
committed as ``postman/voxai.postman_collection.json``. Every shape (folders,
parameters, bodies, saved responses, the schemas the test scripts check) is read
from the spec through :mod:`openapi`; the only hand-written part is the small
chaining table below, which makes a run in folder order work on a fresh target.
"""

from __future__ import annotations

import http
import json
import uuid
from pathlib import Path
from typing import Any

from openapi import Operation, iter_operations, resolve_refs

__all__ = [
    "COLLECTION_PATH",
    "SCHEMA_URL",
    "build_collection",
    "item_id",
    "render",
    "response_schema",
]

#: Where the generated collection is committed.
COLLECTION_PATH = Path(__file__).resolve().parent / "voxai.postman_collection.json"
SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"

# All ids hang off one fixed namespace, so they never change between exports.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:voxai-contract-kit:postman")

# --- Chaining: what a run in folder order needs beyond the spec's own links -------------
#
# The spec's links (token -> participants, session -> transcript/end) say which request
# value feeds which path parameter; they are followed below. What links cannot say:
# the room must be unique per run (createSession answers 409 for an active session, so
# a fixed name fails the second run on a shared target), the token must not dispatch
# paid agents, and sessions take the *prefixed* room the token response returns.

#: Collection variables a run fills in; the defaults are the spec's own examples, so a
#: single request sent by hand from Postman still works against the seeded mock.
_RUN_VARIABLES = {
    "room": "Room name without the project prefix; set to a run-unique name by the "
    "token request, used for the rooms and participants requests.",
    "fullRoomName": "The prefixed room the token request returned; sessions are keyed by it.",
    "agentId": "First agent of listAgents; used for the agent tools request.",
    "projectId": "Project of your API key (the secrets path must match it); the default is "
    "the seeded Demo project. Set it when you use another project's key.",
}
#: Request-body fields replaced per operation (JSON values; strings may hold {{variables}}).
_BODY_OVERRIDES: dict[str, dict[str, Any]] = {
    "createToken": {"room": "{{room}}", "no_agent": True},
    "createSession": {"room_name": "{{fullRoomName}}"},
}
#: Path parameters no link feeds: (operationId, parameter) -> collection variable.
_PATH_VARIABLES = {
    ("listAgentTools", "agentId"): "agentId",
    ("getProviderSecrets", "projectId"): "projectId",
}
#: What a successful response stores: operationId -> [(variable, JS expression on body)].
_STORES: dict[str, list[tuple[str, str]]] = {
    "createToken": [("fullRoomName", "body.room")],
    "listAgents": [("agentId", "body.agents.length ? String(body.agents[0].id) : undefined")],
}
#: Pre-request scripts: operationId -> JS lines.
_PRE_REQUEST: dict[str, list[str]] = {
    "createToken": [
        "// A run-unique room: sessions of an earlier run on the same target stay apart.",
        'pm.collectionVariables.set("room", "pm-" + Date.now().toString(36) + "-" +',
        "    Math.random().toString(36).slice(2, 8));",
    ],
}
#: Why an operation outside X-API-Key auth is expected to be refused in a plain run.
_UNSIGNED_NOTE = (
    "A plain collection cannot sign LiveKit webhooks (the `Authorization` JWT must carry "
    "the SHA-256 of the exact body, made with the LiveKit API secret), so this request is "
    "sent unsigned and its test expects the documented **401**: an unsigned event is "
    "refused and changes nothing."
)


def _id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def item_id(operation_id: str) -> str:
    """The stable Postman id of the request for ``operation_id``."""
    return _id("item", operation_id)


# --- schemas ----------------------------------------------------------------------------

_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_ONES = (
    "items", "additionalProperties", "not", "if", "then", "else", "contains",
    "propertyNames", "unevaluatedProperties", "unevaluatedItems", "additionalItems",
)  # fmt: skip
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
# Annotations Ajv does not need; dropping them keeps the scripts short.
_ANNOTATIONS = ("description", "example", "examples", "title", "$comment")


def _strip(schema: Any) -> Any:
    """The schema without annotations and x- extensions, walking only schema positions."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _ANNOTATIONS or key.startswith("x-"):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _strip(sub) for name, sub in value.items()}
        elif key in _SCHEMA_ONES:
            out[key] = _strip(value)
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_strip(sub) for sub in value]
        else:
            out[key] = value
    return out


def response_schema(response: dict[str, Any], media_type: str) -> dict[str, Any] | None:
    """The resolved, annotation-free JSON Schema of a (resolved) response, for Ajv."""
    content = (response.get("content") or {}).get(media_type)
    if not content or "schema" not in content:
        return None
    return _strip(content["schema"])


# --- requests ---------------------------------------------------------------------------


def _expected_status(op: Operation, responses: dict[str, Any]) -> int:
    if not op.secured:
        return 401
    return min(int(code) for code in responses if code.startswith("2"))


def _request_body(op: Operation, spec: dict[str, Any]) -> tuple[str, list[tuple[str, Any]]] | None:
    """(media type, [(summary, example value)...]) of the operation's request body."""
    body = resolve_refs(op.definition.get("requestBody"), spec)
    if not body:
        return None
    media_type, content = next(iter(body["content"].items()))
    examples = [(ex.get("summary", name), ex["value"]) for name, ex in content["examples"].items()]
    return media_type, examples


def _link_values(spec: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(target operationId, parameter) -> value, from the spec's links.

    ``$request.body#/field`` takes the source request's body field (after overrides),
    ``$request.path.name`` the source's own path value.
    """
    values: dict[tuple[str, str], str] = {}
    for op in iter_operations(spec):
        body = _request_body(op, spec)
        sent = dict(body[1][0][1]) if body else {}
        sent.update(_BODY_OVERRIDES.get(op.operation_id, {}))
        for response in op.definition.get("responses", {}).values():
            for link in (response.get("links") or {}).values():
                for param, expression in link.get("parameters", {}).items():
                    key = (link["operationId"], param)
                    if key in values:
                        continue
                    if expression.startswith("$request.body#/"):
                        values[key] = str(sent[expression.removeprefix("$request.body#/")])
                    elif expression.startswith("$request.path."):
                        source = (op.operation_id, expression.removeprefix("$request.path."))
                        if source in values:
                            values[key] = values[source]
    return values


def _path_value(op: Operation, param: dict[str, Any], links: dict[tuple[str, str], str]) -> str:
    key = (op.operation_id, param["name"])
    if key in links:
        return links[key]
    if key in _PATH_VARIABLES:
        return "{{" + _PATH_VARIABLES[key] + "}}"
    return str(param.get("example", param.get("schema", {}).get("example", "")))


def _url(op: Operation, spec: dict[str, Any], links: dict[tuple[str, str], str]) -> dict[str, Any]:
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
            "value": _path_value(op, param, links),
            "description": param.get("description", ""),
        }
        for param in params
        if param["in"] == "path"
    ]
    if variables:
        url["variable"] = variables
    return url


def _description(op: Operation, examples: list[tuple[str, Any]]) -> str:
    text = op.definition.get("description", "").strip()
    if not op.secured:
        text += "\n\n" + _UNSIGNED_NOTE
    if examples:
        text += "\n\n### Request examples from the spec\n"
        for index, (summary, value) in enumerate(examples):
            note = " (the body above, before run variables)" if index == 0 else ""
            text += f"\n**{summary}**{note}\n\n```json\n{json.dumps(value, indent=2)}\n```\n"
    return text.strip()


def _request(
    op: Operation, spec: dict[str, Any], links: dict[tuple[str, str], str]
) -> dict[str, Any]:
    body = _request_body(op, spec)
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
        sent = {**examples[0][1], **_BODY_OVERRIDES.get(op.operation_id, {})}
        request["body"] = {
            "mode": "raw",
            "raw": json.dumps(sent, indent=2),
            "options": {"raw": {"language": "json"}},
        }
    request["url"] = _url(op, spec, links)
    request["description"] = _description(op, body[1] if body else [])
    return request


def _saved_responses(
    op: Operation, responses: dict[str, Any], request: dict[str, Any]
) -> list[dict[str, Any]]:
    original = {k: v for k, v in request.items() if k not in ("description", "auth")}
    saved = []
    for code, response in responses.items():
        for media_type, content in (response.get("content") or {}).items():
            for name, example in (content.get("examples") or {}).items():
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


def _test_script(op: Operation, responses: dict[str, Any]) -> list[str]:
    expected = _expected_status(op, responses)
    media_type = next(iter(responses[str(expected)]["content"]))
    schemas: list[dict[str, Any]] = []
    by_status: dict[str, int] = {}
    for code, response in responses.items():
        schema = response_schema(response, media_type)
        if schema is None:
            continue
        if schema not in schemas:
            schemas.append(schema)
        by_status[code] = schemas.index(schema)
    lines = [
        f"// Generated from the spec (operationId {op.operation_id}); re-export, do not edit.",
        "// Documented status -> index of its response schema (resolved from the spec).",
        f"const schemaIndex = {json.dumps(by_status)};",
        "const schemas = [",
        *(f"    {json.dumps(schema, separators=(',', ':'))}," for schema in schemas),
        "];",
        'pm.test("status is documented", function () {',
        "    pm.expect(Object.keys(schemaIndex)).to.include(String(pm.response.code));",
        "});",
        f'pm.test("status is {expected}", function () {{',
        f"    pm.response.to.have.status({expected});",
        "});",
        f'pm.test("content-type is {media_type}", function () {{',
        f'    pm.expect(pm.response.headers.get("Content-Type") || "").to.include("{media_type}");',
        "});",
        'pm.test("body matches schema", function () {',
        "    const index = schemaIndex[String(pm.response.code)];",
        '    pm.expect(index, "a schema for status " + pm.response.code).to.be.a("number");',
        "    pm.response.to.have.jsonSchema(schemas[index]);",
        "});",
    ]
    stores = _STORES.get(op.operation_id)
    if stores:
        lines += [
            "// Chaining: later requests of this run use what this one returned.",
            f"if (pm.response.code === {expected}) {{",
            "    const body = pm.response.json();",
        ]
        for variable, expression in stores:
            lines += [
                f"    const {variable} = {expression};",
                f'    if ({variable} !== undefined) pm.collectionVariables.set("{variable}", '
                f"{variable});",
            ]
        lines.append("}")
    return lines


def _event(listen: str, owner: str, lines: list[str]) -> dict[str, Any]:
    return {
        "listen": listen,
        "script": {"id": _id("script", listen, owner), "type": "text/javascript", "exec": lines},
    }


def _item(op: Operation, spec: dict[str, Any], links: dict[tuple[str, str], str]) -> dict:
    responses = resolve_refs(op.definition["responses"], spec)
    request = _request(op, spec, links)
    events = []
    if op.operation_id in _PRE_REQUEST:
        events.append(_event("prerequest", op.operation_id, _PRE_REQUEST[op.operation_id]))
    events.append(_event("test", op.operation_id, _test_script(op, responses)))
    return {
        "id": item_id(op.operation_id),
        "name": op.definition["summary"],
        "event": events,
        "request": request,
        "response": _saved_responses(op, responses, request),
    }


# --- the collection ---------------------------------------------------------------------


def _variables(spec: dict[str, Any], links: dict[tuple[str, str], str]) -> list[dict[str, Any]]:
    servers = spec.get("servers", [])
    origins = ", ".join(f"{s['url']} ({s.get('description', '')})" for s in servers)
    defaults: dict[str, str] = {}
    for op in iter_operations(spec):
        body = _request_body(op, spec)
        for param in op.parameters:
            param = resolve_refs(param, spec)
            key = (op.operation_id, param["name"])
            variable = _PATH_VARIABLES.get(key) or links.get(key, "").strip("{}") or None
            if variable in _RUN_VARIABLES and variable not in defaults:
                defaults[variable] = str(param.get("example", ""))
        for field, value in _BODY_OVERRIDES.get(op.operation_id, {}).items():
            variable = value.strip("{}") if isinstance(value, str) else None
            if body and variable in _RUN_VARIABLES and variable not in defaults:
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
            {"key": name, "value": defaults.get(name, ""), "type": "string", "description": text}
            for name, text in _RUN_VARIABLES.items()
        ),
    ]


def build_collection(spec: dict[str, Any]) -> dict[str, Any]:
    """The Postman Collection v2.1.0 for ``spec`` (a parsed ``voxai.yaml``); pure, deterministic.

    One folder per tag in the spec's tag order, each operation an item named by its
    summary, with parameters, the first request example as body, every response
    example saved, and ``pm.test`` scripts that check the status, the content type and
    the body against the operation's resolved response schema.
    """
    operations = list(iter_operations(spec))
    links = _link_values(spec)
    tag_names = [tag["name"] for tag in spec.get("tags", [])]
    tag_names += sorted({op.tag for op in operations} - set(tag_names))
    tag_descriptions = {tag["name"]: tag.get("description", "") for tag in spec.get("tags", [])}
    folders = []
    for tag in tag_names:
        items = [_item(op, spec, links) for op in operations if op.tag == tag]
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
                "by `voxai-postman`; do not edit by hand. Run it in folder order with only "
                "`baseUrl` and `apiKey` set."
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
