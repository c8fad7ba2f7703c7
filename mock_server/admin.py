"""The ``/__mock/`` admin API (``openapi/mock-admin.yaml``): reset, state, journal, faults."""

from __future__ import annotations

from flask import g

import openapi

from .errors import ApiError
from .routes import SpecBlueprint
from .state import get_state

_ADMIN_OPS = {op.operation_id: op for op in openapi.iter_operations(openapi.load_admin_spec())}
_PRODUCT_OPS = {op.operation_id for op in openapi.iter_operations()}

bp = SpecBlueprint("admin", __name__, operations=_ADMIN_OPS.__getitem__)


@bp.operation("resetMock", secured=False)
def reset_mock():
    get_state().reset()
    return {"reset": True}


@bp.operation("getMockState", secured=False)
def get_mock_state():
    p = g.params
    return get_state().snapshot(p.get("project_id"), p.get("room_prefix"), p["transcripts"])


@bp.operation("listMockRequests", secured=False)
def list_mock_requests():
    return {"requests": get_state().requests(g.params["limit"])}


@bp.operation("listMockFaults", secured=False)
def list_mock_faults():
    return {"faults": dict(get_state().faults.items())}


@bp.operation("clearMockFaults", secured=False)
def clear_mock_faults():
    get_state().faults.clear()
    return "", 204


@bp.operation("putMockFault", secured=False)
def put_mock_fault(operationId):  # noqa: N803 - the spec's parameter name
    if operationId not in _PRODUCT_OPS:
        known = ", ".join(sorted(_PRODUCT_OPS))
        raise ApiError(
            400,
            f"Unknown operationId {operationId!r}; known: {known}",
            [{"location": "path", "field": "operationId", "message": "unknown"}],
        )
    get_state().faults[operationId] = dict(g.body)
    return dict(g.body)


@bp.operation("deleteMockFault", secured=False)
def delete_mock_fault(operationId):  # noqa: N803 - the spec's parameter name
    get_state().faults.pop(operationId, None)
    return "", 204
