"""What the run found: per-operation and per-rule outcomes, and assumption warnings.

Tests record here; the conftest prints it after the run and attaches each test's
warnings to its JUnit entry. Everything stored is already redacted.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass

from contract_tests.redact import redact


@dataclass(frozen=True)
class AssumptionWarning:
    """A failed check that rests on an assumption, reported instead of failing the run."""

    nodeid: str
    rule: str
    assumption: str
    reason: str
    detail: str
    operation: str | None = None

    def render(self) -> str:
        """One block of text for the console and JUnit."""
        return redact(
            f"{self.rule} (rests on assumption {self.assumption}: {self.reason})\n{self.detail}"
        )

    def evidence(self) -> list[str]:
        """The lines of the detail that show what was sent and received."""
        keep = ("Received:", "Response:", "Reproduce:", "[")
        lines = [line for line in self.detail.splitlines() if line.startswith(keep)]
        return [redact(line[:300]) for line in lines[:4]] or [redact(self.detail[:300])]


@dataclass(frozen=True)
class NotExercised:
    """A check the target's data or the run's options could not exercise, and why."""

    nodeid: str
    rule: str
    reason: str
    operation: str | None


warnings: list[AssumptionWarning] = []
not_exercised: list[NotExercised] = []
#: rule -> {"passed": n, "failed": n, "warned": n, "not exercised": n}: individual checks
rule_outcomes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
#: operation label -> rule -> outcome ("failed" beats "warned" beats "passed")
operation_outcomes: dict[str, dict[str, str]] = defaultdict(dict)
#: Set when --min-coverage is not met (the conftest prints it and fails the run).
coverage_shortfall: str = ""
_RANK = {"not exercised": -1, "passed": 0, "warned": 1, "failed": 2}


def current_nodeid() -> str:
    """The running test's node id (pytest sets PYTEST_CURRENT_TEST)."""
    return os.environ.get("PYTEST_CURRENT_TEST", "?").rsplit(" (", 1)[0]


def record(rule: str, outcome: str, operation: str | None = None) -> None:
    """Count one check of ``rule`` (``passed``, ``failed`` or ``warned``)."""
    rule_outcomes[rule][outcome] += 1
    if operation:
        previous = operation_outcomes[operation].get(rule, "not exercised")
        operation_outcomes[operation][rule] = max(previous, outcome, key=_RANK.__getitem__)


def record_not_exercised(rule: str, reason: str, operation: str | None = None) -> None:
    """Count a check that could not run on this target, with the reason (never a pass)."""
    record(rule, "not exercised", operation)
    not_exercised.append(NotExercised(current_nodeid(), rule, redact(reason), operation))


def warn(
    rule: str, assumption: str, reason: str, detail: str, operation: str | None = None
) -> None:
    """Record an assumption warning for the running test (deduplicated per test and rule)."""
    record(rule, "warned", operation)
    item = AssumptionWarning(current_nodeid(), rule, assumption, reason, redact(detail), operation)
    if not any(w.nodeid == item.nodeid and w.rule == item.rule for w in warnings):
        warnings.append(item)


def warnings_for(nodeid: str) -> list[AssumptionWarning]:
    """The warnings recorded by one test."""
    return [w for w in warnings if w.nodeid == nodeid]


HEADLINE_PREFIX = "Rule broken: "


def headline(rules: list[str], operation: str | None = None) -> str:
    """The first line of every failure: ``Rule broken: <rule> on <operation> (and <rule>, ...)``.

    JUnit's failure message, the console and the short summary show it before anything else.
    """
    text = HEADLINE_PREFIX + rules[0] + (f" on {operation}" if operation else "")
    return text + (f" (and {', '.join(rules[1:])})" if len(rules) > 1 else "")


def _parse_headline(line: str) -> tuple[list[str], str | None]:
    head, _, more = line.removeprefix(HEADLINE_PREFIX).partition(" (and ")
    rule, _, operation = head.partition(" on ")
    others = [r.strip() for r in more.rstrip(")").split(",") if r.strip()]
    return [rule, *others], operation or None


def headline_first(violations: list[str]) -> str:
    """Several violations as one message whose first line names every broken rule."""
    rules: list[str] = []
    operation = None
    for text in violations:
        found, where = _parse_headline(text.splitlines()[0])
        operation = operation or where
        rules += [rule for rule in found if rule not in rules]
    unique = list(dict.fromkeys(violations))
    bodies = ["\n".join(text.splitlines()[1:]) for text in unique]
    return "\n".join([headline(rules, operation), *bodies])
