"""The mock writes its JSON with orjson; what orjson refuses falls back to Flask's encoder."""

from __future__ import annotations

import datetime
import json

from flask import Flask

from mock_server.json_provider import OrjsonProvider


def respond(value):
    app = Flask(__name__)
    app.json = OrjsonProvider(app)
    with app.app_context():
        return app.json.response(value)


def test_responses_are_compact_unsorted_json_ending_in_a_newline():
    response = respond({"b": 1, "a": [1.5, None, "é"], "when": datetime.date(2026, 12, 1)})
    assert response.mimetype == "application/json"
    assert (
        response.get_data()
        == b'{"b":1,"a":[1.5,null,"\xc3\xa9"],"when":"Tue, 01 Dec 2026 00:00:00 GMT"}\n'
    )


def test_an_integer_orjson_refuses_is_written_by_flasks_encoder():
    response = respond({"n": 2**70})
    assert json.loads(response.get_data()) == {"n": 2**70}
