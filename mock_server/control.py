"""Per-request control: the ``X-VoxAI-Mock`` header, merged over the fault rule (if any)
that matches the request's project and ``X-VoxAI-Test-Id``, applied to that request alone.

The header is a short ``key=value`` list (``status=503``, ``latency_ms=300, drop_field=token``)
whose keys and bounds are ``RequestControl`` in ``openapi/mock-admin.yaml``; the product API
never sees it. Order: latency; then a dropped connection (``reset``, ``hang``) or a forced
status; after the view, on a successful response, the dropped field; then a truncated body.
"""

from __future__ import annotations

import functools
import json
import random
import re
import socket
import struct
import time
from typing import Any

import openapi

from . import faults
from .errors import ApiError, field_error
from .messages import details
from .one_at_a_time import sleep as wait
from .validation import _compile, resolve

HEADER = "X-VoxAI-Mock"
TEST_ID_HEADER = "X-VoxAI-Test-Id"
#: Upper bound of every wait a fault adds (latency, hang), as httpbin bounds its delays.
MAX_WAIT_MS = 10_000
_SEPARATOR = re.compile(r"[,;]")
#: Keys of a rule that act on the request (the others scope or script it).
_EFFECTS = ("latency_ms", "status", "drop_field", "connection")


@functools.cache
def _schema() -> tuple[dict[str, Any], Any]:
    admin = openapi.load_admin_spec()
    schema = resolve(admin["components"]["schemas"]["RequestControl"], admin)
    return schema, _compile(schema)


def _bad(message: str, key: str = "") -> ApiError:
    field = f"{HEADER}.{key}" if key else HEADER
    return ApiError(400, message, [field_error("header", field, message)])


def parse_header(value: str) -> dict[str, Any]:
    """The control an ``X-VoxAI-Mock`` value asks for.

    :raise 400: an unknown key (the message lists the valid ones), a key without a value,
        a value of the wrong type or out of bounds, or an empty header.
    """
    schema, validator = _schema()
    props = schema["properties"]
    valid = ", ".join(sorted(props))
    control: dict[str, Any] = {}
    for item in _SEPARATOR.split(value):
        key, eq, raw = (part.strip() for part in item.partition("="))
        if not key and not raw:
            continue
        if key not in props:
            raise _bad(f"{HEADER}: unknown key {key!r}; valid keys: {valid}", key)
        if not eq or not raw:
            raise _bad(f"{HEADER}: {key} needs a value ({key}=...)", key)
        raw = raw.strip("\"'")
        kind = props[key].get("type")
        control[key] = int(raw) if kind == "integer" and re.fullmatch(r"-?\d{1,9}", raw) else raw
    if not control:
        raise _bad(f"{HEADER} is empty; give key=value pairs with keys: {valid}")
    if not validator.is_valid(control):
        found = details(validator, control, "header", schema)
        for item in found:
            item["field"] = f"{HEADER}.{item['field']}"
        raise ApiError(400, f"{HEADER}: {found[0]['message']}", found)
    return control


def for_request(req, rule, faults_in_force, project_id: int | None, test_id: str | None):
    """What to do to this request: the rule matching its project and test id, under the
    header's own keys (``None`` for nothing). Counts the call against a scripted rule even
    when the header overrides it.

    :raise 400: a bad header, one naming a status or field the operation cannot have, or a
        connection fault this server cannot carry out.
    """
    header = req.headers.get(HEADER)
    own = parse_header(header) if header is not None else {}
    if own:
        faults.check_for_operation(rule, own, "header", f"{HEADER}.")
    fault = faults_in_force.take(rule.operation_id, project_id, test_id)
    effective = {k: fault[k] for k in _EFFECTS if fault and k in fault}
    if fault and "error_rate" in fault:
        if not ("status" in fault or "connection" in fault):
            effective["status"] = 500  # an error rate alone fails with 500, as it always has
        if random.random() >= fault["error_rate"]:
            effective.pop("status", None)
            effective.pop("connection", None)
    effective.update(own)
    # The one place a connection fault meets the server: refused here, before any wait and
    # before the view runs, naming where it came from (the header, or a stored rule).
    if "connection" in own:
        check_server_can(own["connection"], req.environ)
    elif "connection" in effective:
        where = {"location": "body", "field": "connection", "rule_of": rule.operation_id}
        check_server_can(effective["connection"], req.environ, **where)
    return effective or None


