"""The request journal's entries: what was asked and answered, with the evidence (bodies,
error message, applied fault), and never a secret.

A request only captures its raw facts (``capture``: no parsing); ``render`` parses and
redacts them when the journal is read, or before an entry leaves the process (the shared
journal's SQLite file). Parsing and redacting both bodies on every request was a tenth of a
token request's time (py-spy, README "Benchmarks"). Only a body over ``BODY_LIMIT`` is
worked on as it is recorded: redacted whole, then cut (``bounded``), so the journal stays
bounded by its entry count and no part of a secret survives the cut.

Secrets go twice over: by field, every property the product spec marks ``x-voxai-secret``
(its value, or every value of a map); and by value, every seeded API key and secret value
wherever it appears (paths, query strings, bodies, messages). API keys themselves are never
kept: the entry holds the key's project.
"""

from __future__ import annotations

import functools
import json
import time
from collections import deque
from typing import Any, NamedTuple

from werkzeug.exceptions import HTTPException

import openapi

FILTERED = "[Filtered]"
#: Bytes of a body kept per entry; a longer body is kept as cut text.
BODY_LIMIT = 8192
#: Seeded values shorter than this are replaced only where they are a whole string, so a
#: short value (livekit-server --dev's "secret") does not mangle ordinary words.
_SUBSTRING_MIN = 8


@functools.cache
def secret_fields() -> frozenset[str]:
    """Names of the properties ``voxai.yaml`` marks ``x-voxai-secret``."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for name, prop in (node.get("properties") or {}).items():
                if isinstance(prop, dict) and prop.get("x-voxai-secret"):
                    names.add(name)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(openapi.load_spec())
    return frozenset(names)


class Redactor:
    """Replaces secrets by ``[Filtered]``; built from the seed and the configuration."""

    def __init__(self, seed, config) -> None:
        values = {p.api_key for p in seed.projects.values()}
        for providers in seed.secrets.values():
            values |= {v for fields in providers.values() for v in fields.values()}
        values.add(config.livekit_api_secret)
        values.discard("")
        ordered = sorted(values, key=len, reverse=True)  # a longer secret before its prefix
        self.long = [v for v in ordered if len(v) >= _SUBSTRING_MIN]
        self.short = frozenset(v for v in ordered if len(v) < _SUBSTRING_MIN)
        self.fields = secret_fields()

    def text(self, value: str) -> str:
        if value in self.short:
            return FILTERED
        for secret in self.long:
            if secret in value:
                value = value.replace(secret, FILTERED)
        return value

    def data(self, node: Any) -> Any:
        """A copy of parsed JSON with secret fields and secret values replaced."""
        if isinstance(node, dict):
            return {
                k: self._field(v) if k in self.fields else self.data(v) for k, v in node.items()
            }
        if isinstance(node, list):
            return [self.data(v) for v in node]
        return self.text(node) if isinstance(node, str) else node

    def _field(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: FILTERED for k in value}
        return FILTERED if value is not None else None


def _body(raw: bytes | None, cut: bool, redactor: Redactor) -> Any:
    if not raw:
        return None
    if cut:
        return redactor.text(raw.decode("utf-8", "replace"))
    try:
        return redactor.data(json.loads(raw))
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep: as text
        return redactor.text(raw.decode("utf-8", "replace"))


def request_bytes(req, max_bytes: int) -> bytes | None:
    """The request body, if it was small enough to be read (never raises)."""
    if req.content_length is None or req.content_length > max_bytes:
        return None
    try:
        return req.get_data(cache=True)
    except (HTTPException, OSError):
        return None


class Captured(NamedTuple):
    """One request's raw facts, as the hot path keeps them (``render`` makes the entry)."""

    method: str
    path: str
    query: dict[str, str]
    operation_id: str | None
    status: int
    duration_ms: float
    at: float
    project_id: str | None
    test_id: str | None
    request_raw: bytes | None
    request_cut: bool
    response_raw: bytes | None
    response_cut: bool
    fault: Any


