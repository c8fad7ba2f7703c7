"""Custom schemathesis checks, each named as the property that must hold.

They run with schemathesis's built-in checks on every response of the property and
stateful tests. A failure reads ``Received: …`` / ``Documented: …`` and carries the
rule's name, so the report can name the docs sentence (and any assumption) behind it.
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar

import jsonschema
import jwt
import schemathesis
from schemathesis.core.failures import Failure

from contract_tests import report
from contract_tests.rules import RULES
from openapi import iter_operations, load_spec, resolve_refs


class RuleFailure(Failure):
    """A custom check's failure, tied to a rule of :mod:`contract_tests.rules`."""

    code: ClassVar[str] = "ST901"
    kind_title: ClassVar[str] = "Contract rule broken"

    def __init__(self, *, rule: str, operation: str, received: str, documented: str) -> None:
        docs = RULES[rule].docs
        super().__init__(
            operation=operation,
            title=f"Rule broken: {rule}",
            message=f"Received: {received}\nDocumented: {documented}\nDocs: {docs}",
        )
        self.rule = rule

    @property
    def _unique_key(self) -> str:
        return f"{self.rule}|{self.message}"


def _held(rule: str, case: Any) -> bool:
    """Count a custom check that applied and held (the report's per-rule table)."""
    report.record(rule, "passed", case.operation.label)
    return True


@functools.cache
def _operation_ids() -> dict[str, str]:
    return {f"{op.method} {op.path}": op.operation_id for op in iter_operations()}


def operation_id_of(case: Any) -> str:
    """The spec operationId of a schemathesis case."""
    return operation_id_of_label(case.operation.label)


def operation_id_of_label(label: str) -> str:
    """``POST /api/v1/token`` → ``createToken`` (the label itself when unknown)."""
    return _operation_ids().get(label, label)


def _token_context(case: Any, response: Any) -> tuple[dict, dict] | None:
    """Request and response bodies of a successful createToken, else ``None``."""
    if operation_id_of(case) != "createToken" or not 200 <= response.status_code < 300:
        return None
    if not isinstance(case.body, dict):
        return None
    try:
        data = response.json()
    except ValueError:
        return None
    return (case.body, data) if isinstance(data, dict) else None


@schemathesis.check
def room_is_prefixed(ctx: Any, response: Any, case: Any) -> bool | None:
    """The token's ``room`` is the requested room with the project prefix in front."""
    found = _token_context(case, response)
    if found is None:
        return None
    sent, data = found
    room, requested = data.get("room"), sent.get("room")
    if not isinstance(room, str) or not isinstance(requested, str):
        return None
    if not (room.endswith(requested) and len(room) > len(requested)):
        raise RuleFailure(
            rule="room_is_prefixed",
            operation=case.operation.label,
            received=f"room {room!r} for requested room {requested!r}",
            documented="the requested room name with the project prefix in front",
        )
    return _held("room_is_prefixed", case)


@schemathesis.check
def token_claims_match_request(ctx: Any, response: Any, case: Any) -> bool | None:
    """The JWT's identity, room and roomJoin grant match the request and the response."""
    found = _token_context(case, response)
    if found is None:
        return None
    sent, data = found
    try:
        claims = jwt.decode(str(data.get("token", "")), options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise RuleFailure(
            rule="token_is_livekit_jwt",
            operation=case.operation.label,
            received=f"a token that is not a JWT ({exc})",
            documented="a LiveKit access token (JWT)",
        ) from None
    video = claims.get("video") or {}
    problems = []
    if claims.get("sub") != sent.get("identity"):
        problems.append(f"sub={claims.get('sub')!r} for identity {sent.get('identity')!r}")
    if video.get("room") != data.get("room"):
        problems.append(f"video.room={video.get('room')!r} for room {data.get('room')!r}")
    if video.get("roomJoin") is not True:
        problems.append(f"video.roomJoin={video.get('roomJoin')!r}")
    if problems:
        raise RuleFailure(
            rule="token_claims_match_request",
            operation=case.operation.label,
            received="; ".join(problems),
            documented="sub = identity, video.room = the response's room, video.roomJoin = true",
        )
    return _held("token_claims_match_request", case)


@schemathesis.check
def no_agent_dispatches_nothing(ctx: Any, response: Any, case: Any) -> bool | None:
    """A token requested with ``no_agent: true`` reports no dispatched agent."""
    found = _token_context(case, response)
    if found is None or found[0].get("no_agent") is not True:
        return None
    dispatched = found[1].get("agents_dispatched")
    if dispatched:
        raise RuleFailure(
            rule="no_agent_dispatches_nothing",
            operation=case.operation.label,
            received=f"agents_dispatched={dispatched!r} with no_agent=true",
            documented="no agent is dispatched (agents_dispatched = [])",
        )
    return _held("no_agent_dispatches_nothing", case)


@functools.cache
def _error_schema() -> dict[str, Any]:
    spec = load_spec()
    return resolve_refs(spec["components"]["schemas"]["Error"], spec)


@schemathesis.check
def error_body_conforms(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every error response, documented status or not, carries the one Error body."""
    if response.status_code < 400:
        return None
    try:
        body = response.json()
    except ValueError:
        body = None
    try:
        jsonschema.validate(body, _error_schema())
    except jsonschema.ValidationError as exc:
        raise RuleFailure(
            rule="error_body_conforms",
            operation=case.operation.label,
            received=f"{response.status_code} with body {response.text[:200]!r} ({exc.message})",
            documented="the Error schema: {error: <code>, message, details?}",
        ) from None
    return _held("error_body_conforms", case)


#: The custom checks, by name, for reports.
CUSTOM_CHECKS = (
    room_is_prefixed,
    token_claims_match_request,
    no_agent_dispatches_nothing,
    error_body_conforms,
)