def apply_before(control: dict[str, Any] | None, environ) -> bool:
    """Wait, then drop the connection (``True``) or raise the forced status.

    :raise ApiError: the forced ``status``, with the spec's Error body.
    """
    if not control:
        return False
    latency = control.get("latency_ms")
    connection = control.get("connection")
    if connection == "hang":
        wait(environ, min(MAX_WAIT_MS if latency is None else latency, MAX_WAIT_MS) / 1000)
        _close(environ, reset=True)
        return True
    if latency:
        wait(environ, min(latency, MAX_WAIT_MS) / 1000)
    if connection == "reset":
        _close(environ, reset=True)
        return True
    status = control.get("status")
    if status is not None:
        raise ApiError(status, f"Injected fault: status {status}")
    return False


def apply_after_body(control: dict[str, Any] | None, response) -> None:
    """Drop the named field from a successful JSON body."""
    if control and control.get("drop_field") and 200 <= response.status_code < 300:
        body = response.get_json(silent=True)
        if body is not None:
            response.set_data(json.dumps(faults.drop_field(body, control["drop_field"])))


def apply_after_connection(control: dict[str, Any] | None, response, environ) -> None:
    """Send half the body under the full Content-Length, then close, if asked."""
    if control and control.get("connection") == "truncate":
        data = response.get_data()
        response.headers["Content-Length"] = str(len(data))
        sock = _server_socket(environ)
        response.response = _half_then_end(data) if sock is None else _half_then_close(data, sock)


def _half_then_close(data: bytes, sock):
    yield data[: len(data) // 2]
    _shutdown(sock)


#: How long granian gets to send the first half before the body ends (20/20 runs of 150
#: truncated responses were cut at the half with 20 ms; with no wait some lost the half too).
_GRANIAN_FLUSH_S = 0.02


def _half_then_end(data: bytes):
    """Granian ends a response body, and closes the connection short of its Content-Length,
    at the first item that is not bytes; it logs nothing for it."""
    yield data[: len(data) // 2]
    time.sleep(_GRANIAN_FLUSH_S)
    yield None


def _server_socket(environ):
    return environ.get("gunicorn.socket") or environ.get("werkzeug.socket")


def check_server_can(
    connection: str | None,
    environ,
    location: str = "header",
    field: str = f"{HEADER}.connection",
    rule_of: str | None = None,
) -> None:
    """:raise 400: a connection fault the server this request came through cannot carry out.

    ``reset`` and ``hang`` close the socket, which gunicorn and werkzeug hand the app and
    granian does not; granian can still end a body early, so ``truncate`` works on it.
    ``rule_of`` names the operation whose stored fault rule asked for it (one saved in a
    shared store by a gunicorn mock, say), so the answer says which rule to delete.
    """
    if connection is None or _server_socket(environ) is not None:
        return
    if environ.get("SERVER_SOFTWARE") == "Granian":
        if connection == "truncate":
            return
        message = (
            f"connection={connection} closes the socket, which granian (voxai-mock's default"
            " server) does not hand the app: start voxai-mock --server gunicorn for it"
        )
        if rule_of:
            message = (
                f"The fault rule on {rule_of} sets {message}, or delete the rule"
                f" (DELETE /__mock/faults/{rule_of})"
            )
    else:
        message = "connection faults need a served mock (this server exposes no socket)"
    raise ApiError(400, message, [field_error(location, field, message)])


def _socket(environ):
    check_server_can("reset", environ)
    return _server_socket(environ)


def _close(environ, reset: bool) -> None:
    sock = _socket(environ)
    if reset:
        # Linger 0: when the server closes the socket, the kernel sends RST, not FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    _shutdown(sock)


def _shutdown(sock) -> None:
    # Shut down, never close: the server owns the file descriptor, and closing it here could
    # hand the number to another connection before the server is done with it.
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # the client has gone already
