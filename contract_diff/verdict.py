"""Docs decide or docs silent: which differences the public docs settle.

A difference is **docs decide** when one side breaks what the docs page states: a
sentence (every quote here is verbatim text of the docs page, whose copy sits beside the
spec; a test proves it) or the shape of the docs' own example response (a field it
shows, the JSON type of a value it shows). Then the report names the side that breaks
it, so the team fixes that side. Otherwise it is **docs silent**: both answers are
allowed, and the report names the spec's ``x-voxai-assumption`` behind the mock's
choice, so the team can change that choice in one place or accept the difference.

Besides the structural differences, a few docs sentences are checked on the values
themselves (room names, dispatched agents); a sentence that holds on one side only is a
``docs_rule`` difference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from contract_diff import spec_view
from contract_diff.compare import Difference, json_type
from contract_diff.scenario import Observation

DECIDE, SILENT = "docs decide", "docs silent"

AUTH = "All requests require an X-API-Key header."
ROOM = "Room name (auto-prefixed with project prefix)"
TOKEN = "Generate a LiveKit token to join a room."
ADD_ENTRY = "Adds a transcript entry to an active session for a given room."
END = "Ends an active session, marking it as completed."

#: Fields whose values the docs list in words, by field name: the quote and the values.
DOCS_ENUMS: dict[str, tuple[str, frozenset[str]]] = {
    "speaker": ('"agent", "user", or "system"', frozenset({"agent", "user", "system"})),
    "session_type": ('"voice" or "sip"', frozenset({"voice", "sip"})),
    "period": ('"today", "7d", "30d", or "all"', frozenset({"today", "7d", "30d", "all"})),
    "group_by": (
        '"day", "model", "agent", or "service"',
        frozenset({"day", "model", "agent", "service"}),
    ),
}

#: (operation, case) → the status class the docs imply, and the docs text that says so.
EXPECTED_STATUS: dict[tuple[str, str], tuple[int, tuple[str, ...]]] = {
    ("listAgents", "ok"): (2, ("Returns all agent configurations for the project",)),
    ("listAgents", "missing_key"): (4, (AUTH,)),
    ("createToken", "ok"): (2, (TOKEN,)),
    ("createToken", "invalid_body"): (4, ("identitystringYesUser identity for the room",)),
    ("createToken", "missing_key"): (4, (AUTH,)),
    ("listRooms", "ok"): (2, ("Returns all currently active LiveKit rooms for your project.",)),
    ("createSession", "ok"): (2, ("Creates a new session log entry",)),
    ("createSession", "invalid_body"): (4, ("room_namestringYesRoom name for the session",)),
    ("addTranscriptEntry", "ok"): (2, (ADD_ENTRY,)),
    ("addTranscriptEntry", "invalid_body"): (4, ('"agent", "user", or "system"',)),
    ("addTranscriptEntry", "ended_session"): (4, (END, ADD_ENTRY)),
    ("endSession", "ok"): (2, (END,)),
    ("searchKnowledge", "invalid_body"): (4, ("knowledge_base_idnumberYesKnowledge base ID",)),
    ("getUsage", "ok"): (2, ("Returns usage and cost data for your project",)),
    ("getProviderSecrets", "other_project"): (4, ("Must match the project of your API key",)),
}


@dataclass(frozen=True)
class DocsRule:
    """A docs sentence checked on the answer's values; ``holds`` returns None if not applicable."""

    name: str
    operation: str
    case: str
    path: str
    quotes: tuple[str, ...]
    holds: Callable[[Observation], tuple[bool, str] | None]


def _token_room(seen: Observation) -> tuple[bool, str] | None:
    sent = (seen.sent or {}).get("room")
    room = seen.body.get("room") if isinstance(seen.body, dict) else None
    if not isinstance(sent, str) or not isinstance(room, str):
        return None
    return room != sent and room.endswith(sent), f"{room!r} for {sent!r}"


def _no_agent(seen: Observation) -> tuple[bool, str] | None:
    body = seen.body if isinstance(seen.body, dict) else {}
    dispatched = body.get("agents_dispatched")
    if not (seen.sent or {}).get("no_agent") or not isinstance(dispatched, list):
        return None
    return not dispatched, f"agents_dispatched {dispatched}"


def _rooms_unprefixed(seen: Observation) -> tuple[bool, str] | None:
    rooms = seen.body.get("rooms") if isinstance(seen.body, dict) else None
    named = [
        r
        for r in rooms or []
        if isinstance(r, dict) and all(isinstance(r.get(k), str) for k in ("name", "fullName"))
    ]
    if not named:
        return None
    bad = [r for r in named if r["name"] == r["fullName"] or not r["fullName"].endswith(r["name"])]
    if bad:
        return False, f"name {bad[0]['name']!r}, fullName {bad[0]['fullName']!r}"
    return True, f"{len(named)} room(s): name without the prefix"


