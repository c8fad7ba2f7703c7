"""The VoxAI mock server: ``create_app(config)`` builds a Flask app driven by the spec."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from .config import MockConfig

__all__ = ["ApiError", "MockConfig", "MockState", "create_app", "get_state"]

#: Exported name → its module. Imported on first use, so ``voxai-mock`` can refuse a taken
#: port before the app's dependencies load (livekit-api and aiohttp alone take over 1 s).
_LAZY = {"ApiError": "errors", "MockConfig": "config", "MockState": "state", "get_state": "state"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def create_app(config: MockConfig | dict[str, Any] | None = None) -> Flask:
    """A fresh mock app: defaults, then ``VOXAI_MOCK_*`` env, then ``config``.

    ``config`` may be a ``MockConfig`` (used as is) or a dict of overrides. The state lives
    on ``app.extensions["voxai_mock"]`` (``get_state()`` inside a request).
    """
    from flask import Flask
    from flask_cors import CORS

    from .config import MockConfig
    from .edge import install_edge
    from .errors import register_error_handlers
    from .json_provider import OrjsonProvider
    from .state import EXTENSION, MockState
    from .validation import admin_rules, product_rules

    if config is None or isinstance(config, dict):
        config = MockConfig.from_env(**(config or {}))
    app = Flask(__name__, static_folder=None)
    app.config.update(
        TESTING=config.testing,
        MAX_CONTENT_LENGTH=config.max_body_bytes,
        **config.extra,
    )
    app.json = OrjsonProvider(app)
    app.extensions[EXTENSION] = MockState(config)

    from . import admin
    from .routes import blueprints

    endpoints: dict[str, str] = {}
    for bp in [*blueprints(), admin.bp]:
        app.register_blueprint(bp)
        endpoints.update({f"{bp.name}.{ep}": op for ep, op in bp.operation_ids.items()})
    rules = {**product_rules(), **admin_rules()}
    install_edge(app, rules, endpoints)
    _register_pages(app)
    register_error_handlers(app)
    CORS(
        app,
        allow_headers=[
            "Content-Type",
            "X-API-Key",
            "Authorization",
            "Prefer",
            "X-VoxAI-Mock",
            "X-VoxAI-Test-Id",
        ],
        expose_headers=["Content-Type"],
        max_age=600,
    )
    _cors_only_with_origin(app)
    return app


def _register_pages(app: Flask) -> None:
    """The offline API reference (``/``, ``/docs``, ``/openapi.json``) and ``/__mock/``."""
    from . import docs_page, state_page

    app.register_blueprint(docs_page.bp)
    app.register_blueprint(state_page.bp)


def _cors_only_with_origin(app: Flask) -> None:
    """Run flask-cors only for requests carrying ``Origin``.

    Browsers send ``Origin`` on every cross-origin request, and without it flask-cors adds no
    header anyway; skipping it for other clients saves a sixth of a token request's time.
    """
    from flask import request

    hooks = app.after_request_funcs.setdefault(None, [])
    for index, hook in enumerate(hooks):
        if hook.__name__ == "cors_after_request":

            def cors_if_origin(response, _cors=hook):
                return _cors(response) if "HTTP_ORIGIN" in request.environ else response

            hooks[index] = cors_if_origin
