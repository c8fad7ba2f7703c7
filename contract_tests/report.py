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

    def render(self) -> str:
        """One block of text for the console and JUnit."""
        return redact(
            f"{self.rule} (rests on assumption {self.assumption}: {self.reason})\n{self.detail}"
        )


warnings: list[AssumptionWarning] = []
#: rule -> {"passed": n, "failed": n, "warned": n}
rule_outcomes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
#: operation label -> rule -> outcome ("failed" beats "warned" beats "passed")
operation_outcomes: dict[str, dict[str, str]] = defaultdict(dict)
_RANK = {"passed": 0, "warned": 1, "failed": 2}


def current_nodeid() -> str:
    """The running test's node id (pytest sets PYTEST_CURRENT_TEST)."""
    return os.environ.get("PYTEST_CURRENT_TEST", "?").rsplit(" (", 1)[0]


def record(rule: str, outcome: str, operation: str | None = None) -> None:
    """Count one check of ``rule`` (``passed``, ``failed`` or ``warned``)."""
    rule_outcomes[rule][outcome] += 1
    if operation:
        previous = operation_outcomes[operation].get(rule, "passed")
        operation_outcomes[operation][rule] = max(previous, outcome, key=_RANK.__getitem__)


def warn(
    rule: str, assumption: str, reason: str, detail: str, operation: str | None = None
) -> None:
    """Record an assumption warning for the running test (deduplicated per test and rule)."""
    record(rule, "warned", operation)
    item = AssumptionWarning(current_nodeid(), rule, assumption, reason, redact(detail))
    if not any(w.nodeid == item.nodeid and w.rule == item.rule for w in warnings):
        warnings.append(item)


def warnings_for(nodeid: str) -> list[AssumptionWarning]:
    """The warnings recorded by one test."""
    return [w for w in warnings if w.nodeid == nodeid]
