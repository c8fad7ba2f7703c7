"""The schemathesis view of the target: schema, auth, budget, safety hooks and verdicts.

:func:`build_schema` loads ``openapi/voxai.yaml`` for the run's origin with the API key
given to schemathesis as *auth* (so ``ignored_auth`` can remove it), and registers hooks
that keep a shared staging safe: tokens never dispatch agents unless allowed, and every
room and session a generated request touches carries the run-unique prefix.
:func:`validate` runs the checks on one response and splits failures into violations
of documented guarantees and failures of assumptions.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import requests
import schemathesis
from schemathesis import Config
from schemathesis.core.failures import FailureGroup

from contract_tests import coverage, report
from contract_tests.checks import operation_id_of
from contract_tests.client import guard_read_only
from contract_tests.redact import redact, register_secrets_in
from contract_tests.rules import classify_failure
from contract_tests.settings import Settings
from openapi import load_spec

ROOM_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
ROOM_MAX, SESSION_ROOM_MAX = 128, 160
SESSION_OPERATIONS = {"createSession", "addTranscriptEntry", "endSession"}


@functools.cache
def project_prefix(origin: str, api_key: str, run_prefix: str) -> str:
    """The key's room prefix, learned from one token request (``proj_`` on the mock).

    The token's ``room`` is the requested name with the prefix in front; sessions take
    the prefixed name, so the suite needs it to address only its own sessions.
    """
    probe = f"{run_prefix}probe"  # run-prefixed like every room the suite creates
    try:
        response = requests.post(
            f"{origin}/api/v1/token",
            json={"identity": "contract-probe", "room": probe, "no_agent": True},
            headers={"X-API-Key": api_key},
            timeout=15,
        )
        room = response.json().get("room", "")
    except (requests.RequestException, ValueError, AttributeError):
        return ""
    return room[: -len(probe)] if isinstance(room, str) and room.endswith(probe) else ""


def _prefixed(value: Any, prefix: str, limit: int) -> Any:
    # Only names the spec accepts are prefixed: an invalid name stays invalid, so
    # negative cases keep testing what they were generated to test.
    if isinstance(value, str) and ROOM_RE.match(value) and len(value) <= limit:
        return (prefix + value)[:limit]
    return value


def _session_prefix(settings: Settings) -> str:
    return (
        project_prefix(settings.origin, settings.api_key or "", settings.run_prefix)
        + settings.run_prefix
    )


def safe_body(op: str, body: Any, settings: Settings) -> Any:
    """A generated body with its room names confined to this run (validity unchanged)."""
    if not isinstance(body, dict):
        return body
    if op == "createToken" and "room" in body:
        if not str(body["room"]).startswith(settings.run_prefix):
            body["room"] = _prefixed(body["room"], settings.run_prefix, ROOM_MAX)
    elif op == "createSession" and "room_name" in body:
        prefix = _session_prefix(settings)
        if not str(body["room_name"]).startswith(prefix):
            body["room_name"] = _prefixed(body["room_name"], prefix, SESSION_ROOM_MAX)
    return body


def safe_path(op: str, params: dict[str, Any] | None, settings: Settings) -> Any:
    """Generated path parameters with room names confined to this run."""
    if not params or "roomName" not in params:
        return params
    if op == "listRoomParticipants":
        if not str(params["roomName"]).startswith(settings.run_prefix):
            params["roomName"] = _prefixed(params["roomName"], settings.run_prefix, ROOM_MAX)
    elif op in SESSION_OPERATIONS:
        prefix = _session_prefix(settings)
        if not str(params["roomName"]).startswith(prefix):
            params["roomName"] = _prefixed(params["roomName"], prefix, SESSION_ROOM_MAX)
    return params


def make_safe(case: Any, settings: Settings) -> None:
    """Last word before a request leaves: no agent dispatch, and only this run's names.

    Room names are already confined at generation time (``map_body`` and
    ``map_path_parameters``, so that links carry the confined names); this re-applies
    the same idempotent rules to whatever a link or a check put in since.
    """
    guard_read_only(case.method, case.formatted_path)
    op = operation_id_of(case)
    if op == "createToken" and isinstance(case.body, dict) and not settings.allow_agent_dispatch:
        case.body["no_agent"] = True
    safe_body(op, case.body, settings)
    safe_path(op, case.path_parameters, settings)


def remember(case: Any, response: Any, settings: Settings) -> None:
    """Track what a response created (sessions to end) and which secrets it revealed."""
    op = operation_id_of(case)
    sent = {
        **(case.body if isinstance(case.body, dict) else {}),
        **(case.query or {}),
        **(case.path_parameters or {}),
    }
    coverage.observe(
        op, response.status_code, sent, stateful="test_stateful" in report.current_nodeid()
    )
    if op == "createSession" and response.status_code == 201 and isinstance(case.body, dict):
        settings.created_sessions.add(
            (
                str(case.body.get("room_name")),
                case.headers.get("X-API-Key", settings.api_key)
                if case.headers
                else settings.api_key,
            )
        )
    if op == "getProviderSecrets" and response.status_code == 200:
        try:
            register_secrets_in({"secrets": response.json().get("secrets", {})})
        except (ValueError, AttributeError):
            pass


def build_config(settings: Settings) -> Config:
    """The schemathesis configuration of this run."""
    data: dict[str, Any] = {
        "base-url": settings.origin or "http://127.0.0.1:9",
        "generation": {"max-examples": settings.max_examples, "database": "none"},
        "checks": {
            # The spec documents 413 for bodies over 64 KiB: a valid refusal of bad input.
            "negative_data_rejection": {
                "expected-statuses": ["400", "401", "403", "404", "405", "409", "413", "415"]
            },
        },
        "output": {"sanitization": {"enabled": True}},
        # Follow the spec's own links only: an inferred link (GET /rooms → POST /sessions)
        # overrides a generated body that later links are still evaluated against.
        "phases": {"stateful": {"inference": {"algorithms": []}}},
    }
    if settings.read_only:
        # schemathesis probes undeclared methods (PUT, DELETE, TRACE, ...) on every path,
        # with the key attached: against a loosely routed staging that is a write.
        data["phases"]["coverage"] = {"unexpected-methods": []}
        data["checks"]["unsupported_method"] = {"enabled": False}
    if settings.api_key:
        data["auth"] = {"openapi": {"ApiKeyAuth": {"api_key": settings.api_key}}}
    return Config.from_dict(data)


def build_schema(settings: Settings) -> Any:
    """The spec as a schemathesis schema for the run's origin, budget, auth and safety."""
    schema = schemathesis.openapi.from_dict(load_spec(), config=build_config(settings))
    if settings.read_only:
        schema = schema.include(method="GET")
    _register_safety_hooks()

    @schema.hook("map_body")
    def confine_body_names(context: Any, body: Any) -> Any:
        return safe_body(_operation_id(context), body, settings)

    @schema.hook("map_path_parameters")
    def confine_path_names(context: Any, path_parameters: Any) -> Any:
        return safe_path(_operation_id(context), path_parameters, settings)

    return schema


