"""The rules the suite checks, the docs sentence behind each, and what rests on an assumption.

A rule is either a *guarantee* (a sentence of the public docs says it) or an
*assumption* (the spec made a choice where the docs are silent and marked it with
``x-voxai-assumption``). Failures of assumption rules are reported as warnings that
name the assumption, unless the run is ``--strict``.

How a schemathesis built-in failure is classified (see :func:`classify_failure`):

* ``not_a_server_error``, ``ignored_auth`` and ``ensure_resource_availability`` are
  guarantees: a 5xx fails the operation the docs describe, the docs say every request
  requires ``X-API-Key`` (so one served without it breaks them), and a session just
  created is, per the docs, "an active session" that takes entries.
  ``missing_required_header`` (a keyless request refused with an unexpected status)
  rests on the 401 assumption. A 5xx is reported
  as ``not_a_server_error`` alone (see :func:`contract_tests.target.judge`).
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
    """A property the target must have, and the docs text it comes from.

    ``quotes`` are verbatim passages of the public docs page (the kit keeps a copy of the
    page beside the spec; a test proves each quote is on it). A rule with
    an ``assumption`` also reads something the docs do not show (a status, a field name,
    a shape); it only warns unless ``--strict``.
    """

    name: str
    quotes: tuple[str, ...]  #: verbatim docs text stating what the rule checks
    assumption: str | None = None  #: JSON pointer of the x-voxai-assumption it rests on

    @property
    def docs(self) -> str:
        """The quotes as one line for reports."""
        return " / ".join(f'"{quote}"' for quote in self.quotes) or "(the docs are silent)"

    @property
    def assumption_reason(self) -> str | None:
        """The marker's text, read from the spec."""
        return assumption_reason(self.assumption) if self.assumption else None


AUTH = "All requests require an X-API-Key header."
ROOM = "Room name (auto-prefixed with project prefix)"
TOKEN = "Generate a LiveKit token to join a room."
ADD_ENTRY = "Adds a transcript entry to an active session for a given room."
END = "Ends an active session, marking it as completed."
TOP_K = "Number of results (default 5)"
WEBHOOKS = (
    "LiveKit sends webhook events to POST /webhooks/livekit with content type "
    "application/webhook+json."
)
TRANSCRIPT_201 = "/paths/~1api~1v1~1sessions~1{roomName}~1transcript/post/responses/201"

RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        # Auth. A 5xx is a server error first (not_a_server_error), never a refusal.
        Rule("missing_key_is_refused", (AUTH,)),
        Rule("wrong_key_is_refused", (AUTH,)),
        Rule("refusal_is_401_error", (AUTH,), "/components/responses/Unauthorized"),
        # Tokens.
        Rule("token_is_livekit_jwt", (TOKEN,)),
        Rule("token_claims_match_request", ("User identity for the room", ROOM)),
        Rule("room_is_prefixed", (ROOM,)),
        Rule("token_signature_valid", (TOKEN,)),
        Rule("token_grants_applied", ("Extra LiveKit grants",)),
        Rule("no_agent_dispatches_nothing", ("If true, no agent is dispatched",)),
        Rule(
            "dispatched_agents_reported",
            (
                "Optionally dispatches one or more agents.",
                "Single agent to dispatch",
                "Multiple agents to dispatch",
                '"agents_dispatched": [1]',
            ),
        ),
        Rule(
            "token_dispatches_through_room_config",
            ("Optionally dispatches one or more agents.",),
            "/components/schemas/TokenResponse/properties/token",
        ),
        # Agents and rooms.
        Rule(
            "agents_lists_every_agent",
            ("Returns all agent configurations for the project associated with your API key.",),
        ),
        Rule(
            "rooms_lists_every_active_room",
            ("Returns all currently active LiveKit rooms for your project.",),
        ),
        Rule(
            "room_name_is_unprefixed",
            ('"name": "my-room", "fullName": "proj_my-room"', "Room name (without project prefix)"),
        ),
        # Sessions.
        Rule("session_takes_entries_while_active", (ADD_ENTRY,)),
        Rule("transcript_sequence_counts_from_1", (ADD_ENTRY,), TRANSCRIPT_201),
        Rule("speaker_is_agent_user_or_system", ('"agent", "user", or "system"',)),
        Rule("ended_session_rejects_entries", (END, ADD_ENTRY)),
        Rule("ended_session_is_409", (END,), "/components/responses/Conflict"),
        Rule(
            "ended_session_is_completed",
            (END,),
            "/paths/~1api~1v1~1sessions~1{roomName}~1end/post/responses/200",
        ),
        # Knowledge and usage.
        Rule("top_k_bounds_results", (TOP_K,)),
        Rule("default_top_k_is_5", (TOP_K,)),
        Rule(
            "search_results_are_a_list",
            ("Performs a RAG (semantic) search against a knowledge base.",),
            "/paths/~1api~1v1~1knowledge~1search/post/responses/200",
        ),
        Rule(
            "usage_shaped_by_group_by_and_period",
            ("Returns usage and cost data for your project, with optional period and grouping.",),
            "/components/schemas/UsageReport",
        ),
        # Projects.
        Rule("other_project_secrets_refused", ("Must match the project of your API key",)),
        Rule(
            "other_project_secrets_is_403",
            ("Must match the project of your API key",),
            "/components/responses/Forbidden",
        ),
        Rule(
            "projects_are_isolated",
            (
                "Returns all currently active LiveKit rooms for your project.",
                "Returns usage and cost data for your project",
            ),
        ),
        # Webhooks.
        Rule(
            "forged_webhook_refused",
            (WEBHOOKS,),
            "/components/securitySchemes/LivekitWebhookSignature",
        ),
        Rule("signed_webhook_accepted", (WEBHOOKS,)),
        Rule("error_body_conforms", (), "/components/schemas/Error"),
    )
}

