"""Transcript throughput and the acknowledged-entry ledger behind the loss check.

Pure Python with no Locust import, so the pytest process can use it without
gevent's monkey-patching; ``locustfile.py`` wires it to Locust's events.

The ledger records, per session (its prefixed room name), the *script index* of
every transcript entry the target acknowledged with a 2xx, in acknowledgement
order. Indices are cheap to record in the hot loop and to ship from workers to
the master; :func:`compare_transcripts` turns them back into entries through
the script every transcript user follows.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = [
    "AckLedger",
    "EntryMeter",
    "LossReport",
    "ScriptEntry",
    "SessionMismatch",
    "build_script",
    "compare_transcripts",
    "new_run_id",
    "transcripts_by_room",
]


def new_run_id() -> str:
    """A fresh run id: short, URL-path-safe, valid at the start of a room name."""
    return f"lt{secrets.token_hex(4)}"


class ScriptEntry(NamedTuple):
    """One transcript entry of the conversation every transcript user plays."""

    speaker: str
    content: str
    is_final: bool


def build_script(turns: int, interims: int) -> tuple[ScriptEntry, ...]:
    """The entries of one call: ``turns`` turns alternating user and agent.

    Each turn is ``interims`` interim (non-final) entries, each a longer prefix
    of the sentence as a speech recogniser would emit it, then the final one.
    Contents are unique within a call, so an order check can tell them apart.
    """
    if turns < 1 or interims < 0:
        raise ValueError("turns must be >= 1 and interims >= 0")
    lines = {
        "user": "Hello, I would like to know how the pricing works for my team",
        "agent": "Sure, the plan is billed per minute of conversation and per seat",
    }
    script: list[ScriptEntry] = []
    for turn in range(turns):
        speaker = "user" if turn % 2 == 0 else "agent"
        words = lines[speaker].split()
        for part in range(1, interims + 1):
            cut = max(1, len(words) * part // (interims + 1))
            script.append(ScriptEntry(speaker, f"[t{turn}] {' '.join(words[:cut])}", False))
        script.append(ScriptEntry(speaker, f"[t{turn}] {' '.join(words)}.", True))
    return tuple(script)


class EntryMeter:
    """Counts acknowledged transcript entries; the rate is entries per second.

    A separate figure from Locust's request statistics, since one call mixes
    token, session and entry requests and only entries are the payload.
    """

    __slots__ = ("acked", "first_at", "last_at", "_shipped")

    def __init__(self) -> None:
        self.acked = 0
        self.first_at: float | None = None
        self.last_at: float | None = None
        self._shipped = 0

    def ack(self, now: float | None = None) -> None:
        """Count one 2xx-acknowledged entry."""
        now = time.time() if now is None else now
        if self.first_at is None:
            self.first_at = now
        self.last_at = now
        self.acked += 1

    def merge(self, acked: int, first_at: float | None, last_at: float | None) -> None:
        """Add a worker's counts (from :meth:`take_report`)."""
        self.acked += acked
        if first_at is not None and (self.first_at is None or first_at < self.first_at):
            self.first_at = first_at
        if last_at is not None and (self.last_at is None or last_at > self.last_at):
            self.last_at = last_at

    def take_report(self) -> dict[str, Any]:
        """The counts since the last report, for a worker→master message."""
        delta = self.acked - self._shipped
        self._shipped = self.acked
        return {"acked": delta, "first_at": self.first_at, "last_at": self.last_at}

    def rate(self, start: float, end: float | None = None) -> float:
        """Entries per second between ``start`` and ``end`` (default: the last ack)."""
        end = self.last_at if end is None else end
        if end is None or end <= start:
            return 0.0
        return self.acked / (end - start)


