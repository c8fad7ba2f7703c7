"""The memory store, the default: the mock's live data in this process's dicts.

No SQL on a request's path: a token's join is a few dict operations. One lock makes each
``write()``/``read()`` block a transaction. There is no rollback: the resource modules make
every decision (and raise every refusal) before they write, as they do on SQLite too.
Rows are plain dicts with the columns of ``schema.sql``; callers get copies of session rows.
"""

from __future__ import annotations

import itertools
import threading
from contextlib import contextmanager
from typing import Any


class MemoryStore:
    """Implements ``Store`` and, while its lock is held, ``Transaction`` (it is its own)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        # Ids and arrivals count on across clear(), as SQLite's AUTOINCREMENT does.
        self._session_ids = itertools.count(1)
        self._arrivals = itertools.count(1)
        self.clear()

    @contextmanager
    def write(self):
        with self._lock:
            yield self

    read = write

    def clear(self) -> None:
        with self._lock:
            self._rooms: dict[str, dict[str, Any]] = {}
            #: project id → its room names, least recently touched first
            self._touch_order: dict[int, dict[str, None]] = {}
            #: room → identity → participant, first arrived first (a rejoin moves to the end)
            self._participants: dict[str, dict[str, dict[str, Any]]] = {}
            self._webhook_ids: dict[str, None] = {}
            self._sessions: dict[int, dict[str, Any]] = {}
            #: (project id, room name) → its session ids, oldest first
            self._by_room: dict[tuple[int, str], list[int]] = {}
            #: project id → its session ids, oldest first
            self._by_project: dict[int, dict[int, None]] = {}
            self._entries: dict[int, list[dict[str, Any]]] = {}
            self._rollups: dict[int, list[dict[str, Any]]] = {}

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {
                "rooms": len(self._rooms),
                "participants": sum(map(len, self._participants.values())),
                "sessions": len(self._sessions),
                "transcripts": sum(map(len, self._entries.values())),
                "webhook_ids": len(self._webhook_ids),
                "usage_rollup": sum(map(len, self._rollups.values())),
            }

    def close(self) -> None:
        pass

    # --- rooms and participants ---------------------------------------------------------
    def add_room(self, name, project_id, sid, created_at, now) -> bool:
        order = self._touch_order.setdefault(project_id, {})
        room = self._rooms.get(name)
        if room is not None:
            room["touched_at"] = now
            order = self._touch_order[room["project_id"]]
            del order[name]
            order[name] = None
            return False
        self._rooms[name] = {
            "name": name,
            "project_id": project_id,
            "sid": sid,
            "created_at": created_at,
            "touched_at": now,
            "arrival": next(self._arrivals),
        }
        order[name] = None
        return True

    def count_rooms(self, project_id):
        return len(self._touch_order.get(project_id, ()))

    def least_recent_rooms(self, project_id, n):
        return list(itertools.islice(self._touch_order.get(project_id, ()), n))

    def rooms_untouched_since(self, cutoff):
        return [name for name, room in self._rooms.items() if room["touched_at"] < cutoff]

    def drop_rooms(self, names):
        for name in names:
            room = self._rooms.pop(name, None)
            if room is not None:
                self._touch_order[room["project_id"]].pop(name, None)
            self._participants.pop(name, None)

    def room_exists(self, name, project_id):
        room = self._rooms.get(name)
        return room is not None and room["project_id"] == project_id

    def rooms(self, project_id=None):
        chosen = [r for r in self._rooms.values() if project_id in (None, r["project_id"])]
        chosen.sort(key=lambda r: (r["created_at"], r["arrival"]))
        return [(dict(r), len(self._participants.get(r["name"], ()))) for r in chosen]

    def participant_sid(self, room, identity):
        found = self._participants.get(room, {}).get(identity)
        return found["sid"] if found else None

    def count_participants(self, room):
        return len(self._participants.get(room, ()))

    def evict_first_arrived(self, room):
        present = self._participants.get(room)
        if present:
            del present[next(iter(present))]

    def put_participant(self, row):
        present = self._participants.setdefault(row["room"], {})
        present.pop(row["identity"], None)
        present[row["identity"]] = {**row, "arrival": next(self._arrivals)}

    def remove_participant(self, room, identity):
        self._participants.get(room, {}).pop(identity, None)

    def participants(self, room=None):
        if room is None:
            rows = [p for present in self._participants.values() for p in present.values()]
        else:
            rows = list(self._participants.get(room, {}).values())
        rows.sort(key=lambda p: (p["joined_at"], p["arrival"]))
        return rows

    # --- webhooks -----------------------------------------------------------------------
    def remember_webhook(self, webhook_id):
        if webhook_id in self._webhook_ids:
            return False
        self._webhook_ids[webhook_id] = None
        return True

    def forget_webhooks_beyond(self, keep):
        excess = len(self._webhook_ids) - keep
        for webhook_id in list(itertools.islice(self._webhook_ids, max(0, excess))):
            del self._webhook_ids[webhook_id]

    # --- sessions and transcripts -------------------------------------------------------
    def latest_session(self, project_id, room_name):
        ids = self._by_room.get((project_id, room_name))
        return dict(self._sessions[ids[-1]]) if ids else None

    def add_session(self, row):
        session_id = next(self._session_ids)
        session = {
            "id": session_id,
            "ended_at": None,
            "duration": None,
            "summary": None,
            "transcript_count": 0,
            "content_chars": 0,
            **row,
        }
        self._sessions[session_id] = session
        self._by_room.setdefault((row["project_id"], row["room_name"]), []).append(session_id)
        self._by_project.setdefault(row["project_id"], {})[session_id] = None
        return dict(session)

    def session(self, session_id):
        return dict(self._sessions[session_id])

    def count_sessions(self, project_id):
        return len(self._by_project.get(project_id, ()))

    def sessions_to_evict(self, project_id, n):
        # Ids are in creation order, so the oldest ended sessions come first: at the cap this
        # stops after a few, where sorting every session would cost a millisecond per create.
        ids = self._by_project.get(project_id, {})
        ended = (i for i in ids if self._sessions[i]["status"] != "active")
        chosen = list(itertools.islice(ended, n))
        if len(chosen) < n:
            active = (i for i in ids if self._sessions[i]["status"] == "active")
            chosen += itertools.islice(active, n - len(chosen))
        return chosen

    def ended_sessions(self, project_id):
        rows = (self._sessions[i] for i in self._by_project.get(project_id, ()))
        return [(s["id"], s["transcript_count"]) for s in rows if s["status"] == "completed"]

    def delete_session(self, session_id):
        session = self._sessions.pop(session_id, None)
        if session is None:
            return
        key = (session["project_id"], session["room_name"])
        self._by_room[key].remove(session_id)
        if not self._by_room[key]:
            del self._by_room[key]
        del self._by_project[session["project_id"]][session_id]
        self._entries.pop(session_id, None)

    def count_entry(self, project_id, room_name, chars, max_entries):
        ids = self._by_room.get((project_id, room_name))
        if not ids:
            return None
        session = self._sessions[ids[-1]]
        if session["status"] != "active" or session["transcript_count"] >= max_entries:
            return None
        session["transcript_count"] += 1
        session["content_chars"] += chars
        return session["id"], session["transcript_count"]

    def add_entry(self, row):
        self._entries.setdefault(row["session_id"], []).append(dict(row))

    def end_session(self, session_id, ended_at, duration, summary):
        session = self._sessions[session_id]
        session.update(status="completed", ended_at=ended_at, duration=duration, summary=summary)
        return dict(session)

    def project_entry_total(self, project_id):
        return sum(
            self._sessions[i]["transcript_count"] for i in self._by_project.get(project_id, ())
        )

    def completed_sessions(self, project_id):
        rows = (self._sessions[i] for i in self._by_project.get(project_id, ()))
        return [dict(s) for s in rows if s["status"] == "completed"]

    def sessions(self):
        return [dict(self._sessions[i]) for i in sorted(self._sessions)]

    def entries(self):
        return [dict(e) for i in sorted(self._entries) for e in self._entries[i]]

    # --- usage ----------------------------------------------------------------------------
    def add_rollup(self, row):
        self._rollups.setdefault(row["project_id"], []).append(dict(row))

    def rollups(self, project_id):
        return list(self._rollups.get(project_id, ()))
