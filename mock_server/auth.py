"""``X-API-Key`` → project, and the ``require_project`` decorator (flaskr's ``login_required``)."""

from __future__ import annotations

import functools

from flask import g, request

from .errors import ApiError
from .seed import Project
from .state import get_state

API_KEY_HEADER = "X-API-Key"


def authenticate(req=None, state=None) -> Project:
    """The project of the request's API key (``req``/``state`` default to the current ones).

    :raise 401: the header is missing or the key unknown.
    """
    key = (req or request).headers.get(API_KEY_HEADER)
    if not key:
        raise ApiError(401, f"Missing {API_KEY_HEADER} header")
    project = (state or get_state()).project_for_key(key)
    if project is None:
        raise ApiError(401, f"Invalid {API_KEY_HEADER}")
    return project


def require_project(view):
    """Run ``view`` only for a known API key, with ``g.project`` set.

    The edge hook already authenticates every operation the spec secures; this keeps a view
    safe even when mounted without it.
    """

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("project") is None:
            g.project = authenticate()
        return view(*args, **kwargs)

    return wrapped
