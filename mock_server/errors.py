"""``ApiError`` and the one JSON error body; no response ever carries a traceback."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger("voxai_mock")

#: status → the spec's ``Error.error`` code
ERROR_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    500: "internal_error",
    503: "service_unavailable",
}


def error_code(status: int) -> str:
    """The spec's error code for a status (4xx fall back to invalid_request, 5xx to internal)."""
    if status in ERROR_CODES:
        return ERROR_CODES[status]
    return "internal_error" if status >= 500 else "invalid_request"


class ApiError(Exception):
    """An HTTP outcome raised anywhere (state, validation, views) and rendered as ``Error``."""

    def __init__(
        self,
        status: int,
        message: str,
        details: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.message, self.details)


def error_body(status: int, message: str, details: list[dict[str, str]] | None = None) -> dict:
    """The spec's ``Error`` object."""
    body: dict[str, Any] = {"error": error_code(status), "message": message}
    if details:
        body["details"] = details
    return body


def field_error(location: str, field: str, message: str) -> dict[str, str]:
    """One ``FieldError`` item."""
    return {"location": location, "field": field, "message": message}


def register_error_handlers(app: Flask) -> None:
    """One handler per family: ``ApiError``, every ``HTTPException``, and a last resort."""

    @app.errorhandler(ApiError)
    def handle_api_error(exc: ApiError):
        response = jsonify(exc.body())
        response.status_code = exc.status
        response.headers.update(exc.headers)
        return response

    @app.errorhandler(HTTPException)
    def handle_http_exception(exc: HTTPException):
        status = exc.code or 500
        message = {
            404: "No such path",
            405: "Method not allowed",
            413: "Request body exceeds the size limit",
        }.get(status, exc.description or exc.name)
        response = jsonify(error_body(status, message))
        response.status_code = status
        if status == 405:
            allowed = exc.get_response().headers.get("Allow")
            if allowed:
                response.headers["Allow"] = allowed
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        # The test client must see the real failure; clients of a running mock never do.
        if app.testing and not isinstance(exc, HTTPException):
            raise exc
        log.exception("unhandled error")
        response = jsonify(error_body(500, "Internal error in the mock"))
        response.status_code = 500
        return response
