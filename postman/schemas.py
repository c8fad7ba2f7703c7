"""The response schemas the collection's ``body matches schema`` tests embed (for Ajv)."""

from __future__ import annotations

from typing import Any

_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_ONES = (
    "items", "additionalProperties", "not", "if", "then", "else", "contains",
    "propertyNames", "unevaluatedProperties", "unevaluatedItems", "additionalItems",
)  # fmt: skip
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
# Annotations Ajv does not need; dropping them keeps the scripts short.
_ANNOTATIONS = ("description", "example", "examples", "title", "$comment")


def _strip(schema: Any) -> Any:
    """The schema without annotations and x- extensions, walking only schema positions."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _ANNOTATIONS or key.startswith("x-"):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _strip(sub) for name, sub in value.items()}
        elif key in _SCHEMA_ONES:
            out[key] = _strip(value)
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_strip(sub) for sub in value]
        else:
            out[key] = value
    return out


def response_schema(response: dict[str, Any], media_type: str) -> dict[str, Any] | None:
    """The resolved, annotation-free JSON Schema of a (resolved) response, for Ajv."""
    content = (response.get("content") or {}).get(media_type)
    if not content or "schema" not in content:
        return None
    return _strip(content["schema"])
