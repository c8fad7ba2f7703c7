"""One blueprint per spec tag. Routes come from the spec: a view names its operationId and
``SpecBlueprint.operation`` registers it at the spec's path and method."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint

import openapi

from ..auth import require_project
from ..validation import flask_path


class SpecBlueprint(Blueprint):
    """A blueprint whose routes are looked up in a spec by operationId."""

    def __init__(self, name: str, import_name: str, operations=None) -> None:
        super().__init__(name, import_name)
        self._lookup = operations or openapi.operation
        #: endpoint (without the blueprint name) → operationId
        self.operation_ids: dict[str, str] = {}

    def operation(self, operation_id: str, *, secured: bool | None = None) -> Callable:
        """Register the decorated view at ``operation_id``'s path and method."""
        op = self._lookup(operation_id)

        def decorator(view: Callable) -> Callable:
            needs_key = op.secured if secured is None else secured
            func = require_project(view) if needs_key else view
            self.add_url_rule(
                flask_path(op.path), endpoint=view.__name__, view_func=func, methods=[op.method]
            )
            self.operation_ids[view.__name__] = operation_id
            return view

        return decorator


def blueprints() -> list[SpecBlueprint]:
    """Every product blueprint, one per tag."""
    from . import agents, knowledge, rooms, secrets, sessions, tokens, usage, webhooks

    return [m.bp for m in (tokens, agents, rooms, sessions, knowledge, usage, secrets, webhooks)]
