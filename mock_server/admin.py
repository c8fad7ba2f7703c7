"""The ``/__mock/`` admin API (``openapi/mock-admin.yaml``): reset, state, seed, journal,
faults, and a dry run of the ``X-VoxAI-Mock`` header."""

from __future__ import annotations

from flask import g, request

import openapi

from . import control, faults
from .errors import ApiError
from .fault_rules import scope_of
from .routes import SpecBlueprint
from .seed_view import seed_summary
from .state import get_state
from .validation import product_rules

_ADMIN_OPS = {op.operation_id: op for op in openapi.iter_operations(openapi.load_admin_spec())}
_PRODUCT_OPS = {op.operation_id for op in openapi.iter_operations()}

bp = SpecBlueprint("admin", __name__, operations=_ADMIN_OPS.__getitem__)


def _product_rule(operation_id: str, location: str, field: str):
    """The product operation's rule.

    :raise 400: no such operationId (the message lists the known ones).
    """
    if operation_id not in _PRODUCT_OPS:
        known = ", ".join(sorted(_PRODUCT_OPS))
        raise ApiError(
            400,
            f"Unknown operationId {operation_id!r}; known: {known}",
            [{"location": location, "field": field, "message": f"unknown; known: {known}"}],
        )
    return product_rules()[operation_id]


@bp.operation("resetMock", secured=False)
def reset_mock():
    get_state().reset()
    return {"reset": True}


@bp.operation("getMockState", secured=False)
def get_mock_state():
    p = g.params
    return get_state().snapshot(p.get("project_id"), p.get("room_prefix"), p["transcripts"])


@bp.operation("getMockSeed", secured=False)
def get_mock_seed():
    return seed_summary(get_state().seed, get_state().config)


@bp.operation("listMockRequests", secured=False)
def list_mock_requests():
    p = g.params
    filters = {k: p.get(k) for k in ("operation_id", "status", "project_id", "test_id")}
    return {"requests": get_state().requests(p["limit"], **filters)}


@bp.operation("checkMockControl", secured=False)
def check_mock_control():
    rule = _product_rule(g.params["operation_id"], "query", "operation_id")
    value = request.headers.get(control.HEADER, "")
    parsed = control.parse_header(value)
    faults.check_for_operation(rule, parsed, "header", f"{control.HEADER}.")
    control.check_server_can(parsed.get("connection"), request.environ)
    return parsed


@bp.operation("listMockFaults", secured=False)
def list_mock_faults():
    return {"faults": get_state().faults.listing()}


@bp.operation("clearMockFaults", secured=False)
def clear_mock_faults():
    get_state().faults.clear()
    return "", 204


@bp.operation("putMockFault", secured=False)
def put_mock_fault(operationId):  # noqa: N803 - the spec's parameter name
    rule = _product_rule(operationId, "path", "operationId")
    faults.check_for_operation(rule, g.body, "body")
    control.check_server_can(g.body.get("connection"), request.environ, "body", "connection")
    get_state().faults.put(operationId, dict(g.body))
    return dict(g.body)


@bp.operation("deleteMockFault", secured=False)
def delete_mock_fault(operationId):  # noqa: N803 - the spec's parameter name
    scope = {k: g.params.get(k) for k in ("project_id", "test_id") if g.params.get(k)}
    get_state().faults.remove(operationId, scope_of(scope) if scope else None)
    return "", 204
