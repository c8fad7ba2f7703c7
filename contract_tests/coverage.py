"""What the run actually exercised on the target, against what the spec documents.

Every response the suite sees (property, stateful and scenario tests) is observed here:
the operation, the status, and the values sent for fields and parameters the spec
closes with an ``enum``. At the end, :func:`build` sets that beside the spec's documented
statuses, enum values and links, and beside the docs text each rule cites, so a user
sees what a green run did not reach. ``--report-dir DIR`` writes it as
``coverage.json`` and ``coverage.md``.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import defaultdict
from typing import Any

from openapi import Operation, iter_operations, resolve_refs

_lock = threading.Lock()
#: operationId -> statuses answered
statuses_seen: dict[str, set[int]] = defaultdict(set)
#: operationId -> field -> values sent that were answered 2xx
enum_values_sent: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
#: operationIds answered 2xx inside the stateful (link-following) test
stateful_answered: set[str] = set()


@functools.cache
def _operations() -> tuple[tuple[Operation, re.Pattern[str]], ...]:
    found = []
    for op in iter_operations():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(op.path))
        found.append((op, re.compile(f"^{pattern}$")))
    return tuple(found)


def operation_for(method: str, path: str) -> Operation | None:
    """The spec operation a concrete request addresses (``None`` for an unknown path)."""
    path = path.split("?", 1)[0]
    for op, pattern in _operations():
        if op.method == method.upper() and pattern.match(path):
            return op
    return None


@functools.cache
def enum_fields(operation_id: str) -> dict[str, list[str]]:
    """Request fields and parameters of an operation that the spec closes with an enum."""
    op = next(o for o in iter_operations() if o.operation_id == operation_id)
    fields: dict[str, list[str]] = {}
    for param in op.parameters:
        param = resolve_refs(param)
        enum = _enum_of(param.get("schema", {}))
        if enum:
            fields[param["name"]] = enum
    body = resolve_refs(op.definition.get("requestBody", {}))
    for media in body.get("content", {}).values():
        for name, schema in resolve_refs(media.get("schema", {})).get("properties", {}).items():
            enum = _enum_of(schema)
            if enum:
                fields[name] = enum
    return fields


def _enum_of(schema: dict[str, Any]) -> list[str]:
    schema = resolve_refs(schema)
    enum = schema.get("enum") or resolve_refs(schema.get("items", {})).get("enum") or []
    return [str(value) for value in enum]


def observe(
    operation_id: str,
    status: int,
    sent: dict[str, Any] | None = None,
    *,
    stateful: bool = False,
) -> None:
    """Record one answered request: its status and the enum values it sent."""
    with _lock:
        statuses_seen[operation_id].add(status)
        if not 200 <= status < 300:
            return
        if stateful:
            stateful_answered.add(operation_id)
        for name in enum_fields(operation_id):
            value = (sent or {}).get(name)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str | int) and not isinstance(item, bool):
                    enum_values_sent[operation_id][name].add(str(item))


def _links(op: Operation) -> list[dict[str, Any]]:
    links = []
    for status, response in op.definition.get("responses", {}).items():
        for name, link in resolve_refs(response).get("links", {}).items():
            target = link.get("operationId")
            links.append(
                {
                    "name": name,
                    "from_status": status,
                    "to": target,
                    "followed": op.operation_id in stateful_answered
                    and target in stateful_answered,
                }
            )
    return links


_WORST = {"not exercised": 0, "passed": 1, "warned": 2, "failed": 3}


def build(rule_outcomes: dict[str, dict[str, int]], rules: dict[str, Any]) -> dict[str, Any]:
    """The coverage report as JSON-ready data."""
    operations = {}
    for op in iter_operations():
        documented = sorted(int(s) for s in op.definition.get("responses", {}) if s.isdigit())
        seen = statuses_seen.get(op.operation_id, set())
        enums = {
            name: {
                "documented": values,
                "exercised": sorted(enum_values_sent[op.operation_id][name] & set(values)),
                "not_exercised": sorted(set(values) - enum_values_sent[op.operation_id][name]),
            }
            for name, values in enum_fields(op.operation_id).items()
        }
        operations[op.operation_id] = {
            "method": op.method,
            "path": op.path,
            "statuses": {
                "documented": documented,
                "seen": sorted(set(documented) & seen),
                "not_seen": sorted(set(documented) - seen),
                "undocumented_seen": sorted(seen - set(documented)),
            },
            "enums": enums,
            "links": _links(op),
        }
    quotes: dict[str, dict[str, Any]] = {}
    for rule in rules.values():
        for quote in rule.quotes:
            entry = quotes.setdefault(quote, {"rules": [], "verdict": "not exercised"})
            entry["rules"].append(rule.name)
            counts = rule_outcomes.get(rule.name, {})
            for verdict in ("failed", "warned", "passed"):  # the worst outcome speaks
                if counts.get(verdict, 0) and _WORST[verdict] > _WORST[entry["verdict"]]:
                    entry["verdict"] = verdict
    return {
        "operations": operations,
        "docs_text": [{"quote": quote, **entry} for quote, entry in quotes.items()],
    }


def exercised_share(data: dict[str, Any]) -> tuple[int, int]:
    """(exercised, documented): statuses seen plus enum values sent, over all operations."""
    done = total = 0
    for op in data["operations"].values():
        done += len(op["statuses"]["seen"])
        total += len(op["statuses"]["documented"])
        for enum in op["enums"].values():
            done += len(enum["exercised"])
            total += len(enum["documented"])
    return done, total


def summary_lines(data: dict[str, Any]) -> list[str]:
    """The short console table: per operation, statuses and enum values reached."""
    lines = []
    for op_id, op in data["operations"].items():
        statuses = op["statuses"]
        values = sum(len(e["documented"]) for e in op["enums"].values())
        sent = sum(len(e["exercised"]) for e in op["enums"].values())
        enums = f"  enum values {sent}/{values}" if values else ""
        missing = f" (never: {_join(statuses['not_seen'])})" if statuses["not_seen"] else ""
        lines.append(
            f"{op_id:22} statuses {len(statuses['seen'])}/{len(statuses['documented'])}"
            f"{missing}{enums}"
        )
    done, total = exercised_share(data)
    lines.append(f"documented statuses and enum values exercised: {done}/{total}")
    return lines


def render_markdown(data: dict[str, Any]) -> str:
    """``coverage.md``: one table per concern, what was reached and what was not."""
    lines = ["# What this run exercised", "", "## Documented statuses per operation", ""]
    lines += ["| operation | seen | not seen | undocumented seen |", "| --- | --- | --- | --- |"]
    for op_id, op in data["operations"].items():
        s = op["statuses"]
        lines.append(
            f"| `{op_id}` | {_join(s['seen'])} | {_join(s['not_seen'])} | "
            f"{_join(s['undocumented_seen'])} |"
        )
    lines += ["", "## Enum values sent (and answered 2xx)", ""]
    lines += ["| operation | field | exercised | not exercised |", "| --- | --- | --- | --- |"]
    for op_id, op in data["operations"].items():
        for name, enum in op["enums"].items():
            lines.append(
                f"| `{op_id}` | `{name}` | {_join(enum['exercised'])} | "
                f"{_join(enum['not_exercised'])} |"
            )
    lines += [
        "",
        "## Links of the spec",
        "",
        "| from | link | to | followed |",
        "| --- | --- | --- | --- |",
    ]
    for op_id, op in data["operations"].items():
        for link in op["links"]:
            lines.append(
                f"| `{op_id}` {link['from_status']} | {link['name']} | `{link['to']}` | "
                f"{'yes' if link['followed'] else 'no'} |"
            )
    lines += [
        "",
        "## Docs text the rules cite",
        "",
        "| docs text | rules | verdict |",
        "| --- | --- | --- |",
    ]
    for entry in data["docs_text"]:
        rules = ", ".join(f"`{r}`" for r in entry["rules"])
        lines.append(f"| {entry['quote']} | {rules} | {entry['verdict']} |")
    return "\n".join(lines) + "\n"


def _join(values: list[Any]) -> str:
    return ", ".join(str(v) for v in values) or "–"
