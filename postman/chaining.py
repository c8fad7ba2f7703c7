"""Chaining: what a run in folder order needs beyond the spec's own links.

The spec's links (token -> participants, session -> transcript/end) say which request
value feeds which path parameter; :func:`link_values` follows them. What links cannot
say: the room must be unique per run (createSession answers 409 for an active session,
so a fixed name fails the second run on a shared target), the token must not dispatch
paid agents, and sessions take the *prefixed* room the token response returns.
"""

from __future__ import annotations

from typing import Any

from openapi import Operation, iter_operations, resolve_refs
from postman import scripts

#: Collection variables a run fills in; the defaults are the spec's own examples, so a
#: single request sent by hand from Postman still works against the seeded mock.
RUN_VARIABLES = {
    "room": "Room name without the project prefix; set to a run-unique name by the "
    "token request, used for the rooms and participants requests.",
    "fullRoomName": "The prefixed room the token request returned; sessions are keyed by it.",
    "agentId": "First agent of listAgents; used for the agent tools request.",
    "projectId": "Project of your API key (the secrets path must match it); the default is "
    "the seeded Demo project. Set it when you use another project's key.",
    "otherProjectId": "A project that is not your key's; set to projectId + 1 by the run.",
}
#: Credentials the webhook requests are signed with; set them in an environment.
LIVEKIT_VARIABLES = {
    "livekitApiKey": "LiveKit API key of the target: the `iss` of the webhook signatures.",
    "livekitApiSecret": "LiveKit API secret of the target: signs the webhook events "
    "(HS256). Keep it in a secret-type environment variable.",
}
#: Request-body fields replaced per operation (JSON values; strings may hold {{variables}}).
BODY_OVERRIDES: dict[str, dict[str, Any]] = {
    "createToken": {"room": "{{room}}", "no_agent": True},
    "createSession": {"room_name": "{{fullRoomName}}"},
}
#: Path parameters no link feeds: (operationId, parameter) -> collection variable.
PATH_VARIABLES = {
    ("listAgentTools", "agentId"): "agentId",
    ("getProviderSecrets", "projectId"): "projectId",
}
#: What a successful response stores: operationId -> [(variable, JS expression on body)].
STORES: dict[str, list[tuple[str, str]]] = {
    "createToken": [("fullRoomName", "body.room")],
    "listAgents": [("agentId", "body.agents.length ? String(body.agents[0].id) : undefined")],
}
#: Pre-request scripts: operationId -> JS lines.
PRE_REQUEST: dict[str, list[str]] = {"createToken": scripts.run_room()}


def request_body(op: Operation, spec: dict[str, Any]) -> tuple[str, list[tuple[str, Any]]] | None:
    """(media type, [(summary, example value)...]) of the operation's request body."""
    body = resolve_refs(op.definition.get("requestBody"), spec)
    if not body:
        return None
    media_type, content = next(iter(body["content"].items()))
    examples = [(ex.get("summary", name), ex["value"]) for name, ex in content["examples"].items()]
    return media_type, examples


def link_values(spec: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(target operationId, parameter) -> value, from the spec's links.

    ``$request.body#/field`` takes the source request's body field (after overrides),
    ``$request.path.name`` the source's own path value.
    """
    values: dict[tuple[str, str], str] = {}
    for op in iter_operations(spec):
        body = request_body(op, spec)
        sent = dict(body[1][0][1]) if body else {}
        sent.update(BODY_OVERRIDES.get(op.operation_id, {}))
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


def path_value(op: Operation, param: dict[str, Any], links: dict[tuple[str, str], str]) -> str:
    key = (op.operation_id, param["name"])
    if key in links:
        return links[key]
    if key in PATH_VARIABLES:
        return "{{" + PATH_VARIABLES[key] + "}}"
    return str(param.get("example", param.get("schema", {}).get("example", "")))
