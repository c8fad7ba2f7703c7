"""The rules the suite checks, the docs sentence behind each, and what rests on an assumption.

A rule is either a *guarantee* (a sentence of the public docs says it) or an
*assumption* (the spec made a choice where the docs are silent and marked it with
``x-voxai-assumption``). Failures of assumption rules are reported as warnings that
name the assumption, unless the run is ``--strict``.

How a schemathesis built-in failure is classified (see :func:`classify_failure`):

* ``not_a_server_error``, ``ignored_auth``, ``missing_required_header``,
  ``ensure_resource_availability`` and ``use_after_free`` are guarantees: a 5xx is never
  a documented answer, the docs say every request requires ``X-API-Key``, and a session
  just created is, per the docs, "an active session" that takes entries.
* ``response_schema_conformance`` is a guarantee only where the docs show the body
  (the response has a ``docs`` example) and no schema node on the failing path carries
  the marker; otherwise it rests on the marker of the response or the nearest schema node.
* ``status_code_conformance``, ``content_type_conformance``, ``negative_data_rejection``,
  ``positive_data_acceptance``, ``unsupported_method`` and header checks rest on
  assumptions: the docs name no status code, content type or limit. The assumption
  named is the one of the response (or request field) involved.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from openapi import assumptions, load_spec, operation, resolve_refs


@dataclass(frozen=True)
class Rule:
    """A property the target must have, and the docs sentence it comes from."""

    name: str
    docs: str  #: a sentence of the public docs (verbatim), or what the spec says instead
    assumption: str | None = None  #: JSON pointer of the x-voxai-assumption it rests on

    @property
    def assumption_reason(self) -> str | None:
        """The marker's text, read from the spec."""
        return assumption_reason(self.assumption) if self.assumption else None


AUTH_SENTENCE = "All requests require an X-API-Key header."

RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule("missing_key_is_refused", AUTH_SENTENCE),
        Rule("wrong_key_is_refused", AUTH_SENTENCE),
        Rule(
            "refusal_is_401_error",
            AUTH_SENTENCE,
            "/components/responses/Unauthorized",
        ),
        Rule("token_is_livekit_jwt", "Generate a LiveKit token to join a room."),
        Rule(
            "token_claims_match_request",
            "identity string Yes User identity for the room; room string Yes Room name "
            "(auto-prefixed with project prefix)",
        ),
        Rule("room_is_prefixed", "room string Yes Room name (auto-prefixed with project prefix)"),
        Rule("token_signature_valid", "Generate a LiveKit token to join a room."),
        Rule("no_agent_dispatches_nothing", "no_agent boolean No If true, no agent is dispatched"),
        Rule(
            "dispatched_agents_reported",
            "Optionally dispatches one or more agents.",
        ),
        Rule(
            "session_takes_entries_while_active",
            "Adds a transcript entry to an active session for a given room.",
        ),
        Rule(
            "transcript_sequence_counts_from_1",
            "Adds a transcript entry to an active session for a given room.",
            "/paths/~1api~1v1~1sessions~1{roomName}~1transcript/post/responses/201",
        ),
        Rule(
            "ended_session_rejects_entries",
            "Ends an active session, marking it as completed. / Adds a transcript entry to an "
            "active session for a given room.",
        ),
        Rule(
            "ended_session_is_409",
            "Ends an active session, marking it as completed.",
            "/components/responses/Conflict",
        ),
        Rule(
            "ended_session_is_completed",
            "Ends an active session, marking it as completed.",
            "/paths/~1api~1v1~1sessions~1{roomName}~1end/post/responses/200",
        ),
        Rule("top_k_bounds_results", "top_k number No Number of results (default 5)"),
        Rule(
            "default_top_k_is_5",
            "top_k number No Number of results (default 5)",
        ),
        Rule(
            "usage_shaped_by_group_by_and_period",
            "Returns usage and cost data for your project, with optional period and grouping.",
            "/components/schemas/UsageReport",
        ),
        Rule(
            "other_project_secrets_refused",
            "projectId number Must match the project of your API key",
        ),
        Rule(
            "other_project_secrets_is_403",
            "projectId number Must match the project of your API key",
            "/components/responses/Forbidden",
        ),
        Rule(
            "projects_are_isolated",
            "Returns all currently active LiveKit rooms for your project. / Returns usage and "
            "cost data for your project",
        ),
        Rule(
            "forged_webhook_refused",
            "LiveKit sends webhook events to POST /webhooks/livekit with content type "
            "application/webhook+json. (spec: security LivekitWebhookSignature)",
        ),
        Rule(
            "signed_webhook_accepted",
            "LiveKit sends webhook events to POST /webhooks/livekit with content type "
            "application/webhook+json.",
        ),
        Rule(
            "error_body_conforms",
            "(the docs show no error bodies)",
            "/components/schemas/Error",
        ),
        Rule(
            "link_target_reachable",
            "Returns participants currently in a specific room. / Adds a transcript entry to "
            "an active session for a given room.",
        ),
    )
}


