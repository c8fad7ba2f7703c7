"""Fault rules set through ``PUT /__mock/faults/{operationId}``: one per operation and scope,
scoped to a project and/or a test id, scripted with ``after`` and ``times``.

A rule's scope is its ``project_id`` and ``test_id`` (either may be absent); putting a rule
replaces only the rule of that same scope, so parallel clients never overwrite each other's.
A request is matched by the most specific rule (test id over project over unscoped); every
match counts as a call seen, and the rule covers calls ``after + 1`` to ``after + times``,
after which it is spent and removed. Counting happens inside one lock (in memory) or one
write transaction (in the shared store), so ``times: 2`` fails exactly two calls however many
threads or worker processes race for them.
"""

from __future__ import annotations

import json
import threading
from typing import Any

#: Keys that say whom a rule applies to, and when; the rest say what it does.
SCOPE_KEYS = ("project_id", "test_id")
SCRIPT_KEYS = ("after", "times")


def scope_of(rule: dict[str, Any]) -> str:
    """The rule's scope as a key: ``"<project_id>|<test_id>"`` (empty parts for none)."""
    project = rule.get("project_id")
    return f"{project if project is not None else ''}|{rule.get('test_id') or ''}"


def _specificity(rule: dict[str, Any]) -> int:
    return (2 if rule.get("test_id") else 0) + (1 if rule.get("project_id") is not None else 0)


def _matches(rule: dict[str, Any], project_id: int | None, test_id: str | None) -> bool:
    return (rule.get("project_id") is None or rule["project_id"] == project_id) and (
        not rule.get("test_id") or rule["test_id"] == test_id
    )


def _covers(rule: dict[str, Any], seen: int) -> bool:
    after, times = rule.get("after", 0), rule.get("times")
    return seen > after and (times is None or seen <= after + times)


def _spent(rule: dict[str, Any], seen: int) -> bool:
    times = rule.get("times")
    return times is not None and seen >= rule.get("after", 0) + times


def _pick(candidates):
    """The most specific of ``(scope, rule, seen)`` candidates that match, or ``None``."""
    return max(candidates, key=lambda c: _specificity(c[1]), default=None)


def described(rule: dict[str, Any], seen: int) -> dict[str, Any]:
    """The rule as ``GET /__mock/faults`` shows it (``FaultState``)."""
    out = {**rule, "calls_seen": seen}
    if rule.get("times") is not None:
        after = rule.get("after", 0)
        out["remaining"] = max(0, after + rule["times"] - max(seen, after))
    return out


class FaultRules:
    """Rules in this process's memory (one process, the default)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: operationId → scope → [rule, calls seen]
        self._rules: dict[str, dict[str, list]] = {}

    def put(self, operation_id: str, rule: dict[str, Any]) -> None:
        """Set the rule of ``rule``'s scope (its count starts again at 0)."""
        with self._lock:
            self._rules.setdefault(operation_id, {})[scope_of(rule)] = [dict(rule), 0]

    def remove(self, operation_id: str, scope: str | None = None) -> None:
        """Remove the operation's rule of ``scope``, or all its rules."""
        with self._lock:
            rules = self._rules.get(operation_id, {})
            if scope is None:
                rules.clear()
            else:
                rules.pop(scope, None)
            if not rules:
                self._rules.pop(operation_id, None)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def listing(self) -> dict[str, list[dict[str, Any]]]:
        """operationId → its rules, most specific first."""
        with self._lock:
            return {
                op: [
                    described(rule, seen)
                    for rule, seen in sorted(rules.values(), key=lambda e: -_specificity(e[0]))
                ]
                for op, rules in sorted(self._rules.items())
            }

    def take(self, operation_id: str, project_id: int | None, test_id: str | None):
        """Count this call against the matching rule; the rule if it covers the call."""
        if not self._rules.get(operation_id):  # the hot path: no rule for the operation
            return None
        with self._lock:
            rules = self._rules.get(operation_id, {})
            chosen = _pick(
                (scope, rule, seen)
                for scope, (rule, seen) in rules.items()
                if _matches(rule, project_id, test_id)
            )
            if chosen is None:
                return None
            scope, rule, seen = chosen
            seen += 1
            rules[scope][1] = seen
            if _spent(rule, seen):
                del rules[scope]
                if not rules:
                    self._rules.pop(operation_id, None)
            return rule if _covers(rule, seen) else None


_TABLE = """CREATE TABLE IF NOT EXISTS fault_rules (
    operation_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    rule TEXT NOT NULL,
    seen INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (operation_id, scope)
)"""


class SharedFaultRules:
    """Rules in the SQLite store, so worker processes sharing it apply (and count) the same."""

    def __init__(self, store) -> None:
        self.store = store
        with store.write() as db:
            db.execute(_TABLE)

    def put(self, operation_id: str, rule: dict[str, Any]) -> None:
        with self.store.write() as db:
            db.execute(
                "INSERT OR REPLACE INTO fault_rules (operation_id, scope, rule, seen)"
                " VALUES (?, ?, ?, 0)",
                (operation_id, scope_of(rule), json.dumps(rule)),
            )

    def remove(self, operation_id: str, scope: str | None = None) -> None:
        with self.store.write() as db:
            if scope is None:
                db.execute("DELETE FROM fault_rules WHERE operation_id = ?", (operation_id,))
            else:
                db.execute(
                    "DELETE FROM fault_rules WHERE operation_id = ? AND scope = ?",
                    (operation_id, scope),
                )

    def clear(self) -> None:
        with self.store.write() as db:
            db.execute("DELETE FROM fault_rules")

    def listing(self) -> dict[str, list[dict[str, Any]]]:
        with self.store.read() as db:
            rows = db.execute(
                "SELECT operation_id, rule, seen FROM fault_rules ORDER BY operation_id"
            ).fetchall()
        out: dict[str, list[dict[str, Any]]] = {}
        for op, rule, seen in rows:
            out.setdefault(op, []).append((json.loads(rule), seen))
        return {
            op: [described(r, s) for r, s in sorted(rules, key=lambda e: -_specificity(e[0]))]
            for op, rules in out.items()
        }

    def take(self, operation_id: str, project_id: int | None, test_id: str | None):
        with self.store.read() as db:
            if not db.execute(
                "SELECT 1 FROM fault_rules WHERE operation_id = ? LIMIT 1", (operation_id,)
            ).fetchone():
                return None
        with self.store.write() as db:
            rows = db.execute(
                "SELECT scope, rule, seen FROM fault_rules WHERE operation_id = ?",
                (operation_id,),
            ).fetchall()
            chosen = _pick(
                (scope, rule, seen)
                for scope, rule, seen in ((r[0], json.loads(r[1]), r[2]) for r in rows)
                if _matches(rule, project_id, test_id)
            )
            if chosen is None:
                return None
            scope, rule, seen = chosen
            seen += 1
            key = (operation_id, scope)
            if _spent(rule, seen):
                db.execute("DELETE FROM fault_rules WHERE operation_id = ? AND scope = ?", key)
            else:
                db.execute(
                    "UPDATE fault_rules SET seen = ? WHERE operation_id = ? AND scope = ?",
                    (seen, *key),
                )
        return rule if _covers(rule, seen) else None
