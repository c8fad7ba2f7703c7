"""The baseline: a bare Flask app returning the same JSON as the mock, with no validation,
state or tokens. Served by the same server with the same settings as the mock."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask, Response


def create_bare_app(samples: dict[str, dict]) -> Flask:
    """Routes for the benchmarked paths, each answering its captured mock response."""
    app = Flask(__name__, static_folder=None)
    token = json.dumps(samples["token"])
    entry = json.dumps(samples["transcript"])

    @app.post("/api/v1/token")
    def create_token():
        return Response(token, 200, mimetype="application/json")

    @app.post("/api/v1/sessions/<room_name>/transcript")
    def add_transcript_entry(room_name):
        return Response(entry, 201, mimetype="application/json")

    return app


def app_from_file(path: str | Path) -> Flask:
    """For ``gunicorn 'bench.bare_app:app_from_file("samples.json")'``."""
    return create_bare_app(json.loads(Path(path).read_text()))
