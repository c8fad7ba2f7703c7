"""Fault rules per operationId (latency, forced status, error rate, dropped field) and
Prism's ``Prefer: code=NNN``. A closed set of kinds, every knob bounded by the admin spec."""

from __future__ import annotations

import random
import re
import time
from typing import Any

from .errors import ApiError

_PREFER_CODE = re.compile(r"(?:^|[,;\s])code\s*=\s*\"?(\d{3})\"?")
_MISSING = object()


def apply_before(rule: dict[str, Any] | None) -> None:
    """Sleep for ``latency_ms``, then maybe raise the forced status (``error_rate``)."""
    if not rule:
        return
    if rule.get("latency_ms"):
        time.sleep(min(int(rule["latency_ms"]), 10_000) / 1000)
    if "status" in rule or "error_rate" in rule:
        rate = float(rule.get("error_rate", 1.0))
        if rate > 0 and random.random() < rate:
            status = int(rule.get("status", 500))
            raise ApiError(status, f"Injected fault: status {status}")


def preferred_code(header: str | None) -> int | None:
    """The status a ``Prefer`` header asks for, if any."""
    if not header:
        return None
    match = _PREFER_CODE.search(header)
    return int(match.group(1)) if match else None


def check_preferred(code: int, documented: tuple[int, ...], success: int) -> None:
    """Raise the forced error response; a documented success code lets the operation run.

    :raise 400: ``code`` is not documented for the operation (the message lists those that are).
    """
    if code not in documented:
        allowed = ", ".join(str(c) for c in documented)
        raise ApiError(
            400,
            f"Prefer: code={code} is not documented here; allowed: {allowed}",
            [{"location": "header", "field": "Prefer", "message": f"allowed codes: {allowed}"}],
        )
    if code >= 400:
        raise ApiError(code, f"Forced by Prefer: code={code}")
    if code != success:
        raise ApiError(
            400, f"Prefer: code={code} cannot be forced; the operation answers {success}"
        )


def drop_field(body: Any, path: str) -> Any:
    """Remove the field at a dotted path (``rooms.0.fullName``, ``agents.*.is_active``)."""
    parts = path.split(".")

    def walk(node: Any, index: int) -> None:
        part = parts[index]
        last = index == len(parts) - 1
        if part == "*":
            children = (
                node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
            )
            for child in list(children):
                if last:
                    continue
                walk(child, index + 1)
            if last and isinstance(node, dict):
                node.clear()
            elif last and isinstance(node, list):
                node.clear()
            return
        if isinstance(node, dict):
            if last:
                node.pop(part, None)
            elif part in node:
                walk(node[part], index + 1)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            if last:
                node.pop(int(part))
            else:
                walk(node[int(part)], index + 1)

    walk(body, 0)
    return body
