"""Times as the API writes them, and numbers as the store keeps them."""

from __future__ import annotations

import functools
import random
from datetime import UTC, datetime
from typing import Any


def iso(ts: float | None, timespec: str = "seconds") -> str | None:
    """Unix time as an ISO date-time in UTC (``Z``); ``None`` stays ``None``."""
    if ts is None:
        return None
    second = int(ts // 1)
    # Many entries share their second: formatted once. (Within half a microsecond of the next
    # second, datetime rounds up: left to it.)
    if timespec == "seconds" and ts - second < 0.9999995:
        return _iso_second(second)
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


@functools.lru_cache(maxsize=64)
def _iso_second(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def new_sid(prefix: str) -> str:
    # Sids name things, they guard nothing: no urandom system call per room and participant.
    # (random reseeds itself in forked worker processes, so workers do not repeat each other.)
    return f"{prefix}{random.getrandbits(48):012x}"


def int64(text: Any, default: float) -> int:
    """A protojson int64 (a decimal string) as a number SQLite can store."""
    try:
        value = int(text)
    except (TypeError, ValueError):
        return int(default)
    return value if -(2**63) <= value < 2**63 else int(default)


def number_as_text(value: float | None) -> str | None:
    # The spec bounds timestamp_ms below only; text holds any integer SQLite's int64 cannot,
    # and a fraction exactly as parsed (repr round-trips a float).
    return None if value is None else repr(value)


def number_from_text(value: str | None) -> float | None:
    if value is None:
        return None
    return int(value) if value.lstrip("-").isdigit() else float(value)