@functools.cache
def _assumption_index() -> dict[str, str]:
    return dict(assumptions())


def assumption_reason(pointer: str) -> str:
    """The ``x-voxai-assumption`` text at ``pointer`` (``KeyError`` if the spec has none)."""
    return _assumption_index()[pointer]


def has_assumption(pointer: str) -> bool:
    """True when the spec marks the node at ``pointer``."""
    return pointer in _assumption_index()


@dataclass(frozen=True)
class Classification:
    """Which rule a built-in failure broke, and the assumption it rests on (if any)."""

    rule: str
    docs: str
    assumption: str | None

    @property
    def assumption_reason(self) -> str | None:
        """The marker's text, read from the spec."""
        return assumption_reason(self.assumption) if self.assumption else None


_GUARANTEED_CHECKS = {
    "not_a_server_error": "(a 5xx is never a documented answer)",
    "ignored_auth": AUTH_SENTENCE,
    "missing_required_header": AUTH_SENTENCE,
    "ensure_resource_availability": "Adds a transcript entry to an active session for a given "
    "room.",
    "use_after_free": "Ends an active session, marking it as completed.",
}


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _operation_pointer(operation_id: str) -> str:
    op = operation(operation_id)
    return f"/paths/{_escape(op.path)}/{op.method.lower()}"


def _response_pointer(operation_id: str, status: int) -> tuple[str, dict[str, Any]] | None:
    """Pointer and raw object of the documented response for ``status`` (refs followed)."""
    spec = load_spec()
    op = operation(operation_id)
    responses = op.definition.get("responses", {})
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in responses:
            node = responses[key]
            pointer = f"{_operation_pointer(operation_id)}/responses/{key}"
            if "$ref" in node:
                pointer = node["$ref"][1:]
                node = resolve_refs(node, spec)
            return pointer, node
    return None


def _first_marker_on_path(schema_pointer: str, instance_path: list[Any]) -> str | None:
    """The pointer of the nearest marked schema node from the root along ``instance_path``."""
    spec = load_spec()
    index = _assumption_index()

    def deref(pointer: str, node: Any) -> tuple[str, Any]:
        while isinstance(node, dict) and "$ref" in node and len(node) == 1:
            pointer = node["$ref"][1:]
            node = resolve_refs(node, spec)
        return pointer, node

    pointer, node = deref(schema_pointer, _at(spec, schema_pointer))
    if pointer in index:
        return pointer
    for step in instance_path:
        if not isinstance(node, dict):
            return None
        if isinstance(step, int) and "items" in node:
            pointer, node = deref(f"{pointer}/items", node["items"])
        elif isinstance(step, str) and step in node.get("properties", {}):
            pointer, node = deref(f"{pointer}/properties/{_escape(step)}", node["properties"][step])
        else:
            return None
        if pointer in index:
            return pointer
    return None


def _at(spec: dict[str, Any], pointer: str) -> Any:
    node: Any = spec
    for part in pointer.lstrip("/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def classify_failure(failure: Any, operation_id: str, status: int | None) -> Classification:
    """Name the rule a schemathesis failure broke and whether it rests on an assumption."""
    check = (getattr(type(failure), "checks", ()) or (type(failure).__name__,))[0]
    if check == "response_headers_conformance" and type(failure).__name__ == "JsonSchemaError":
        check = "response_schema_conformance"
    title = getattr(failure, "title", "")
    if check in _GUARANTEED_CHECKS:
        return Classification(check, _GUARANTEED_CHECKS[check], None)
    if hasattr(failure, "rule") and failure.rule in RULES:  # our own checks (checks.py)
        rule = RULES[failure.rule]
        return Classification(rule.name, rule.docs, rule.assumption)
    described = _response_pointer(operation_id, status) if status is not None else None
    docs = operation(operation_id).definition.get("description", "")
    if check == "response_schema_conformance" and described is not None:
        pointer, node = described
        media = next(iter(node.get("content", {}).values()), {})
        shows_body = "docs" in media.get("examples", {})
        schema_pointer = f"{pointer}/content/{_escape(next(iter(node.get('content', {}))))}/schema"
        marker = _first_marker_on_path(schema_pointer, list(getattr(failure, "instance_path", [])))
        if marker is None and not shows_body:
            marker = pointer if has_assumption(pointer) else None
        return Classification(check, docs, marker)
    # Status, content type, input acceptance: the docs name no status codes or limits.
    if described is not None and has_assumption(described[0]):
        return Classification(check or title, docs, described[0])
    for code in ("200", "201"):
        found = _response_pointer(operation_id, int(code))
        if found and has_assumption(found[0]):
            return Classification(check or title, docs, found[0])
    return Classification(check or title, docs, "/components/responses/BadRequest")
