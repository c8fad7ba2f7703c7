"""Flask's JSON provider with orjson for responses: the mock's JSON is written by a C library
instead of the standard library's encoder, which was a twelfth of a token request's time
(py-spy, README "Benchmarks"). Anything orjson refuses (an integer past 64 bits, say) falls
back to Flask's own encoder, so the output is the same JSON either way."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response
from flask.json.provider import DefaultJSONProvider

# Dates go to Flask's default() as with its own encoder (HTTP dates, not orjson's RFC 3339).
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_APPEND_NEWLINE | orjson.OPT_PASSTHROUGH_DATETIME


class OrjsonProvider(DefaultJSONProvider):
    """Compact, unsorted JSON (as the mock configured Flask's provider before)."""

    sort_keys = False
    compact = True

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, default=self.default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().response(obj)
        return self._app.response_class(body, mimetype=self.mimetype)