def capture(req, status: int, response_raw: bytes | None, ctx, max_bytes: int) -> Captured:
    """What ``render`` needs of a request and its answer: cheap, nothing parsed or redacted."""
    rule = getattr(ctx, "rule", None)
    project = getattr(ctx, "project", None)
    started = getattr(ctx, "started", None)
    request_raw = getattr(ctx, "raw_body", None)
    if request_raw is None:  # the edge did not read it (no operation, or dropped before)
        request_raw = request_bytes(req, max_bytes)
    return Captured(
        method=req.method,
        path=req.path,
        query=dict(req.args.items()) if req.query_string else {},
        operation_id=rule.operation_id if rule else None,
        status=status,
        duration_ms=round((time.perf_counter() - started) * 1000, 3) if started else 0.0,
        at=time.time(),
        project_id=project.id if project else getattr(ctx, "key_project_id", None),
        test_id=getattr(ctx, "test_id", None),
        request_raw=request_raw or None,
        request_cut=False,
        # A right-sized copy: orjson's output keeps its 4 KiB buffer, which 2,000 entries
        # held as 8 MiB (tracemalloc).
        response_raw=bytes(memoryview(response_raw)) if response_raw else None,
        response_cut=False,
        fault=getattr(ctx, "control", None),
    )


def _redacted_then_cut(raw: bytes, redactor: Redactor) -> bytes:
    """A body over ``BODY_LIMIT``, redacted whole (by field too, when it is JSON), then cut:
    cut first, a secret across the cut would keep its other part, and a field whose name
    was cut off would keep its value."""
    value = _body(raw, False, redactor)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text.encode()[:BODY_LIMIT]


def bounded(captured: Captured, redactor: Redactor) -> Captured:
    """``captured`` with each body over ``BODY_LIMIT`` redacted and cut (others as they are)."""
    request, response = captured.request_raw, captured.response_raw
    if (not request or len(request) <= BODY_LIMIT) and (
        not response or len(response) <= BODY_LIMIT
    ):
        return captured  # every request records: the common case is two length checks
    changes: dict[str, Any] = {}
    for side in ("request", "response"):
        raw = getattr(captured, f"{side}_raw")
        if raw and len(raw) > BODY_LIMIT and not getattr(captured, f"{side}_cut"):
            changes[f"{side}_raw"] = _redacted_then_cut(raw, redactor)
            changes[f"{side}_cut"] = True
    return captured._replace(**changes) if changes else captured


def render(captured: Captured, redactor: Redactor) -> dict[str, Any]:
    """The journal entry (``at`` as Unix time; ``MockState.requests`` formats it)."""
    captured = bounded(captured, redactor)
    request_body = _body(captured.request_raw, captured.request_cut, redactor)
    response_body = _body(captured.response_raw, captured.response_cut, redactor)
    error = None
    if captured.status >= 400 and isinstance(response_body, dict):
        error = response_body.get("message")
    item: dict[str, Any] = {
        "method": captured.method,
        "path": redactor.text(captured.path),
        "query": {k: redactor.text(v) for k, v in captured.query.items()},
        "operation_id": captured.operation_id,
        "status": captured.status,
        "duration_ms": captured.duration_ms,
        "at": captured.at,
        "project_id": captured.project_id,
        "test_id": captured.test_id,
        "request_body": request_body,
        "response_body": response_body,
        "error": error,
        "fault": captured.fault,
    }
    if captured.request_cut:
        item["request_body_truncated"] = True
    if captured.response_cut:
        item["response_body_truncated"] = True
    return item


class MemoryJournal:
    """One process's journal: the newest ``maxlen`` captures, rendered when read, each with
    the redactor in force when it was recorded (a reset may load other secrets since)."""

    def __init__(self, maxlen: int, redactor: Redactor) -> None:
        self._entries: deque[tuple[Captured, Redactor]] = deque(maxlen=maxlen)
        self.redactor = redactor

    def append(self, captured: Captured) -> None:
        # Only a body over BODY_LIMIT is worked on now (the journal keeps bodies bounded);
        # deque.append is atomic: no lock on the hot path.
        self._entries.append((bounded(captured, self.redactor), self.redactor))

    def clear(self) -> None:
        self._entries.clear()

    def select(self, limit: int | None = None, **filters: Any) -> list[dict[str, Any]]:
        """The newest ``limit`` entries matching every filter given (``None`` = any), oldest
        first. Filters and the limit apply to the captures: only what is returned is
        rendered (rendering all 2,000 entries made every journal read cost 50-350 ms)."""
        entries = list(self._entries)
        chosen = newest(entries, limit, lambda entry, key: getattr(entry[0], key), filters)
        return [render(c, r) for c, r in chosen]

    def __len__(self) -> int:
        return len(self._entries)


def newest(items: list, limit: int | None, value_of, filters: dict[str, Any]) -> list:
    """The newest ``limit`` items (all for ``None``) whose ``value_of(item, key)`` equals
    every filter given (``None`` = any), oldest first."""
    wanted = {k: v for k, v in filters.items() if v is not None}
    chosen = [i for i in items if all(value_of(i, k) == v for k, v in wanted.items())]
    if limit is None:
        return chosen
    return chosen[-limit:] if limit > 0 else []