DOCS_RULES: tuple[DocsRule, ...] = (
    DocsRule(
        "room_is_prefixed",
        "createToken",
        "ok",
        "$.room",
        (ROOM, '"room": "proj_my-room"'),
        _token_room,
    ),
    DocsRule(
        "no_agent_dispatches_nothing",
        "createToken",
        "ok",
        "$.agents_dispatched",
        ("If true, no agent is dispatched",),
        _no_agent,
    ),
    DocsRule(
        "room_name_is_unprefixed",
        "listRooms",
        "ok",
        "$.rooms[].name",
        ('"name": "my-room", "fullName": "proj_my-room"', "Room name (without project prefix)"),
        _rooms_unprefixed,
    ),
)


def rule_differences(ref: Observation, tgt: Observation) -> list[Difference]:
    """A ``docs_rule`` difference for each docs sentence that holds on one side only."""
    found = []
    for rule in DOCS_RULES:
        if (rule.operation, rule.case) != (ref.operation, ref.case):
            continue
        on_ref, on_tgt = rule.holds(ref), rule.holds(tgt)
        if on_ref is None or on_tgt is None or on_ref[0] == on_tgt[0]:
            continue
        diff = Difference(
            ref.operation, ref.case, rule.path, "docs_rule", _said(on_ref), _said(on_tgt)
        )
        diff.verdict, diff.docs = DECIDE, [*rule.quotes]
        diff.breaks_docs = "target" if on_ref[0] else "reference"
        found.append(diff)
    return found


def _said(result: tuple[bool, str]) -> str:
    return f"{'holds' if result[0] else 'broken'}: {result[1]}"


def _status_class(seen: Observation) -> int | None:
    return seen.status // 100 if seen.status is not None else None


def judge(diff: Difference, ref: Observation, tgt: Observation) -> Difference:
    """Set ``diff``'s verdict, the docs text or assumption behind it, and who breaks the docs."""
    if diff.verdict:
        return diff  # docs rules come judged
    if diff.kind in ("status", "no_answer"):
        expected = EXPECTED_STATUS.get((diff.operation, diff.case))
        if expected is not None:
            meets = _status_class(ref) == expected[0], _status_class(tgt) == expected[0]
            if meets[0] != meets[1]:
                return _decide(diff, list(expected[1]), meets[0])
        return _silent(diff, _status_pointer(diff.operation, ref, tgt))
    if diff.kind == "content_type":
        return _silent(diff, spec_view.INFO_POINTER)
    if diff.kind in ("enum_casing", "enum_value") and diff.steps and diff.steps[-1] in DOCS_ENUMS:
        quoted, allowed = DOCS_ENUMS[diff.steps[-1]]
        meets = (
            _nodes_at(ref.body, diff.steps) <= allowed,
            _nodes_at(tgt.body, diff.steps) <= allowed,
        )
        if meets[0] != meets[1]:
            return _decide(diff, [quoted], meets[0])
    example = spec_view.docs_example(diff.operation)
    both_succeeded = _status_class(ref) == 2 and _status_class(tgt) == 2
    if example is not None and both_succeeded:
        found, value = spec_view.example_at(example[1], diff.steps)
        if found:
            decided = _by_example(diff, ref.body, tgt.body, value)
            if decided is not None:
                return _decide(
                    diff, ["Example Response: " + spec_view.quote(diff.steps, value)], decided
                )
    pointer = diff.schema_assumption or _status_pointer(diff.operation, ref, tgt)
    return _silent(diff, pointer)


def _by_example(diff: Difference, ref_body: Any, tgt_body: Any, shown: Any) -> bool | None:
    """True if the reference has the docs example's shape here and the target not (False:
    the other way round); ``None`` when the example does not settle it."""
    if diff.kind == "field":
        return diff.target == "absent" if diff.reference != "absent" else False
    if diff.kind in ("type", "numeric_string", "wrapping"):
        want = json_type(shown)
        ref_ok = _types_at(ref_body, diff.steps) == {want}
        tgt_ok = _types_at(tgt_body, diff.steps) == {want}
        return ref_ok if ref_ok != tgt_ok else None
    return None


def _at(body: Any, steps: tuple[str, ...]) -> list[Any]:
    nodes = [body]
    for step in steps:
        if step == "[]":
            nodes = [item for n in nodes if isinstance(n, list) for item in n]
        else:
            nodes = [n[step] for n in nodes if isinstance(n, dict) and step in n]
    return nodes


def _types_at(body: Any, steps: tuple[str, ...]) -> set[str]:
    return {json_type(n) for n in _at(body, steps)}


def _nodes_at(body: Any, steps: tuple[str, ...]) -> set[str]:
    return {n for n in _at(body, steps) if isinstance(n, str)}


def _status_pointer(operation_id: str, ref: Observation, tgt: Observation) -> str:
    for seen in (ref, tgt):
        if seen.status is not None and spec_view.response_pointer(operation_id, seen.status):
            return spec_view.status_assumption(operation_id, seen.status)
    return spec_view.INFO_POINTER


def _decide(diff: Difference, docs: list[str], reference_meets: bool) -> Difference:
    diff.verdict, diff.docs = DECIDE, docs
    diff.breaks_docs = "target" if reference_meets else "reference"
    return diff


def _silent(diff: Difference, pointer: str | None) -> Difference:
    diff.verdict = SILENT
    diff.assumption = pointer
    diff.assumption_reason = spec_view.assumption_reason(pointer)
    return diff
