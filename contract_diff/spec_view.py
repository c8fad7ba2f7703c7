"""What the spec and the docs say at one JSON path of one operation's answer.

The comparison walks both answers beside the spec's response schema. A :class:`Cursor`
is the chain of JSON pointers it followed (``$ref``s and ``allOf`` included), so the
deepest ``x-voxai-assumption`` on the way can be named for a difference, and the schema
node's ``enum`` tells which strings are enum-like values (compared by value, casing
included). The docs' own example responses (the spec's ``docs`` examples) show which
shape the public page documents.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from openapi import ASSUMPTION_KEY, assumptions, load_spec, operation

#: The spec's own marker for "every operation answers only the statuses it lists, in JSON".
INFO_POINTER = "/info"
JSON = "application/json"


@functools.cache
def _spec() -> dict[str, Any]:
    return load_spec()


@functools.cache
def _assumption_index() -> dict[str, str]:
    return dict(assumptions(_spec()))


def escape(token: str) -> str:
    """One JSON-pointer reference token."""
    return str(token).replace("~", "~0").replace("/", "~1")


def node_at(pointer: str) -> Any:
    """The raw (unresolved) spec node at ``pointer``; ``None`` if there is none."""
    node: Any = _spec()
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def _follow(pointer: str) -> tuple[str, ...]:
    """``pointer`` and every ``$ref`` target after it (the spec has no cycles)."""
    chain = [pointer]
    node = node_at(pointer)
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        pointer = node["$ref"][1:]
        chain.append(pointer)
        node = node_at(pointer)
    return tuple(chain)


def assumption_reason(pointer: str | None) -> str | None:
    """The marker's text at ``pointer``, read from the spec."""
    return _assumption_index().get(pointer) if pointer else None


@dataclass(frozen=True)
class Cursor:
    """A position in a response schema: the pointers followed to reach it, in order."""

    chain: tuple[str, ...]

    @property
    def pointer(self) -> str:
        return self.chain[-1]

    def _members(self) -> list[str]:
        """This node and its ``allOf`` parts, each resolved."""
        found, todo = [], [self.pointer]
        while todo:
            pointer = _follow(todo.pop(0))[-1]
            found.append(pointer)
            node = node_at(pointer) or {}
            todo += [f"{pointer}/allOf/{i}" for i in range(len(node.get("allOf", [])))]
        return found

    def _extend(self, pointer: str) -> Cursor:
        return Cursor(self.chain + _follow(pointer))

    def child(self, key: str) -> Cursor | None:
        """The schema of field ``key`` (a declared property, else the map's values)."""
        for member in self._members():
            if key in (node_at(member) or {}).get("properties", {}):
                return self._extend(f"{member}/properties/{escape(key)}")
        return self.values()

    def values(self) -> Cursor | None:
        """The schema of a map's values (``additionalProperties``), if this is a map."""
        for member in self._members():
            if isinstance((node_at(member) or {}).get("additionalProperties"), dict):
                return self._extend(f"{member}/additionalProperties")
        return None

    def items(self) -> Cursor | None:
        """The schema of an array's items."""
        for member in self._members():
            if isinstance((node_at(member) or {}).get("items"), dict):
                return self._extend(f"{member}/items")
        return None

    @property
    def enum(self) -> list[Any] | None:
        """The values the spec allows here, where it lists them (``enum`` or ``const``)."""
        for member in self._members():
            node = node_at(member) or {}
            if "enum" in node:
                return list(node["enum"])
            if "const" in node:
                return [node["const"]]
        return None

    @property
    def declared_fields(self) -> bool:
        """True when the spec names this object's fields (else it is free-form or a map)."""
        return any("properties" in (node_at(m) or {}) for m in self._members())

    @property
    def is_map(self) -> bool:
        """An object whose keys are data (``secrets``: provider field names), not fields."""
        return not self.declared_fields and self.values() is not None

    @property
    def free_form(self) -> bool:
        """An object the spec leaves open (``metadata``, a tool's ``parameters``)."""
        return not self.declared_fields and self.values() is None and self._is_object()

    def _is_object(self) -> bool:
        for member in self._members():
            kind = (node_at(member) or {}).get("type")
            if kind == "object" or (isinstance(kind, list) and "object" in kind):
                return True
        return False

    def assumption(self) -> str | None:
        """The deepest ``x-voxai-assumption`` on the way here (its JSON pointer)."""
        for pointer in reversed(self.chain):
            node = node_at(pointer)
            if isinstance(node, dict) and ASSUMPTION_KEY in node:
                return pointer
        return None


def response_pointer(operation_id: str, status: int) -> str | None:
    """Pointer of the response object the spec lists for ``status``; ``None`` if unlisted."""
    op = operation(operation_id)
    pointer = f"/paths/{escape(op.path)}/{op.method.lower()}/responses/{status}"
    return pointer if node_at(pointer) is not None else None


def body_cursor(operation_id: str, status: int) -> Cursor | None:
    """Where the JSON body schema of this status starts, or ``None``."""
    pointer = response_pointer(operation_id, status)
    if pointer is None:
        return None
    chain = _follow(pointer)
    schema = f"{chain[-1]}/content/{escape(JSON)}/schema"
    if node_at(schema) is None:
        return None
    return Cursor(chain + _follow(schema))


def status_assumption(operation_id: str, status: int) -> str:
    """The marker behind answering ``status``: the response's own, else the spec-wide one."""
    pointer = response_pointer(operation_id, status)
    if pointer is not None:
        for step in reversed(_follow(pointer)):
            node = node_at(step)
            if isinstance(node, dict) and ASSUMPTION_KEY in node:
                return step
    return INFO_POINTER


def docs_example(operation_id: str) -> tuple[int, Any] | None:
    """(status, body) of the docs' example response for the operation, if the docs show one."""
    op = operation(operation_id)
    for status, response in op.definition.get("responses", {}).items():
        media = (response.get("content") or {}).get(JSON, {}) if isinstance(response, dict) else {}
        docs = (media.get("examples") or {}).get("docs")
        if docs is not None:
            return int(status), docs["value"]
    return None


def example_at(example: Any, path: tuple[str, ...]) -> tuple[bool, Any]:
    """(found, value) at ``path`` in the docs example; ``[]`` steps into the first item."""
    node = example
    for step in path:
        if step == "[]" and isinstance(node, list) and node:
            node = node[0]
        elif isinstance(node, dict) and step in node:
            node = node[step]
        else:
            return False, None
    return True, node


def quote(path: tuple[str, ...], value: Any) -> str:
    """The docs example's text at ``path``, as the page prints it (``"createdAt": 1711800000``)."""
    if path and path[-1] != "[]":
        return f"{json.dumps(path[-1])}: {json.dumps(value)}"
    return json.dumps(value)
