"""Sessions and their transcripts: create, append, end, and the caps that keep them bounded.

A room has at most one active session (its latest); entries get the next sequence of that
session, only while it is active and under ``max_transcript_entries``. A project keeps at
most ``max_sessions_per_project`` sessions and ``max_project_transcript_entries`` entries:
the oldest ended sessions go first, whole, leaving their usage behind as a roll-up.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import ApiError
from .timestamps import iso, number_as_text, number_from_text

#: Transcript appends between two checks of a project's total entries.
TRANSCRIPT_CHECK_EVERY = 256


def session_json(row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "room_name": row["room_name"],
        "agent_config_id": row["agent_config_id"],
        "caller_identity": row["caller_identity"],
        "session_type": row["session_type"],
        "status": row["status"],
        "metadata": json.loads(row["metadata"]),
        "started_at": iso(row["started_at"]),
        "ended_at": iso(row["ended_at"]),
        "duration": row["duration"],
        "summary": row["summary"],
        "transcript_count": row["transcript_count"],
    }


def entry_json(row, room_name: str) -> dict[str, Any]:
    return {
        "session_id": row["session_id"],
        "room_name": room_name,
        "sequence": row["sequence"],
        "speaker": row["speaker"],
        "content": row["content"],
        "timestamp_ms": number_from_text(row["timestamp_ms"]),
        "is_final": bool(row["is_final"]),
        "created_at": iso(row["created_at"]),
    }


class Sessions:
    def __init__(self, state) -> None:
        self.state = state
        self._appends_since_check = 0

    def create(self, project, body: dict[str, Any]) -> dict[str, Any]:
        """:raise 404: unknown agent. :raise 409: an active session for this room exists,
        or the agent is inactive."""
        agent_id = body.get("agent_config_id")
        if agent_id is not None:
            agent = self.state.agents.find(project, int(agent_id))
            if not agent.is_active:
                raise ApiError(409, f"Agent {agent_id} is inactive")
        row = {
            "project_id": project.id,
            "room_name": body["room_name"],
            "agent_config_id": agent_id,
            "caller_identity": body.get("caller_identity"),
            "session_type": body["session_type"],
            "status": "active",
            "metadata": json.dumps(body.get("metadata") or {}),
            "started_at": self.state.clock(),
        }
        with self.state.store.write() as tx:
            latest = tx.latest_session(project.id, body["room_name"])
            if latest is not None and latest["status"] == "active":
                raise ApiError(409, f"Session for room '{body['room_name']}' is already active")
            session = tx.add_session(row)
            self._cap_sessions(tx, project)
        return session_json(session)

    def add_entry(self, project, room_name: str, body: dict[str, Any]) -> dict[str, Any]:
        """:raise 404: no session for the room. :raise 409: it has ended, or is full."""
        now = self.state.clock()
        limit = self.state.config.max_transcript_entries
        with self.state.store.write() as tx:
            counted = tx.count_entry(project.id, room_name, len(body["content"]), limit)
            if counted is None:  # only a refusal looks again, to say which one it is
                self._active_session(tx, project, room_name)  # 404, or 409 when ended
                raise ApiError(409, f"Session for room '{room_name}' has a full transcript")
            session_id, sequence = counted
            tx.add_entry(
                {
                    "session_id": session_id,
                    "sequence": sequence,
                    "speaker": body["speaker"],
                    "content": body["content"],
                    "timestamp_ms": number_as_text(body.get("timestamp_ms")),
                    "is_final": int(body["is_final"]),
                    "created_at": now,
                }
            )
            self._appends_since_check += 1
            if self._appends_since_check >= TRANSCRIPT_CHECK_EVERY:
                self._cap_project_entries(tx, project)
        return {
            "session_id": session_id,
            "room_name": room_name,
            "sequence": sequence,
            "speaker": body["speaker"],
            "content": body["content"],
            "timestamp_ms": body.get("timestamp_ms"),
            "is_final": body["is_final"],
            "created_at": iso(now),
        }

    def end(self, project, room_name: str, body: dict[str, Any]) -> dict[str, Any]:
        """:raise 404: no session for the room. :raise 409: already ended."""
        now = self.state.clock()
        with self.state.store.write() as tx:
            session = self._active_session(tx, project, room_name)
            duration = body.get("duration")
            if duration is None:
                duration = round(max(0.0, now - session["started_at"]), 3)
            ended = tx.end_session(session["id"], now, duration, body.get("summary"))
        return session_json(ended)

    def exists(self, project, room_name: str) -> bool:
        with self.state.store.read() as tx:
            return tx.latest_session(project.id, room_name) is not None

    def _active_session(self, tx, project, room_name: str):
        latest = tx.latest_session(project.id, room_name)
        if latest is None:
            raise ApiError(404, f"No session for room '{room_name}'")
        if latest["status"] != "active":
            raise ApiError(409, f"Session for room '{room_name}' has ended")
        return latest

    def _cap_sessions(self, tx, project) -> None:
        excess = tx.count_sessions(project.id) - self.state.config.max_sessions_per_project
        if excess > 0:
            self._evict(tx, project, tx.sessions_to_evict(project.id, excess))

    def _cap_project_entries(self, tx, project) -> None:
        self._appends_since_check = 0
        limit = self.state.config.max_project_transcript_entries
        excess = tx.project_entry_total(project.id) - limit
        victims = []
        for session_id, count in tx.ended_sessions(project.id):
            if excess <= 0:
                break
            victims.append(session_id)
            excess -= count
        self._evict(tx, project, victims)

    def _evict(self, tx, project, ids: list[int]) -> None:
        # Ended sessions leave their usage behind as a roll-up so totals do not shrink.
        for session_id in ids:
            row = tx.session(session_id)
            if row["status"] == "completed":
                tx.add_rollup(self.state.usage.rollup_of(project.id, row))
            tx.delete_session(session_id)
