"""Spec-driven request validation (and, in tests, response validation), compiled once.

At start-up every operation of the spec becomes an ``OperationRule``: its route, its
security, one precompiled Draft 2020-12 validator for the body and one for the parameters,
the body's top-level defaults and its documented statuses. Per request the only work is
parse, validate, fill defaults. Errors map to statuses through one table (``STATUS_OF``).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jsonschema_rs

import openapi

from .errors import ApiError, field_error
from .messages import details as _details

#: What went wrong → status, in the manner of openapi-core's OPENAPI_ERROR_STATUS.
STATUS_OF = {
    "invalid": 400,
    "malformed_json": 400,
    "missing_body": 400,
    "unauthorized": 401,
    "no_route": 404,
    "method": 405,
    "too_large": 413,
    "media_type": 415,
}

_PATH_PARAM = re.compile(r"{([^}/]+)}")
_INT = re.compile(r"^[+-]?\d{1,30}$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


#: One decoder for every body: ``json.loads`` with hooks builds a decoder and scanner per call,
#: two thirds of parsing a small body.
_BODY_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)


def _loads(raw: bytes) -> Any:
    """``json.loads(raw, parse_constant=..., parse_float=...)``, with the shared decoder."""
    return _BODY_DECODER.decode(raw.decode(json.detect_encoding(raw), "surrogatepass"))


def flask_path(spec_path: str) -> str:
    """``/api/v1/agents/{agentId}/tools`` → ``/api/v1/agents/<agentId>/tools``."""
    return _PATH_PARAM.sub(r"<\1>", spec_path)


def resolve(node: Any, spec: dict[str, Any], others: dict[str, dict[str, Any]] | None = None):
    """Inline ``$ref``s, local and into sibling files named in ``others`` (``voxai.yaml#/...``)."""
    others = others or {}

    def walk(value: Any, current: dict[str, Any]) -> Any:
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str):
                doc_name, _, pointer = ref.partition("#")
                target_doc = others[doc_name] if doc_name else current
                target: Any = target_doc
                for part in pointer.lstrip("/").split("/"):
                    target = target[part.replace("~1", "/").replace("~0", "~")]
                resolved = walk(target, target_doc)
                siblings = {k: walk(v, current) for k, v in value.items() if k != "$ref"}
                return {**resolved, **siblings} if isinstance(resolved, dict) else resolved
            return {k: walk(v, current) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, current) for v in value]
        return value

    return walk(copy.deepcopy(node), spec)


def _compile(schema: dict[str, Any], *, formats: bool = False):
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=formats)


@dataclass
class ParamSpec:
    name: str
    location: str  # path | query | header
    schema: dict[str, Any]
    required: bool

    def coerce(self, raw: str) -> Any:
        """Strings from the URL become what the schema's type wants, when they look like it."""
        kind = self.schema.get("type")
        if kind == "integer" and _INT.match(raw):
            return int(raw)
        if kind == "number" and _NUMBER.match(raw):
            return float(raw)
        if kind == "boolean" and raw in ("true", "false"):
            return raw == "true"
        return raw


