"""What a fault may do to one operation, and Prism's ``Prefer: code=NNN``.

A fault (an admin rule or an ``X-VoxAI-Mock`` header) may force only a status the operation
documents or an outage status, and drop only a field its success response has: anything
else is refused up front with a 400 naming what is allowed, instead of doing nothing.
Storage and matching of rules: ``fault_rules``; applying them to a request: ``control``.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import ApiError, field_error

_PREFER_CODE = re.compile(r"(?:^|[,;\s])code\s*=\s*\"?(\d{3})\"?")
#: Statuses any HTTP service may answer in an outage; the contract suite reports them as
#: server errors, so every operation may be forced to them although the spec lists none.
OUTAGE_STATUSES = (500, 502, 503, 504)


def allowed_statuses(rule) -> tuple[int, ...]:
    """Statuses a fault may force on the operation of ``rule`` (an ``OperationRule``)."""
    return tuple(sorted({s for s in rule.statuses if s >= 400} | set(OUTAGE_STATUSES)))


def check_for_operation(rule, fault: dict[str, Any], location: str, prefix: str = "") -> None:
    """Refuse a fault that could not do what it says on this operation.

    :raise 400: ``status`` is neither documented for the operation nor an outage status, or
        ``drop_field`` names a field the operation's success response does not have.
    """
    details = []
    status = fault.get("status")
    if status is not None and status not in allowed_statuses(rule):
        allowed = ", ".join(str(s) for s in allowed_statuses(rule))
        details.append(
            field_error(
                location,
                f"{prefix}status",
                f"{rule.operation_id} does not document status {status}; allowed: {allowed}",
            )
        )
    path = fault.get("drop_field")
    if path:
        problem = field_problem(success_schema(rule), path.split("."), [])
        if problem:
            message = f"drop_field '{path}': {rule.operation_id}'s response has {problem}"
            details.append(field_error(location, f"{prefix}drop_field", message))
    if details:
        raise ApiError(400, "; ".join(d["message"] for d in details), details)


def success_schema(rule) -> dict[str, Any]:
    """The (resolved) JSON schema of the operation's success response ({} if none)."""
    response = rule.responses.get(str(rule.success_status), {})
    return response.get("content", {}).get("application/json", {}).get("schema", {})


def _branches(schema: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [schema]
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, []):
            nodes += _branches(sub)
    return nodes


def field_problem(schema: dict[str, Any], parts: list[str], done: list[str]) -> str | None:
    """Why the dotted path ``parts`` is not in ``schema`` (``None`` when it is): ``*`` and
    indexes step into arrays (``*`` also into every property), names into properties or a
    map's values."""
    if not parts:
        return None
    part, rest = parts[0], parts[1:]
    here, names, problems = ".".join([*done, part]), set(), []
    for node in _branches(schema):
        props = node.get("properties", {})
        names.update(props)
        children = []
        if "items" in node and (part == "*" or part.isdigit()):
            children.append(node["items"])
        if part in props:
            children.append(props[part])
        elif part == "*":
            children += list(props.values())
        if isinstance(node.get("additionalProperties"), dict) and part not in props:
            children.append(node["additionalProperties"])
        for child in children:
            problem = field_problem(child, rest, [*done, part])
            if problem is None:
                return None
            problems.append(problem)
    if problems:
        return problems[0]
    there = f" (fields there: {', '.join(sorted(names))})" if names else ""
    return f"no field '{part}' at '{here}'{there}"


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