def _operation_id(context: Any) -> str:
    operation = getattr(context, "operation", None)
    return operation_id_of(type("_Case", (), {"operation": operation})()) if operation else ""


@functools.cache
def _register_safety_hooks() -> None:
    # schemathesis accepts call hooks only globally; they act on the run's settings, and
    # the suite runs alone in its process (voxai-contract, or pytest on the folder).
    from contract_tests.settings import current

    @schemathesis.hook("before_call")
    def keep_staging_safe(context: Any, case: Any, kwargs: Any) -> None:
        make_safe(case, current())

    @schemathesis.hook("after_call")
    def track_created_state(context: Any, case: Any, response: Any) -> None:
        remember(case, response, current())


def validate(case: Any, response: Any, settings: Settings, **kwargs: Any) -> None:
    """Run every check on ``response``; raise for guarantees, warn for assumptions.

    With ``--strict`` every failure is raised. The raised message names each broken
    rule, the docs sentence behind it and the request as a redacted curl command.
    """
    __tracebackhide__ = True
    judge(case, response, settings, lambda: case.validate_response(response, **kwargs))


def judge(case: Any, response: Any, settings: Settings, run_checks: Any) -> None:
    """Call ``run_checks()`` and turn its :class:`FailureGroup` into the run's verdict."""
    __tracebackhide__ = True
    label = case.operation.label
    try:
        run_checks()
    except FailureGroup as group:
        op = operation_id_of(case)
        verdicts = [
            (failure, classify_failure(failure, op, response.status_code))
            for failure in group.exceptions
        ]
        if response.status_code >= 500:
            # A server error first: the missing-auth or schema failures it also trips say
            # nothing about auth or schemas.
            verdicts = [v for v in verdicts if v[1].rule == "not_a_server_error"] or verdicts
        raised = []
        for failure, verdict in verdicts:
            detail = f"{failure.title}: {failure.message}"
            if verdict.assumption and not settings.strict:
                detail += f"\nReceived: {response.status_code} {response.text[:200]}"
                detail += f"\nReproduce: {case.as_curl_command()}"
                report.warn(
                    verdict.rule, verdict.assumption, verdict.assumption_reason or "", detail, label
                )
                continue
            report.record(verdict.rule, "failed", label)
            basis = (
                f"Assumption: {verdict.assumption} ({verdict.assumption_reason})"
                if verdict.assumption
                else "Guarantee (documented)"
            )
            raised.append((verdict.rule, f"Docs: {verdict.docs}\n{basis}\n{detail}"))
        if raised:
            first = report.headline(list(dict.fromkeys(rule for rule, _ in raised)), label)
            body = "\n\n".join(f"[{rule}]\n{text}" for rule, text in raised)
            reproduce = f"Reproduce: {case.as_curl_command()}"
            raise AssertionError(redact(f"{first}\n{body}\n{reproduce}")) from None
        return
    report.record("all_checks", "passed", label)