#: schemathesis built-in checks that are guarantees, and the docs text behind each. A 5xx
#: breaks the operation's own description (it did not do what the docs say it does), so
#: ``not_a_server_error`` cites that description; see :func:`classify_failure`.
GUARANTEED_CHECKS: dict[str, tuple[str, ...]] = {
    "not_a_server_error": (),  # the failing operation's description, filled in per failure
    "ignored_auth": (AUTH,),  # a request without (or with a broken) key was served
    "ensure_resource_availability": (ADD_ENTRY,),
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


def operation_quote(operation_id: str) -> str:
    """The first sentence of the operation's description: verbatim docs text."""
    description = " ".join(operation(operation_id).definition.get("description", "").split())
    head, dot, _ = description.partition(". ")
    return head + "." if dot else description


def _quoted(quotes: tuple[str, ...]) -> str:
    return " / ".join(f'"{quote}"' for quote in quotes)


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
    if check in GUARANTEED_CHECKS:
        quotes = GUARANTEED_CHECKS[check] or (operation_quote(operation_id),)
        return Classification(check, _quoted(quotes), None)
    if hasattr(failure, "rule") and failure.rule in RULES:  # our own checks (checks.py)
        rule = RULES[failure.rule]
        return Classification(rule.name, rule.docs, rule.assumption)
    described = _response_pointer(operation_id, status) if status is not None else None
    docs = _quoted((operation_quote(operation_id),))
    if check == "response_schema_conformance" and described is not None:
        pointer, node = described
        media = next(iter(node.get("content", {}).values()), {})
        shows_body = "docs" in media.get("examples", {})
        schema_pointer = f"{pointer}/content/{_escape(next(iter(node.get('content', {}))))}/schema"
        marker = _first_marker_on_path(schema_pointer, list(getattr(failure, "instance_path", [])))
        if marker is None and not shows_body:
            marker = pointer if has_assumption(pointer) else None
        return Classification(check, docs, marker)
    return Classification(check or title, docs, _assumption_of(check, operation_id, status))


#: Where the spec assumes what the docs never show: which statuses and content types
#: answer at all (``/info``), how refusals look, and what counts as invalid input.
STATUSES_AND_TYPES = "/info"
INVALID_INPUT = "/components/responses/BadRequest"
UNAUTHORIZED = "/components/responses/Unauthorized"


def _assumption_of(check: str, operation_id: str, status: int | None) -> str:
    """The marker a status, content-type, auth-status or input check rests on."""
    if check in ("negative_data_rejection", "positive_data_acceptance"):
        return INVALID_INPUT
    if check == "missing_required_header":
        return UNAUTHORIZED
    if check == "status_code_conformance" and status is not None:
        described = _response_pointer(operation_id, status)
        if described is not None and has_assumption(described[0]):
            return described[0]  # a documented status whose use is itself assumed
    return STATUSES_AND_TYPES
