"""getUsage: seeded history, completed sessions and the roll-ups of evicted ones, per period.

A session's usage is priced from the seed's rates: LLM tokens from its transcript's
characters, per-minute services from its duration. An evicted session leaves a roll-up row
(``rollup_of``) so totals never shrink when caps drop old sessions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

SERVICES = ("llm", "stt", "tts", "livekit")
_PERIOD_DAYS = {"today": 0, "7d": 6, "30d": 29}


class Usage:
    def __init__(self, state) -> None:
        self.state = state

    def of_session(self, row) -> dict[str, Any]:
        """One completed session's usage record."""
        seed = self.state.seed
        rates = seed.rates
        agent = seed.agents.get(row["agent_config_id"] or -1)
        if agent is None:
            project = seed.projects[row["project_id"]]
            agent = seed.agents.get(project.default_agent_id or -1)
        model = agent.llm_model if agent else "unknown"
        minutes = (row["duration"] or 0) / 60
        tokens = int(row["content_chars"] / 4 * rates.get("context_factor", 1))
        per_m = rates.get("llm_per_million_tokens", {}).get(
            model, rates.get("llm_default_per_million_tokens", 0)
        )
        per_minute = rates.get("per_minute", {})
        cost = {"llm": tokens / 1e6 * per_m}
        for service in ("stt", "tts", "livekit"):
            cost[service] = minutes * per_minute.get(service, 0)
        return {
            "day": datetime.fromtimestamp(row["ended_at"], UTC).date(),
            "agent_id": agent.id if agent else None,
            "model": model,
            "sessions": 1,
            "duration_seconds": row["duration"] or 0,
            "llm_tokens": tokens,
            "cost": cost,
        }

    def rollup_of(self, project_id: int, row) -> dict[str, Any]:
        """The ``usage_rollup`` row that keeps an evicted, completed session's usage."""
        rec = self.of_session(row)
        return {
            "project_id": project_id,
            "day": rec["day"].isoformat(),
            "agent_id": rec["agent_id"],
            "model": rec["model"],
            "sessions": 1,
            "duration_seconds": rec["duration_seconds"],
            "llm_tokens": rec["llm_tokens"],
            **{f"cost_{s}": rec["cost"][s] for s in SERVICES},
        }

    def _records(self, project, today: date) -> list[dict[str, Any]]:
        records = []
        for h in self.state.seed.usage_history:
            if h["project_id"] != project.id:
                continue
            agent = self.state.seed.agents.get(h.get("agent_id") or -1)
            records.append(
                {
                    "day": today - timedelta(days=int(h["days_ago"])),
                    "agent_id": h.get("agent_id"),
                    "model": h.get("model") or (agent.llm_model if agent else "unknown"),
                    "sessions": h["sessions"],
                    "duration_seconds": h["duration_seconds"],
                    "llm_tokens": h["llm_tokens"],
                    "cost": {s: float(h.get("cost", {}).get(s, 0)) for s in SERVICES},
                }
            )
        with self.state.store.read() as tx:
            rows = tx.completed_sessions(project.id)
            rollups = tx.rollups(project.id)
        records.extend(self.of_session(r) for r in rows)
        for r in rollups:
            records.append(
                {
                    "day": date.fromisoformat(r["day"]),
                    "agent_id": r["agent_id"],
                    "model": r["model"],
                    "sessions": r["sessions"],
                    "duration_seconds": r["duration_seconds"],
                    "llm_tokens": r["llm_tokens"],
                    "cost": {s: r[f"cost_{s}"] for s in SERVICES},
                }
            )
        return records

    def report(self, project, period: str, group_by: str) -> dict[str, Any]:
        """Seeded history plus completed sessions, within ``period``, grouped by ``group_by``."""
        today = datetime.fromtimestamp(self.state.clock(), UTC).date()
        records = self._records(project, today)
        if period == "all":
            start = min((r["day"] for r in records), default=None)
        else:
            start = today - timedelta(days=_PERIOD_DAYS[period])
        chosen = [r for r in records if (start is None or r["day"] >= start) and r["day"] <= today]
        groups: dict[str, dict[str, Any]] = {}
        totals = _zero()
        for r in chosen:
            cost = sum(r["cost"].values())
            _add(totals, r["sessions"], r["duration_seconds"], r["llm_tokens"], cost)
            if group_by == "service":
                for service in SERVICES:
                    tokens = r["llm_tokens"] if service == "llm" else 0
                    g = groups.setdefault(service, _zero(service))
                    _add(g, r["sessions"], r["duration_seconds"], tokens, r["cost"][service])
                continue
            key = {
                "day": r["day"].isoformat(),
                "model": r["model"],
                "agent": str(r["agent_id"]) if r["agent_id"] is not None else "none",
            }[group_by]
            g = groups.setdefault(key, _zero(key))
            _add(g, r["sessions"], r["duration_seconds"], r["llm_tokens"], cost)
        for g in [totals, *groups.values()]:
            g["cost_usd"] = round(g["cost_usd"], 4)
            g["duration_seconds"] = round(g["duration_seconds"], 3)
        return {
            "period": period,
            "group_by": group_by,
            "currency": "USD",
            "start": start.isoformat() if start else None,
            "end": today.isoformat(),
            "totals": totals,
            "groups": [groups[k] for k in sorted(groups)],
        }


def _zero(key: str | None = None) -> dict[str, Any]:
    g: dict[str, Any] = {"sessions": 0, "duration_seconds": 0, "llm_tokens": 0, "cost_usd": 0.0}
    if key is not None:
        g = {"key": key, **g}
    return g


def _add(g: dict[str, Any], sessions, duration, tokens, cost) -> None:
    g["sessions"] += sessions
    g["duration_seconds"] += duration
    g["llm_tokens"] += tokens
    g["cost_usd"] += cost
