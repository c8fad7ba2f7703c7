"""During the run, on the master (or the single process): progress lines and the watchdog.

Every :data:`TICK` seconds the monitor samples Locust's figures. It prints a compact
progress line every ``--progress-interval`` seconds (not with ``--quiet``); it counts
transcript-user seconds, from which the load the generator offered follows; and it
stops the run early when every request of the last :data:`WINDOW_S` seconds failed
(at least :data:`DEAD_AFTER` of them), naming the cause with the kit's exit code:
refused connection, DNS or timeout → TARGET_UNREACHABLE, 401/403 → KEY_REFUSED,
anything else → CHECK_FAILED.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from openapi.exit_codes import ExitCode

logger = logging.getLogger("voxai.load")

TICK = 0.5
#: A run stops once this many requests in a row, over at least WINDOW_S, all failed.
DEAD_AFTER = 20
WINDOW_S = 2.0
_UNREACHABLE = ("connection refused", "dns lookup failed", "timed out", "connection to ")


@dataclass(frozen=True)
class Abort:
    code: ExitCode
    line: str


def diagnose(errors: Iterable[tuple[str, int]], failed: int, seconds: float) -> Abort:
    """The cause of a run where every request failed, from (error text, occurrences)."""
    ranked = sorted(errors, key=lambda e: -e[1])
    top = ranked[0][0] if ranked else "no error recorded"
    reason = top.split(": ", 1)[-1]
    text = " ".join(e.lower() for e, _ in ranked)
    tail = f"every one of the last {failed} requests failed in {seconds:.1f} s; run stopped"
    if any(mark in text for mark in _UNREACHABLE):
        return Abort(ExitCode.TARGET_UNREACHABLE, f"target unreachable: {reason} ({tail})")
    if "key refused" in text:
        status = next((e.split("received ")[1][:3] for e, _ in ranked if "key refused" in e), "")
        line = f"API key refused: the target answered {status} to X-API-Key ({tail})"
        return Abort(ExitCode.KEY_REFUSED, line)
    return Abort(ExitCode.CHECK_FAILED, f"every request failed: {top} ({tail})")


class Monitor:
    """The sampling loop; :meth:`run` is spawned as a greenlet by the locustfile."""

    def __init__(self, environment: Any, entries_acked: Any, total_s: float | None) -> None:
        self.environment = environment
        self.entries_acked = entries_acked  #: callable → acknowledged entries so far
        self.total_s = total_s
        self.abort: Abort | None = None
        #: Σ users × seconds per user class, over the run.
        self.user_seconds: dict[str, float] = {}
        self.seconds = 0.0
        self._window: deque[tuple[float, int, int]] = deque()
        self._last_entries = (0.0, 0)
        self._last_requests = (0.0, 0)
        #: One row per progress interval, for ``<prefix>_stats_history.csv``.
        self.history: list[dict[str, Any]] = []

    def run(self, quiet: bool, interval: float) -> None:
        import gevent

        started = time.monotonic()
        self._last_entries = (started, self.entries_acked())
        self._last_requests = (started, self.environment.runner.stats.total.num_requests)
        next_line = started + interval
        while True:
            gevent.sleep(TICK)
            now = time.monotonic()
            self.sample(now)
            if self.abort is None:
                self.watch(now)
            if now >= next_line:
                next_line += interval
                line = self.progress_line(now - started, now)
                if not quiet:
                    logger.info(line)

    def sample(self, now: float) -> None:
        counts = dict(self.environment.runner.user_classes_count or {})
        for name, count in counts.items():
            self.user_seconds[name] = self.user_seconds.get(name, 0.0) + count * TICK
        if any(counts.values()):
            self.seconds += TICK

    def watch(self, now: float) -> None:
        total = self.environment.runner.stats.total
        self._window.append((now, total.num_requests, total.num_failures))
        while len(self._window) > 2 and now - self._window[1][0] >= WINDOW_S:
            self._window.popleft()
        t0, requests0, failures0 = self._window[0]
        requests = total.num_requests - requests0
        failures = total.num_failures - failures0
        if now - t0 >= WINDOW_S and requests >= DEAD_AFTER and failures == requests:
            errors = [
                (e.error, e.occurrences) for e in self.environment.runner.stats.errors.values()
            ]
            self.abort = diagnose(((str(e), n) for e, n in errors), failures, now - t0)
            logger.error(self.abort.line)  # the locustfile's shape ends the run on its next tick

    def progress_line(self, elapsed: float, now: float) -> str:
        stats = self.environment.runner.stats.total
        of = f"/{self.total_s:.0f}" if self.total_s else ""
        acked = self.entries_acked()
        then, before = self._last_entries
        entries_rate = (acked - before) / (now - then) if then and now > then else 0.0
        self._last_entries = (now, acked)
        # Rates over the last interval, from counters (Locust's current_rps lags at start).
        then, before = self._last_requests
        rps = (stats.num_requests - before) / (now - then) if now > then else 0.0
        self._last_requests = (now, stats.num_requests)
        p95 = stats.get_current_response_time_percentile(0.95) or 0
        ratio = stats.num_failures / stats.num_requests if stats.num_requests else 0.0
        self.history.append(
            {
                "Timestamp": int(time.time()),
                "Elapsed s": round(elapsed, 1),
                "User Count": self.environment.runner.user_count,
                "Requests/s": round(rps, 2),
                "p95 ms": p95,
                "Total Request Count": stats.num_requests,
                "Total Failure Count": stats.num_failures,
                "Entries/s": round(entries_rate, 2),
            }
        )
        return (
            f"progress {elapsed:4.0f}{of} s | users {self.environment.runner.user_count} | "
            f"{rps:.1f} req/s | p95 {p95:.0f} ms | failures "
            f"{stats.num_failures} ({ratio:.1%}) | entries {entries_rate:.1f}/s"
        )