@dataclass
class OperationRule:
    """Everything the edge needs to know about one operation, built once from the spec."""

    operation_id: str
    method: str
    path: str
    tag: str
    security: str | None  # "api_key", "webhook" or None
    media_type: str | None
    body_required: bool
    body_validator: Any
    body_defaults: dict[str, Any]
    params: list[ParamSpec]
    params_validator: Any
    body_schema: dict[str, Any] | None
    params_schema: dict[str, Any] | None
    param_defaults: dict[str, Any]
    statuses: tuple[int, ...]
    success_status: int
    responses: dict[str, Any] = field(default_factory=dict)
    _response_validators: dict[int, Any] = field(default_factory=dict)

    # --- request side -------------------------------------------------------------------
    def parse_params(self, view_args: dict[str, str], query) -> dict[str, Any]:
        """Path and query parameters, coerced, validated, defaults filled.

        :raise 400: a parameter is missing, mistyped or out of bounds.
        """
        values: dict[str, Any] = {}
        for spec in self.params:
            if spec.location == "path":
                raw = view_args.get(spec.name)
            elif spec.location == "query":
                raw = query.get(spec.name)
            else:
                continue
            if raw is not None:
                values[spec.name] = spec.coerce(raw)
        if self.params_validator is not None and not self.params_validator.is_valid(values):
            details = _details(self.params_validator, values, "path", self.params_schema)
            for item in details:
                item["location"] = self._location_of(item["field"])
            raise ApiError(400, f"Invalid parameters: {details[0]['message']}", details)
        for name, default in self.param_defaults.items():
            values.setdefault(name, default)
        return values

    def _location_of(self, name: str) -> str:
        for spec in self.params:
            if spec.name == name.split(".")[0]:
                return spec.location
        return "query"

    def parse_body(self, raw: bytes, mimetype: str) -> dict[str, Any] | None:
        """The request body, parsed and validated, top-level defaults filled.

        :raise 415: a body of another content type.
        :raise 400: a missing required body, malformed JSON, or a body the schema refuses.
        """
        if self.media_type is None:
            return None
        if not raw:
            if self.body_required:
                raise ApiError(
                    400,
                    "Request body is required",
                    [field_error("body", "", "a JSON body is required")],
                )
            return copy.deepcopy(self.body_defaults)
        if mimetype != self.media_type:
            raise ApiError(
                415,
                f"Content-Type must be {self.media_type}",
                [field_error("header", "Content-Type", f"got {mimetype or 'none'!r}")],
            )
        try:
            body = _loads(raw)
            if _SURROGATE_ESCAPE.search(raw):
                # Lone surrogates parse fine but cannot be stored or sent as UTF-8.
                json.dumps(body, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            message = "JSON string holds an unpaired UTF-16 surrogate"
            raise ApiError(400, message, [field_error("body", "", message)]) from None
        except (ValueError, RecursionError) as exc:
            message = (
                f"Malformed JSON: {exc}" if isinstance(exc, ValueError) else "JSON nested too deep"
            )
            raise ApiError(400, message, [field_error("body", "", message)]) from None
        if not self.body_validator.is_valid(body):
            details = _details(self.body_validator, body, "body", self.body_schema)
            raise ApiError(400, f"Request body is invalid: {details[0]['message']}", details)
        if isinstance(body, dict):
            for name, default in self.body_defaults.items():
                if name not in body:
                    # Spec defaults are scalars here; copy only what could be shared and mutated.
                    body[name] = (
                        copy.deepcopy(default) if isinstance(default, dict | list) else default
                    )
        return body

    # --- response side (tests) ----------------------------------------------------------
    def response_errors(self, status: int, content_type: str, body: Any) -> list[str]:
        """Ways a response breaks the spec; empty when it conforms."""
        response = self.responses.get(str(status))
        if response is None:
            return [f"status {status} is not documented for {self.operation_id}"]
        content = response.get("content")
        if not content:
            return []
        if "application/json" not in content_type:
            return [f"content type {content_type!r} is not application/json"]
        if status not in self._response_validators:
            schema = content["application/json"].get("schema", {})
            self._response_validators[status] = _compile(schema, formats=True)
        validator = self._response_validators[status]
        return [
            f"{d['field'] or '<body>'}: {d['message']}" for d in _details(validator, body, "body")
        ]


def _security_kind(op: openapi.Operation) -> str | None:
    for requirement in op.security:
        if "ApiKeyAuth" in requirement:
            return "api_key"
        if "LivekitWebhookSignature" in requirement:
            return "webhook"
    return None


def build_rules(
    operations: Iterable[openapi.Operation],
    spec: dict[str, Any],
    others: dict[str, dict[str, Any]] | None = None,
) -> dict[str, OperationRule]:
    """One ``OperationRule`` per operation, keyed by operationId."""
    rules: dict[str, OperationRule] = {}
    for op in operations:
        definition = resolve(op.definition, spec, others)
        params = [
            ParamSpec(p["name"], p["in"], p.get("schema", {}), bool(p.get("required")))
            for p in (resolve(p, spec, others) for p in op.parameters)
        ]
        params_schema = {
            "type": "object",
            "properties": {p.name: p.schema for p in params if p.location in ("path", "query")},
            "required": [p.name for p in params if p.required and p.location in ("path", "query")],
        }
        param_defaults = {p.name: p.schema["default"] for p in params if "default" in p.schema}
        media_type = body_validator = body_schema = None
        body_defaults: dict[str, Any] = {}
        body = definition.get("requestBody")
        if body:
            media_type, media = next(iter(body["content"].items()))
            schema = body_schema = media.get("schema", {})
            body_validator = _compile(schema)
            body_defaults = {
                name: prop["default"]
                for name, prop in schema.get("properties", {}).items()
                if isinstance(prop, dict) and "default" in prop
            }
        statuses = tuple(sorted(int(s) for s in definition["responses"] if s.isdigit()))
        rules[op.operation_id] = OperationRule(
            operation_id=op.operation_id,
            method=op.method,
            path=op.path,
            tag=op.tag,
            security=_security_kind(op),
            media_type=media_type,
            body_required=bool(body and body.get("required")),
            body_validator=body_validator,
            body_defaults=body_defaults,
            params=params,
            params_validator=_compile(params_schema) if params_schema["properties"] else None,
            body_schema=body_schema,
            params_schema=params_schema,
            param_defaults=param_defaults,
            statuses=statuses,
            success_status=min(s for s in statuses if 200 <= s < 300),
            responses=definition["responses"],
        )
    return rules


@functools.cache
def product_rules() -> dict[str, OperationRule]:
    """Rules of ``voxai.yaml``."""
    spec = openapi.load_spec()
    return build_rules(openapi.iter_operations(spec), spec)


@functools.cache
def admin_rules() -> dict[str, OperationRule]:
    """Rules of ``mock-admin.yaml`` (its ``voxai.yaml#`` refs resolved into the product spec)."""
    admin = openapi.load_admin_spec()
    product = openapi.load_spec()
    ops = [
        openapi.Operation(
            operation_id=o.operation_id,
            method=o.method,
            path=o.path,
            tag=o.tag,
            definition={**o.definition, "security": []},
            path_parameters=o.path_parameters,
        )
        for o in openapi.iter_operations(admin)
    ]
    return build_rules(ops, admin, {"voxai.yaml": product})
