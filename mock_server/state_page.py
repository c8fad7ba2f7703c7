"""``GET /__mock/``: a live page of the mock's state for browsers (rooms and participants,
sessions and transcripts, the journal, the faults with a form), and a JSON index of the admin
API for every client that does not prefer HTML, so nothing that calls the admin API changes.

The page reads only the admin API (``/__mock/state``, ``/__mock/requests``,
``/__mock/faults``) and this index, none of which carries an API key or a secret value.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

import openapi

from .docs_page import page
from .state import get_state

bp = Blueprint("state_page", __name__)

#: The admin API, as the index lists it (its spec is openapi/mock-admin.yaml).
ADMIN_LINKS = {
    "reset": "POST /__mock/reset",
    "seed": "GET /__mock/seed",
    "state": "GET /__mock/state?project_id=&room_prefix=&transcripts=",
    "requests": "GET /__mock/requests?limit=",
    "faults": "GET|DELETE /__mock/faults",
    "fault": "PUT|DELETE /__mock/faults/{operationId}",
}


def wants_html() -> bool:
    """True when the client prefers HTML to JSON (a browser); curl's ``*/*`` gets JSON."""
    accept = request.accept_mimetypes
    return accept["text/html"] > accept["application/json"]


@bp.get("/__mock/")
def state_page():
    if wants_html():
        response = page("state.html")
    else:
        response = index()
    response.vary.add("Accept")
    return response


def index():
    """Where everything is, with the seeded projects (ids and names, no keys) and the
    operationIds a fault can name."""
    projects = get_state().seed.projects.values()
    return jsonify(
        {
            "pages": {"docs": "/docs", "state": "/__mock/"},
            "admin": ADMIN_LINKS,
            "spec": "/openapi.json",
            "projects": [
                {"id": p.id, "name": p.name, "room_prefix": p.room_prefix} for p in projects
            ],
            "operations": [op.operation_id for op in openapi.iter_operations()],
        }
    )
