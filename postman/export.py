"""Build the VoxAI Postman collection (v2.1.0) from the OpenAPI spec, and nothing else.

``build_collection(spec)`` is pure and deterministic: the same spec gives the same
dict, ids are uuid5 of stable names, and ``render(collection)`` gives the exact text
committed as ``postman/voxai.postman_collection.json``. Every shape (folders,
parameters, bodies, saved responses, the schemas the test scripts check) is read
from the spec through :mod:`openapi`; the hand-written parts are the small
chaining table below, which makes a run in folder order work on a fresh target, the
documented behaviours (:mod:`postman.behaviours`) and the requests that show them
(:mod:`postman.scenarios`); the JavaScript is built by :mod:`postman.scripts`.
"""

from __future__ import annotations

import http
import json
import uuid
from pathlib import Path
from typing import Any

from openapi import Operation, iter_operations, resolve_refs
from postman import scripts
from postman.behaviours import BY_OPERATION
from postman.scenarios import Step, compact, follow_steps, main_steps

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
    "otherProjectId": "A project that is not your key's; set to projectId + 1 by the run.",
}
#: Credentials the webhook requests are signed with; set them in an environment.
_LIVEKIT_VARIABLES = {
    "livekitApiKey": "LiveKit API key of the target: the `iss` of the webhook signatures.",
    "livekitApiSecret": "LiveKit API secret of the target: signs the webhook events "
    "(HS256). Keep it in a secret-type environment variable.",
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
_PRE_REQUEST: dict[str, list[str]] = {"createToken": scripts.run_room()}


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


def _expected_status(responses: dict[str, Any]) -> int:
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
            "value": path.get(param["name"]) or _path_value(op, param, links),
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
    own_rules = BY_OPERATION.get(op.operation_id, ()) if own else ()
    behaviours = own_rules + (step.behaviours if step else ())
    stores = (_STORES.get(op.operation_id, []) if own else []) + list(step.stores if step else ())
    prerequest = (_PRE_REQUEST.get(op.operation_id, []) if own else []) + list(
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
            {"key": name, "value": "", "type": "string", "description": text}
            for name, text in _LIVEKIT_VARIABLES.items()
        ),
        *(
            {"key": name, "value": defaults.get(name, ""), "type": "string", "description": text}
            for name, text in _RUN_VARIABLES.items()
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
    links = _link_values(spec)
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
