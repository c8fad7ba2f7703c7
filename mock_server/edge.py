"""The request edge: one ``before_request`` hook validates every operation from the spec
(faults, ``Prefer``, auth, size, content type, body and parameters) and hands views the
parsed input on ``g``; one ``after_request`` hook validates responses (when asked), drops
fault fields and writes the journal."""

from __future__ import annotations

import time

from flask import Flask, Response, g, request
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from . import control, faults, journal
from .auth import API_KEY_HEADER, authenticate
from .errors import ApiError, field_error
from .livekit import WebhookMalformed, WebhookRejected, receive_webhook
from .state import get_state
from .validation import OperationRule

EDGE = "voxai_mock_edge"
_NO_QUERY: dict[str, str] = {}


class ResponseNonConformance(AssertionError):
    """A response the spec does not allow (raised in tests, where responses are validated)."""


def install_edge(app: Flask, rules: dict[str, OperationRule], endpoints: dict[str, str]) -> None:
    """Register the hooks; ``endpoints`` maps Flask endpoints to operationIds of ``rules``."""
    app.extensions[EDGE] = {"rules": rules, "endpoints": endpoints}
    config = app.extensions["voxai_mock"].config

    state = app.extensions["voxai_mock"]
    max_body = config.max_body_bytes

    # The hooks run on every request: they resolve the request/g proxies once each.
    @app.before_request
    def validate_request():
        req, ctx = request._get_current_object(), g._get_current_object()
        ctx.started = time.perf_counter()
        if req.method == "OPTIONS":
            return None  # CORS preflight: flask-cors answers it
        endpoint = req.endpoint or ""
        operation_id = endpoints.get(endpoint)
        if operation_id is None:
            return None  # no route: Flask raises 404/405 and the error handler renders it
        rule = rules[operation_id]
        ctx.rule = rule
        if not endpoint.startswith("admin."):
            # Forced responses are deliberate, so response validation leaves them alone.
            ctx.forced = True
            # Faults act before auth (an outage hits every key), but are scoped by the key's
            # project, so the key is looked up here without refusing it yet.
            key_project = state.project_for_key(req.headers.get(API_KEY_HEADER))
            ctx.key_project_id = key_project.id if key_project else None
            ctx.test_id = req.headers.get(control.TEST_ID_HEADER) or None
            ctx.control = control.for_request(
                req, rule, state.faults, ctx.key_project_id, ctx.test_id
            )
            if control.apply_before(ctx.control, req.environ):
                ctx.dropped = True
                return Response(status=204)  # never sent: the connection is gone
            code = faults.preferred_code(req.headers.get("Prefer"))
            if code is not None:
                faults.check_preferred(code, rule.statuses, rule.success_status)
            ctx.forced = False
            if rule.security == "api_key":
                ctx.project = authenticate(req, state)
        raw = b""
        if rule.media_type:
            # Kept for the journal; an operation with no body leaves it to read what came.
            raw = ctx.raw_body = read_body(req, max_body)
        if rule.security == "webhook":
            _verify_webhook(req, raw, config)
        # req.args parses the query string into a MultiDict: skipped when there is none.
        query = req.args if req.environ.get("QUERY_STRING") else _NO_QUERY
        ctx.params = rule.parse_params(req.view_args or {}, query) if rule.params else {}
        ctx.body = rule.parse_body(raw, req.mimetype)
        return None

    @app.after_request
    def finish_response(response):
        req, ctx = request._get_current_object(), g._get_current_object()
        rule: OperationRule | None = getattr(ctx, "rule", None)
        if req.blueprint == "docs":
            return response  # the reference page and its files are not API traffic
        if req.method == "OPTIONS" or req.path.startswith("/__mock/"):
            if config.validate_responses and rule is not None:
                # mock-admin.yaml documents 400 only where admin calls take input.
                if response.status_code != 400:
                    _check_response(app, rule, response)
            return response
        dropped = getattr(ctx, "dropped", False)
        if rule is not None and config.validate_responses and not getattr(ctx, "forced", False):
            _check_response(app, rule, response)
        applied = getattr(ctx, "control", None)
        if not dropped:
            control.apply_after_body(applied, response)
        raw = None if dropped or response.is_streamed else response.get_data()
        state.record(
            journal.capture(req, 0 if dropped else response.status_code, raw, ctx, max_body)
        )
        if not dropped:
            control.apply_after_connection(applied, response, req.environ)
        return response


def read_body(req, max_bytes: int) -> bytes:
    """The request body. A body with a Content-Length within the limit is read straight from
    the server's input stream: werkzeug's limited stream around it cost a tenth of a
    transcript request on granian (py-spy). A chunked body is read to one byte past the
    limit, and refused with 413 beyond it. Anything else goes through ``get_data``."""
    environ = req.environ
    length = environ.get("CONTENT_LENGTH")
    if length and length.isascii() and length.isdigit() and "HTTP_TRANSFER_ENCODING" not in environ:
        size = int(length)
        if size <= max_bytes:
            data = environ["wsgi.input"].read(size) if size else b""
            if len(data) != size:
                raise ClientDisconnected()  # a body cut short: 400, as werkzeug's stream says
            return data
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        # No length to refuse up front: read one byte past the limit to tell a body that
        # fits from one that does not (werkzeug's stream cut it at the limit, a 400).
        data = environ["wsgi.input"].read(max_bytes + 1)
        if len(data) > max_bytes:
            raise RequestEntityTooLarge()
        return data
    return req.get_data(cache=True)


def _verify_webhook(req, raw: bytes, config) -> None:
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
            req.headers.get("Authorization", ""),
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
