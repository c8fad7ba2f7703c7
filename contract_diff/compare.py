"""Structural differences between two answers to the same request.

Compared: the status code, the content type, and the JSON body as a shape: the set of
fields at every path (items of an array merged, so ``$.rooms[].createdAt`` covers every
room), each path's JSON types, numbers against numeric strings, array against object
wrapping (a bare array against ``{"tools": [...]}``, a body nested under one key),
empty against non-empty arrays, and enum-like values (where the spec lists the allowed
values) including their casing. Other values (IDs, tokens, times, names) are never
compared: they legitimately differ between targets; their types do not. Fields whose
schema is free-form (``metadata``) are compared as a whole; map keys (a provider's secret
names) are data, so only the map's value types are compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contract_diff import spec_view
from contract_diff.scenario import Observation

Path = tuple[str, ...]
MAP_VALUES = "*"  #: the path step for a map's values: ``$.secrets.*``
ITEMS = "[]"


@dataclass
class Difference:
    """One way the target's answer differs from the reference's, and (later) its verdict."""

    operation: str
    case: str
    path: str  #: ``status``, ``content-type`` or a JSON path such as ``$.rooms[].createdAt``
    kind: str
    reference: str  #: what the reference answered, as a shape (never a value but enum values)
    target: str
    steps: Path = ()  #: the JSON path as steps (``("rooms", "[]", "createdAt")``)
    schema_assumption: str | None = None  #: the deepest marker on the schema path, if any
    verdict: str = ""
    docs: list[str] = field(default_factory=list)
    assumption: str | None = None
    assumption_reason: str | None = None
    breaks_docs: str | None = None  #: "reference" or "target": the side the docs rule out


def json_path(steps: Path) -> str:
    out = "$"
    for step in steps:
        out += step if step == ITEMS else f".{step}"
    return out


def json_type(value: Any) -> str:
    """The JSON type of a decoded value (JSON has one number type)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower() or "(none)"


class _Walk:
    """Walks both sides' values at the same paths, collecting differences."""

    def __init__(self, ref: Observation) -> None:
        self.ref = ref
        self.found: list[Difference] = []

    def add(self, steps: Path, kind: str, ref: str, tgt: str, cursor, path: str = "") -> None:
        self.found.append(
            Difference(
                self.ref.operation,
                self.ref.case,
                path or json_path(steps),
                kind,
                ref,
                tgt,
                steps,
                cursor.assumption() if cursor is not None else None,
            )
        )

    def walk(self, refs: list[Any], tgts: list[Any], steps: Path, cursor) -> None:
        if not refs or not tgts:
            return  # nothing seen on one side (an empty listing): no shape to compare
        rtypes = {json_type(v) for v in refs}
        ttypes = {json_type(v) for v in tgts}
        if rtypes != ttypes and self._wrapping(refs, tgts, rtypes, ttypes, steps, cursor):
            return
        if rtypes != ttypes:
            numeric = all(_numeric(v) for v in (*refs, *tgts) if isinstance(v, str))
            pair = {frozenset(rtypes), frozenset(ttypes)}
            numeric = numeric and pair == {frozenset({"number"}), frozenset({"string"})}
            kind = "numeric_string" if numeric else "type"
            self.add(steps, kind, _types(rtypes, kind), _types(ttypes, kind), cursor)
        objects = [v for v in refs if isinstance(v, dict)], [v for v in tgts if isinstance(v, dict)]
        if objects[0] and objects[1]:
            self._objects(*objects, steps, cursor)
        arrays = [v for v in refs if isinstance(v, list)], [v for v in tgts if isinstance(v, list)]
        if arrays[0] and arrays[1]:
            items_r = [item for array in arrays[0] for item in array]
            items_t = [item for array in arrays[1] for item in array]
            if bool(items_r) != bool(items_t):
                self.add(steps, "array_emptiness", _count(items_r), _count(items_t), cursor)
            self.walk(items_r, items_t, (*steps, ITEMS), cursor.items() if cursor else None)
        enum = cursor.enum if cursor is not None else None
        strings = {v for v in refs if isinstance(v, str)}, {v for v in tgts if isinstance(v, str)}
        if enum and strings[0] and strings[1] and strings[0] != strings[1]:
            casing = {v.lower() for v in strings[0]} == {v.lower() for v in strings[1]}
            kind = "enum_casing" if casing else "enum_value"
            self.add(steps, kind, _values(strings[0]), _values(strings[1]), cursor)

    def _wrapping(self, refs, tgts, rtypes, ttypes, steps, cursor) -> bool:
        """A bare array on one side, an object holding it on the other."""
        if {frozenset(rtypes), frozenset(ttypes)} != {frozenset({"array"}), frozenset({"object"})}:
            return False
        ref_is_object = rtypes == {"object"}
        objects = refs if ref_is_object else tgts
        key = _array_key(objects)
        if key is None:
            return False
        shape = f"object {{{', '.join(sorted({k for o in objects for k in o}))}}}"
        if ref_is_object:
            self.add(steps, "wrapping", shape, f"bare array (the reference's {key!r})", cursor)
            inner = [o[key] for o in refs if key in o]
            child = cursor.child(key) if cursor else None
            self.walk(inner, tgts, (*steps, key), child)
        else:
            self.add(steps, "wrapping", f"bare array (the target's {key!r})", shape, cursor)
            self.walk(refs, [o[key] for o in tgts if key in o], steps, cursor)
        return True

    def _objects(self, refs: list[dict], tgts: list[dict], steps: Path, cursor) -> None:
        if cursor is not None and cursor.free_form:
            return  # metadata, a tool's parameters: the data's own shape, not the API's
        if cursor is not None and cursor.is_map:
            values = [v for o in refs for v in o.values()], [v for o in tgts for v in o.values()]
            self.walk(*values, (*steps, MAP_VALUES), cursor.values())
            return
        rkeys = {k for o in refs for k in o}
        tkeys = {k for o in tgts for k in o}
        missing, extra = rkeys - tkeys, tkeys - rkeys
        nested = _nesting_key(tgts, extra, missing)
        if nested is not None:
            self.add(steps, "wrapping", "the object itself", f"nested under {nested!r}", cursor)
            self.walk(refs, [o[nested] for o in tgts if nested in o], steps, cursor)
            return
        nested = _nesting_key(refs, missing, extra)
        if nested is not None:
            self.add(steps, "wrapping", f"nested under {nested!r}", "the object itself", cursor)
            self.walk([o[nested] for o in refs if nested in o], tgts, steps, cursor)
            return
        for key in sorted(missing):
            child = cursor.child(key) if cursor else None
            seen = _types({json_type(o[key]) for o in refs if key in o}, "")
            self.add((*steps, key), "field", f"present ({seen})", "absent", child or cursor)
        for key in sorted(extra):
            seen = _types({json_type(o[key]) for o in tgts if key in o}, "")
            self.add((*steps, key), "field", "absent", f"present ({seen})", cursor)
        for key in sorted(rkeys & tkeys):
            child = cursor.child(key) if cursor else None
            self.walk(
                [o[key] for o in refs if key in o],
                [o[key] for o in tgts if key in o],
                (*steps, key),
                child,
            )


