"""SLO gates: p95 and p99 latency, failure ratio, minimum throughput.

:func:`evaluate` is pure (the kit's tests call it without Locust); :func:`install`
adds the ``quitting`` listener that evaluates the gates on the master (or the
single local process), runs any extra check such as the loss check, logs which
gate failed, and sets ``environment.process_exit_code``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "EXIT_GATE_FAILED",
    "EXIT_LOSS_CHECK_FAILED",
    "GateResult",
    "Gates",
    "evaluate",
    "install",
]

logger = logging.getLogger("voxai.load")

#: Exit code when an SLO gate is breached (the code locust-plugins' checks use).
EXIT_GATE_FAILED = 3
#: Exit code when every gate held but the loss check found a difference.
EXIT_LOSS_CHECK_FAILED = 4


@dataclass(frozen=True)
class Gates:
    """Limits a run must hold; ``None`` turns a gate off."""

    p95_ms: float | None = None  #: aggregate 95th percentile response time, at most
    p99_ms: float | None = None  #: aggregate 99th percentile response time, at most
    max_fail_ratio: float | None = None  #: failed / all requests, at most
    min_rps: float | None = None  #: requests per second over the run, at least
    min_entries_per_s: float | None = None  #: acknowledged transcript entries per second, at least

    @classmethod
    def from_options(cls, options: Any) -> Gates:
        """Read the ``--slo-*`` options of a Locust ``parsed_options`` namespace."""
        return cls(
            p95_ms=getattr(options, "slo_p95_ms", None),
            p99_ms=getattr(options, "slo_p99_ms", None),
            max_fail_ratio=getattr(options, "slo_max_fail_ratio", None),
            min_rps=getattr(options, "slo_min_rps", None),
            min_entries_per_s=getattr(options, "slo_min_entries_per_s", None),
        )


@dataclass(frozen=True)
class GateResult:
    """One gate's verdict; ``line()`` is what the run log shows."""

    gate: str
    measured: float
    limit: float
    passed: bool
    at_most: bool
    unit: str = ""

    def line(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        if self.at_most:
            relation = "<=" if self.passed else ">"
        else:
            relation = ">=" if self.passed else "<"
        return (
            f"SLO gate {self.gate} {verdict}: measured {self.measured:.4g}{self.unit} "
            f"{relation} limit {self.limit:.4g}{self.unit}"
        )


def evaluate(
    gates: Gates,
    *,
    p95_ms: float,
    p99_ms: float,
    fail_ratio: float,
    rps: float,
    entries_per_s: float | None = None,
) -> list[GateResult]:
    """Every enabled gate's verdict, in a fixed order."""
    results: list[GateResult] = []

    def at_most(name: str, measured: float, limit: float | None, unit: str = "") -> None:
        if limit is not None:
            results.append(GateResult(name, measured, limit, measured <= limit, True, unit))

    def at_least(name: str, measured: float, limit: float | None, unit: str = "") -> None:
        if limit is not None:
            results.append(GateResult(name, measured, limit, measured >= limit, False, unit))

    at_most("p95_latency", p95_ms, gates.p95_ms, " ms")
    at_most("p99_latency", p99_ms, gates.p99_ms, " ms")
    at_most("failure_ratio", fail_ratio, gates.max_fail_ratio)
    at_least("min_throughput", rps, gates.min_rps, " req/s")
    at_least("min_entries_rate", entries_per_s or 0.0, gates.min_entries_per_s, " entries/s")
    return results


def measure(total: Any) -> dict[str, float]:
    """The figures the gates need, from Locust's aggregated ``StatsEntry``."""
    if not total.num_requests:
        return {"p95_ms": 0.0, "p99_ms": 0.0, "fail_ratio": 0.0, "rps": 0.0}
    return {
        "p95_ms": float(total.get_response_time_percentile(0.95) or 0),
        "p99_ms": float(total.get_response_time_percentile(0.99) or 0),
        "fail_ratio": float(total.fail_ratio),
        "rps": float(total.total_rps),
    }


def install(
    events: Any,
    *,
    entries_rate: Callable[[Any], float | None],
    extra_checks: Callable[[Any], list[str] | None] | None = None,
) -> None:
    """Register the quitting listener that turns gate verdicts into the exit code.

    ``entries_rate(environment)`` gives the transcript entries per second;
    ``extra_checks(environment)`` returns failure lines, ``[]`` when it passed, or
    ``None`` when it did not run.
    Exit code: 0 when everything held, :data:`EXIT_GATE_FAILED` if a gate failed,
    else :data:`EXIT_LOSS_CHECK_FAILED` if an extra check failed.
    """

    @events.quitting.add_listener
    def _apply_gates(environment: Any, **_kwargs: Any) -> None:
        from locust.runners import WorkerRunner  # only ever called inside a Locust process

        if isinstance(environment.runner, WorkerRunner):
            return
        gates = Gates.from_options(environment.parsed_options)
        figures = measure(environment.runner.stats.total)
        results = evaluate(gates, entries_per_s=entries_rate(environment), **figures)
        for result in results:
            (logger.info if result.passed else logger.error)(result.line())
        extra_failures = extra_checks(environment) if extra_checks else None
        failed_gates = [r.gate for r in results if not r.passed]
        if failed_gates:
            logger.error("SLO gates failed: %s", ", ".join(failed_gates))
            environment.process_exit_code = EXIT_GATE_FAILED
        elif extra_failures:
            environment.process_exit_code = EXIT_LOSS_CHECK_FAILED
        elif results or extra_failures is not None:
            # Gates decide the verdict: failures within the allowed ratio must not turn
            # the exit code red through Locust's own "any error" default.
            environment.process_exit_code = 0
