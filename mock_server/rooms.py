"""Rooms and participants: a token's simulated join, LiveKit room webhooks, caps and expiry.

Caps keep the mock bounded: a project keeps at most ``max_rooms_per_project`` rooms (the
least recently touched go), a room at most ``max_participants_per_room`` participants (the
first to arrive goes: arrival order, since ``joined_at`` is whole seconds). A room nobody
joined for ``room_ttl_seconds`` expires.
"""

from __future__ import annotations

from typing import Any

from .errors import ApiError
from .livekit import Dispatch
from .timestamps import int64, new_sid

#: Most room inserts per project between two exact cap checks (also at most 1/32 of the cap).
ROOM_CAP_SLACK = 64


def participant_json(row) -> dict[str, Any]:
    return {
        "sid": row["sid"],
        "identity": row["identity"],
        "name": row["name"],
        "kind": row["kind"],
        "state": row["state"],
        "joinedAt": row["joined_at"],
        "isPublisher": bool(row["is_publisher"]),
        "metadata": row["metadata"],
    }


class Rooms:
    def __init__(self, state) -> None:
        self.state = state
        self._last_expiry = 0.0
        self._room_inserts: dict[int, int] = {}
        self._cap_slack = max(1, min(ROOM_CAP_SLACK, state.config.max_rooms_per_project // 32))

    # --- the rules --------------------------------------------------------------------------
    def join(self, project, full_room: str, identity: str, dispatches: list[Dispatch]) -> None:
        """Simulate a token's join: the room appears with the identity; agents are
        dispatched only when the join creates the room (as in LiveKit)."""
        now = self.state.clock()
        self.maybe_expire(now)
        caller = {"identity": identity, "name": identity, "kind": "STANDARD", "state": "ACTIVE"}
        caller.update(joined_at=int(now), is_publisher=1, metadata="")
        with self.state.store.write() as tx:
            if not self.ensure_room(tx, project, full_room, now):
                self.add_participant(tx, full_room, caller)
                return
            self.add_participant(tx, full_room, caller)
            agents = self.state.seed.agents
            for d in dispatches:
                agent = {"identity": f"agent-{d.agent_id}", "name": agents[d.agent_id].name}
                agent.update(kind="AGENT", state="ACTIVE", joined_at=int(now), is_publisher=1)
                self.add_participant(tx, full_room, {**agent, "metadata": d.metadata})

    def ensure_room(self, tx, project, full_room: str, now: float, sid=None, created_at=None):
        """Create the room (``True``) or touch it (``False``); the project's cap holds."""
        created = tx.add_room(full_room, project.id, sid or new_sid("RM_"), created_at or now, now)
        if created:
            # Counting rooms on every insert would double SQLite's queries on the hot path;
            # the exact cap is enforced every few inserts per project and in the sweep.
            pending = self._room_inserts.get(project.id, 0) + 1
            self._room_inserts[project.id] = pending
            if pending >= self._cap_slack:
                self._cap_rooms(tx, project.id)
        return created

    def _cap_rooms(self, tx, project_id: int) -> None:
        self._room_inserts[project_id] = 0
        excess = tx.count_rooms(project_id) - self.state.config.max_rooms_per_project
        if excess > 0:
            tx.drop_rooms(tx.least_recent_rooms(project_id, excess))

    def add_participant(self, tx, room: str, fields: dict[str, Any]) -> None:
        """Join or rejoin ``fields["identity"]``; a newcomer to a full room evicts the
        participant that arrived first. A rejoin keeps its sid and counts as a new arrival."""
        existing = tx.participant_sid(room, fields["identity"])
        if existing is None and tx.count_participants(room) >= (
            self.state.config.max_participants_per_room
        ):
            tx.evict_first_arrived(room)
        sid = fields.get("sid") or existing or new_sid("PA_")
        tx.put_participant({"room": room, **fields, "sid": sid})

    def maybe_expire(self, now: float) -> None:
        # Expiry runs at most once a second: cheap enough for the hot path, soon enough for TTLs.
        if now - self._last_expiry < 1.0:
            return
        self._last_expiry = now
        cutoff = now - self.state.config.room_ttl_seconds
        with self.state.store.write() as tx:
            tx.drop_rooms(tx.rooms_untouched_since(cutoff))
            for project_id in self.state.seed.projects:
                self._cap_rooms(tx, project_id)

    def apply_event(self, tx, project, event: dict[str, Any], now: float) -> None:
        """A verified LiveKit webhook's effect on the room it names."""
        room = event["room"]
        full, kind = room["name"], event["event"]
        created = int64(room["creationTime"], now) if room.get("creationTime") else None
        participant = event.get("participant")
        if kind == "room_started":
            self.ensure_room(tx, project, full, now, room.get("sid"), created)
        elif kind == "room_finished":
            tx.drop_rooms([full])
        elif kind == "participant_joined" and participant:
            self.ensure_room(tx, project, full, now, room.get("sid"), created)
            fields = {
                "identity": participant["identity"],
                "name": participant.get("name", ""),
                "kind": participant.get("kind", "STANDARD"),
                "state": participant.get("state", "JOINING"),
                "joined_at": int64(participant.get("joinedAt"), now),
                "is_publisher": int(bool(participant.get("isPublisher", False))),
                "metadata": participant.get("metadata", ""),
                "sid": participant.get("sid"),
            }
            self.add_participant(tx, full, fields)
        elif kind in ("participant_left", "participant_connection_aborted") and participant:
            tx.remove_participant(full, participant["identity"])

    # --- what the API shows -----------------------------------------------------------------
    def list_rooms(self, project) -> list[dict[str, Any]]:
        self.maybe_expire(self.state.clock())
        with self.state.store.read() as tx:
            rows = tx.rooms(project.id)
        cut = len(project.room_prefix)
        return [
            {
                "name": r["name"][cut:],
                "fullName": r["name"],
                "numParticipants": n,
                "createdAt": int(r["created_at"]),
            }
            for r, n in rows
        ]

    def room_participants(self, project, room: str) -> dict[str, Any]:
        """:raise 404: no such active room in this project."""
        full = project.room_prefix + room
        with self.state.store.read() as tx:
            if not tx.room_exists(full, project.id):
                raise ApiError(404, f"No active room '{room}' in this project")
            rows = tx.participants(full)
        return {"room": room, "fullName": full, "participants": [participant_json(r) for r in rows]}

    def exists(self, project, full_room: str) -> bool:
        with self.state.store.read() as tx:
            return tx.room_exists(full_room, project.id)