@dataclass
class AckLedger:
    """Per session, the script indices the target acknowledged, in order.

    ``pending`` holds the entry a user sent and has not had an answer for yet:
    when a run stops, an entry can be stored by the target while its answer is
    lost with the killed user, which is not a loss.
    """

    acked: dict[str, list[int]] = field(default_factory=dict)
    pending: dict[str, int] = field(default_factory=dict)
    _unshipped: list[tuple[str, int]] = field(default_factory=list)

    def sent(self, room: str, index: int) -> None:
        """Record that entry ``index`` of the script is on its way to ``room``."""
        self.pending[room] = index

    def answered(self, room: str, index: int, ok: bool) -> None:
        """Record the answer to the entry in flight; ``ok`` means a 2xx."""
        self.pending.pop(room, None)
        if ok:
            self.acked.setdefault(room, []).append(index)
            self._unshipped.append((room, index))

    def take_report(self) -> dict[str, Any]:
        """Acks since the last report plus the entries in flight now (worker→master)."""
        acks, self._unshipped = self._unshipped, []
        return {"acks": acks, "pending": dict(self.pending)}

    def merge(self, report: Mapping[str, Any]) -> None:
        """Fold a worker's :meth:`take_report` into this (the master's) ledger."""
        for room, index in report.get("acks", ()):
            self.acked.setdefault(room, []).append(index)
        self.pending.update(report.get("pending", {}))

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.acked.values())


class SessionMismatch(NamedTuple):
    room: str
    acknowledged: int
    stored: int
    reason: str


@dataclass
class LossReport:
    """The outcome of the loss check: both counts, and every session that differs."""

    acknowledged: int
    stored: int
    sessions: int
    in_flight_stored: int = 0
    mismatches: list[SessionMismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def lines(self, limit: int = 10) -> list[str]:
        """Human-readable summary; mismatching sessions first ``limit`` only."""
        verdict = "PASS" if self.ok else "FAIL"
        out = [
            f"loss check {verdict}: {self.acknowledged} entries acknowledged with 2xx, "
            f"{self.stored} stored by the target, in {self.sessions} sessions"
            + (
                f" ({self.in_flight_stored} stored while their answer was cut off by the stop)"
                if self.in_flight_stored
                else ""
            )
        ]
        for m in self.mismatches[:limit]:
            out.append(f"  {m.room}: acknowledged {m.acknowledged}, stored {m.stored}: {m.reason}")
        if len(self.mismatches) > limit:
            out.append(f"  ... and {len(self.mismatches) - limit} more sessions")
        return out


def compare_transcripts(
    ledger: AckLedger,
    stored_sessions: Mapping[str, Sequence[Mapping[str, Any]]],
    script: Sequence[ScriptEntry],
) -> LossReport:
    """Compare acknowledged entries with the transcripts the target stored.

    ``stored_sessions`` maps a room name to its stored entries (dicts with
    ``speaker``, ``content``, ``is_final``), in stored order. A session passes
    when its stored entries equal the acknowledged ones, in order; one extra
    stored entry at the end is tolerated only if it is exactly the entry that
    was in flight when the run stopped. Sessions the target stored but the load
    never got an ack for count too (they must then be empty).
    """
    mismatches: list[SessionMismatch] = []
    stored_total = 0
    in_flight_stored = 0
    rooms = sorted(set(ledger.acked) | set(stored_sessions))
    for room in rooms:
        expected = [script[i] for i in ledger.acked.get(room, ())]
        got = [
            ScriptEntry(e.get("speaker"), e.get("content"), e.get("is_final", True))
            for e in stored_sessions.get(room, ())
        ]
        stored_total += len(got)
        if got == expected:
            continue
        pending = ledger.pending.get(room)
        if pending is not None and got == [*expected, script[pending]]:
            in_flight_stored += 1
            continue
        mismatches.append(
            SessionMismatch(room, len(expected), len(got), _first_difference(expected, got))
        )
    return LossReport(
        acknowledged=ledger.total,
        stored=stored_total,
        sessions=len(rooms),
        in_flight_stored=in_flight_stored,
        mismatches=mismatches,
    )


def _first_difference(expected: Sequence[ScriptEntry], got: Sequence[ScriptEntry]) -> str:
    for position, (want, have) in enumerate(zip(expected, got, strict=False), start=1):
        if want != have:
            return (
                f"entry {position} differs: acknowledged {want.content!r}, stored {have.content!r}"
            )
    if len(got) < len(expected):
        return f"{len(expected) - len(got)} acknowledged entries missing (lost)"
    return f"{len(got) - len(expected)} stored entries were never acknowledged"


def transcripts_by_room(snapshot: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Room name → stored transcript, from a ``GET /__mock/state`` body."""
    out: dict[str, list[dict[str, Any]]] = {}
    for item in snapshot.get("sessions", ()):
        session = item.get("session", {})
        out[session.get("room_name", "")] = list(item.get("transcript") or ())
    return out
