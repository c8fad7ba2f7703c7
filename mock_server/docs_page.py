"""The offline API reference: ``/`` and ``/docs`` render ``openapi/voxai.yaml`` with Swagger UI,
whose files come from the installed ``flask-swagger-ui`` wheel (pinned in pyproject; it ships
swagger-ui-dist), so the page needs no CDN and works with the network unplugged. Beside it:
``/openapi.json`` and ``/openapi.yaml``, and the Postman downloads (the committed collection
and the mock environment with ``baseUrl`` set to the page's origin).

Nothing here holds an API key: the page asks for one and reads the seeded keys it lists from
``/docs/keys.json`` at run time.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, request, send_from_directory

import openapi

from .docs_curl import docs_curls
from .errors import ApiError, field_error
from .state import get_state

bp = Blueprint("docs", __name__)

#: Our own page files (HTML, JS, CSS), shipped as package data.
PAGES = Path(__file__).resolve().parent / "docs_static"
#: The Swagger UI files the page loads; nothing else of the dist is served.
SWAGGER_UI_FILES = frozenset(
    {"swagger-ui-bundle.js", "swagger-ui.css", "favicon-16x16.png", "favicon-32x32.png"}
)
OWN_FILES = frozenset({"docs.js", "docs.css", "state.js", "state.css"})
#: Revalidated each time: a changed spec or page shows on the next load.
NO_CACHE = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


def swagger_ui_dist() -> Path:
    """The folder of Swagger UI's dist files inside the installed ``flask_swagger_ui``."""
    spec = importlib.util.find_spec("flask_swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "flask-swagger-ui is not installed (pip install 'voxai-contract-kit[mock]')"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "dist"


def swagger_ui_version() -> str:
    """The Swagger UI version the wheel ships (its ``dist/VERSION``)."""
    return (swagger_ui_dist() / "VERSION").read_text(encoding="utf-8").strip().lstrip("v")


def postman_file(relative: str) -> Path:
    """A committed file of the ``postman`` folder (package data when installed); read as a
    file, never imported, so the mock depends on no other part's code."""
    spec = importlib.util.find_spec("postman")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the postman package data is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / relative


def content_security_policy() -> str:
    """Scripts, styles, fonts and images from this origin only; Try It may call this origin
    and the spec's servers (the page lists this origin first)."""
    servers = " ".join(
        f"{u.scheme}://{u.netloc}"
        for u in (urlsplit(s["url"]) for s in openapi.load_spec().get("servers", []))
        if u.scheme in ("http", "https")
    )
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            # Swagger UI (React) sets style attributes; no style sheet comes from elsewhere.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src 'self' {servers}".strip(),
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


_CSP = functools.cache(content_security_policy)


def page(name: str) -> Response:
    """One of our HTML pages, with the same-origin content security policy."""
    response = send_from_directory(PAGES, name, mimetype="text/html")
    response.headers.update(NO_CACHE)
    response.headers.pop("Content-Disposition", None)
    response.headers["Content-Security-Policy"] = _CSP()
    return response


@functools.cache
def reference_spec() -> dict[str, Any]:
    """The spec the page renders: ``voxai.yaml`` with the docs' cURL example appended to each
    operation's description (``/openapi.json`` stays the spec as written)."""
    spec = openapi.load_spec()
    curls = docs_curls(spec)
    for op in openapi.iter_operations(spec):
        if op.operation_id in curls:
            text = op.definition.get("description", "")
            example = f"**cURL** (the docs' example)\n\n```bash\n{curls[op.operation_id]}\n```"
            op.definition["description"] = f"{text}\n\n{example}".strip()
    return spec


@bp.get("/")
@bp.get("/docs")
@bp.get("/docs/")
def reference():
    return page("docs.html")


@bp.get("/docs/assets/<name>")
def asset(name: str):
    if name in SWAGGER_UI_FILES:
        folder = swagger_ui_dist()
    elif name in OWN_FILES:
        folder = PAGES
    else:
        abort(404)
    response = send_from_directory(folder, name)
    response.headers.update(NO_CACHE)
    return response


@bp.get("/docs/spec.json")
def reference_spec_json():
    return _json(reference_spec())


@bp.get("/docs/keys.json")
def seeded_keys():
    """The seeded projects and their keys, for the page's "which key?" hint."""
    projects = get_state().seed.projects.values()
    return {
        "projects": [
            {"id": p.id, "name": p.name, "room_prefix": p.room_prefix, "api_key": p.api_key}
            for p in projects
        ],
        "swagger_ui": swagger_ui_version(),
    }


@bp.get("/openapi.json")
def openapi_json():
    return _json(openapi.load_spec())


@bp.get("/openapi.yaml")
def openapi_yaml():
    response = send_from_directory(openapi.spec_path().parent, openapi.spec_path().name)
    response.mimetype = "application/yaml"
    response.headers.update(NO_CACHE)
    return response


@bp.get("/docs/postman/collection.json")
def postman_collection():
    path = postman_file("voxai.postman_collection.json")
    return send_from_directory(
        path.parent, path.name, mimetype="application/json", as_attachment=True
    )


@bp.get("/docs/postman/environment.json")
def postman_environment():
    """The committed mock environment with ``baseUrl`` = ``?base_url=`` (the page passes its
    own origin) or else the origin this request reached.

    :raise 400: ``base_url`` is not an http(s) origin.
    """
    base_url = request.args.get("base_url") or request.host_url
    base_url = _origin(base_url)
    env = json.loads(postman_file("environments/mock.postman_environment.json").read_text())
    for variable in env.get("values", []):
        if variable.get("key") == "baseUrl":
            variable["value"] = base_url
    response = _json(env)
    response.headers["Content-Disposition"] = (
        "attachment; filename=voxai-mock.postman_environment.json"
    )
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/"):
        raise ApiError(
            400,
            "base_url must be an http(s) origin such as http://127.0.0.1:8080",
            [field_error("query", "base_url", "not an http(s) origin")],
        )
    return f"{parts.scheme}://{parts.netloc}"


def _json(data: Any) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=1)
    return Response(body, mimetype="application/json", headers=NO_CACHE)
