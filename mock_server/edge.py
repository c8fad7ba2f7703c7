"""The request edge: one ``before_request`` hook validates every operation from the spec
(faults, ``Prefer``, auth, size, content type, body and parameters) and hands views the
parsed input on ``g``; one ``after_request`` hook validates responses (when asked), drops
fault fields and writes the journal."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from flask import Flask, g, request

from . import faults
from .auth import authenticate
from .errors import ApiError, field_error
from .livekit import WebhookMalformed, WebhookRejected, receive_webhook
from .state import get_state
from .validation import OperationRule

EDGE = "voxai_mock_edge"


class ResponseNonConformance(AssertionError):
    """A response the spec does not allow (raised in tests, where responses are validated)."""


def install_edge(app: Flask, rules: dict[str, OperationRule], endpoints: dict[str, str]) -> None:
    """Register the hooks; ``endpoints`` maps Flask endpoints to operationIds of ``rules``."""
    app.extensions[EDGE] = {"rules": rules, "endpoints": endpoints}
    config = app.extensions["voxai_mock"].config

    @app.before_request
    def validate_request():
        g.started = time.perf_counter()
        if request.method == "OPTIONS":
            return None  # CORS preflight: flask-cors answers it
        operation_id = endpoints.get(request.endpoint or "")
        if operation_id is None:
            return None  # no route: Flask raises 404/405 and the error handler renders it
        rule = rules[operation_id]
        g.operation_id = operation_id
        g.rule = rule
        if not request.endpoint.startswith("admin."):
            state = get_state()
            # Forced responses are deliberate, so response validation leaves them alone.
            g.forced = True
            faults.apply_before(state.faults.get(operation_id))
            code = faults.preferred_code(request.headers.get("Prefer"))
            if code is not None:
                faults.check_preferred(code, rule.statuses, rule.success_status)
            g.forced = False
            if rule.security == "api_key":
                g.project = authenticate()
        raw = request.get_data(cache=True) if rule.media_type else b""
        if rule.security == "webhook":
            _verify_webhook(raw, config)
        g.params = rule.parse_params(request.view_args or {}, request.args)
        g.body = rule.parse_body(raw, request.mimetype)
        return None

    @app.after_request
    def finish_response(response):
        rule: OperationRule | None = g.get("rule")
        if rule is None or request.method == "OPTIONS":
            return response
        admin = (request.endpoint or "").startswith("admin.")
        # mock-admin.yaml documents 400 only for PUT faults; its other refusals stay unchecked.
        admin_refusal = admin and response.status_code == 400
        if config.validate_responses and not g.get("forced") and not admin_refusal:
            _check_response(app, rule, response)
        if admin:
            return response
        state = get_state()
        fault = state.faults.get(rule.operation_id)
        if fault and fault.get("drop_field") and 200 <= response.status_code < 300:
            body = response.get_json(silent=True)
            if body is not None:
                response.set_data(json.dumps(faults.drop_field(body, fault["drop_field"])))
        project = g.get("project")
        state.record(
            {
                "method": request.method,
                "path": request.path,
                "operation_id": rule.operation_id,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - g.started) * 1000, 3),
                "at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "project_id": project.id if project else None,
            }
        )
        return response


def record_unrouted(app: Flask) -> None:
    """Journal requests that matched no operation too (404/405), so tests can see them."""

    @app.after_request
    def journal_unrouted(response):
        if g.get("rule") is None and not request.path.startswith("/__mock/"):
            if request.method != "OPTIONS":
                get_state().record(
                    {
                        "method": request.method,
                        "path": request.path,
                        "operation_id": None,
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - g.get("started", 0)) * 1000, 3)
                        if g.get("started")
                        else 0.0,
                        "at": datetime.now(UTC)
                        .isoformat(timespec="milliseconds")
                        .replace("+00:00", "Z"),
                        "project_id": None,
                    }
                )
        return response


def _verify_webhook(raw: bytes, config) -> None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(
            400, "Webhook body is not UTF-8", [field_error("body", "", "not UTF-8")]
        ) from None
    try:
        receive_webhook(
            config.livekit_api_key,
            config.livekit_api_secret,
            text,
            request.headers.get("Authorization", ""),
        )
    except WebhookRejected as exc:
        raise ApiError(401, f"Webhook signature rejected: {exc}") from None
    except WebhookMalformed as exc:
        message = f"Webhook body is not a LiveKit WebhookEvent: {exc}"
        raise ApiError(400, message, [field_error("body", "", message)]) from None


def _check_response(app: Flask, rule: OperationRule, response) -> None:
    if response.status_code == 204:
        errors = [] if str(204) in rule.responses else ["status 204 is not documented"]
    else:
        body = response.get_json(silent=True)
        errors = rule.response_errors(response.status_code, response.content_type or "", body)
    if not errors:
        return
    message = f"{rule.operation_id} {response.status_code}: " + "; ".join(errors[:5])
    get_state().violations.append(message)
    if app.testing:
        raise ResponseNonConformance(message)