def _array_key(objects: list[dict]) -> str | None:
    keys = [k for k in sorted({k for o in objects for k in o}) if all(k in o for o in objects)]
    arrays = [k for k in keys if all(isinstance(o[k], list) for o in objects)]
    return arrays[0] if arrays else None


def _nesting_key(objects: list[dict], extra: set[str], missing: set[str]) -> str | None:
    """The extra key whose object holds most of the missing fields (a nested body), if any."""
    if len(missing) < 2:
        return None
    for key in sorted(extra):
        inner = [o[key] for o in objects if key in o]
        if inner and all(isinstance(v, dict) for v in inner):
            covered = missing & {k for v in inner for k in v}
            if len(covered) * 2 >= len(missing):
                return key
    return None


def _types(types: set[str] | frozenset[str], kind: str) -> str:
    text = " or ".join(sorted(types))
    return f"{text} (numeric)" if kind == "numeric_string" and text == "string" else text


def _count(items: list[Any]) -> str:
    return f"{len(items)} item(s)" if items else "empty array"


def _values(values: set[str]) -> str:
    return ", ".join(repr(v) for v in sorted(values))


def compare(ref: Observation, tgt: Observation) -> list[Difference]:
    """Every structural difference of ``tgt``'s answer from ``ref``'s (same operation, case)."""
    walk = _Walk(ref)
    if ref.status is None or tgt.status is None:
        if (ref.status is None) != (tgt.status is None):
            answers = ref.error or str(ref.status), tgt.error or str(tgt.status)
            walk.add((), "no_answer", *answers, None, path="status")
        return walk.found
    if ref.status != tgt.status:
        walk.add((), "status", str(ref.status), str(tgt.status), None, path="status")
    types = media_type(ref.content_type), media_type(tgt.content_type)
    if types[0] != types[1]:
        walk.add((), "content_type", *types, None, path="content-type")
    if ref.status // 100 != tgt.status // 100:
        return walk.found  # a success against a refusal: the bodies are not the same thing
    cursor = spec_view.body_cursor(ref.operation, ref.status) or spec_view.body_cursor(
        ref.operation, tgt.status
    )
    if (ref.body is None) != (tgt.body is None):
        walk.add((), "type", _body(ref.body), _body(tgt.body), cursor)
        return walk.found
    if ref.body is not None:
        walk.walk([ref.body], [tgt.body], (), cursor)
    return walk.found


def _body(body: Any) -> str:
    return "no JSON body" if body is None else f"JSON {json_type(body)}"
