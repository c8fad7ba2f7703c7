"""Sampled conformance: a share of load responses checked against the spec.

The first response of each (operation, status) is always validated, then a share
(``--validate-share``, default 1 %) of the rest, against the response schema the spec
documents for that status; an undocumented status or a non-JSON body is a violation
too. Pure (no Locust import); validators are compiled once per (operation, status).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from typing import Any

import jsonschema

from openapi import Operation, resolve_refs

__all__ = ["Sampler", "check_response"]

_NO_SCHEMA = object()


def _validator(op: Operation, status: int) -> Any:
    responses = op.definition.get("responses", {})
    response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
    if response is None:
        return None
    media = resolve_refs(response).get("content", {}).get("application/json")
    if not media or "schema" not in media:
        return _NO_SCHEMA
    return jsonschema.Draft202012Validator(media["schema"])


def check_response(validator: Any, op: Operation, status: int, content: bytes) -> str | None:
    """Why this response breaks the spec, or None."""
    if validator is None:
        return f"status {status} is not documented"
    if validator is _NO_SCHEMA:
        return None
    try:
        body = json.loads(content or b"null")
    except ValueError:
        return "body is not JSON"
    error = jsonschema.exceptions.best_match(validator.iter_errors(body))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "body"
    return f"{where}: {error.message[:160]}"


class Sampler:
    """Validates the first response of each kind and a share of the rest."""

    def __init__(self, share: float, rng: Callable[[], float] = random.random) -> None:
        self.share = share
        self._rng = rng
        self._validators: dict[tuple[str, int], Any] = {}
        self.validated = 0
        self.violations = 0
        #: "operationId status: reason" → count (first reason of each kind only).
        self.kinds: dict[str, int] = {}
        self._shipped = (0, 0, {})

    def observe(self, op: Operation, status: int, content: bytes) -> None:
        """Maybe validate this response (cheap when it is not sampled)."""
        key = (op.operation_id, status)
        if key in self._validators:
            if self.share <= 0 or self._rng() >= self.share:
                return
        else:
            self._validators[key] = _validator(op, status)
        if status == 0:
            return  # no answer at all: a failure, not a schema question
        self.validated += 1
        reason = check_response(self._validators[key], op, status, content)
        if reason is not None:
            self.violations += 1
            kind = f"{op.operation_id} {status}: {reason}"
            self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def take_report(self) -> dict[str, Any]:
        """Counts since the last report, for a worker→master message."""
        validated, violations, kinds = self._shipped
        delta = {
            "validated": self.validated - validated,
            "violations": self.violations - violations,
            "kinds": {k: n - kinds.get(k, 0) for k, n in self.kinds.items() if n - kinds.get(k, 0)},
        }
        self._shipped = (self.validated, self.violations, dict(self.kinds))
        return delta

    def merge(self, report: Mapping[str, Any]) -> None:
        self.validated += report.get("validated", 0)
        self.violations += report.get("violations", 0)
        for kind, count in report.get("kinds", {}).items():
            self.kinds[kind] = self.kinds.get(kind, 0) + count
