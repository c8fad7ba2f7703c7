"""``MockState``: everything the mock remembers, behind one object on ``app.extensions``.

Reference data (projects, agents, tools, knowledge, secrets, usage history) comes from the
seed and never changes. Live data (rooms, participants, sessions, transcripts, webhook ids)
lives in a ``Store`` (SQLite, in memory or in a file). Caps and expiry keep it bounded.
The request journal and fault rules are per process, like WireMock's.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import deque
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app
from rank_bm25 import BM25Okapi

from .config import MockConfig
from .errors import ApiError
from .fault_rules import FaultRules, SharedFaultRules
from .livekit import Dispatch, dispatch_metadata, mint_token
from .seed import Project, Seed, load_seed
from .store_sqlite import SharedJournal, Store

EXTENSION = "voxai_mock"
#: Transcript appends between two checks of a project's total entries.
TRANSCRIPT_CHECK_EVERY = 256
#: Most room inserts per project between two exact cap checks (also at most 1/32 of the cap).
ROOM_CAP_SLACK = 64
_WORD = re.compile(r"[a-z0-9]+")
SERVICES = ("llm", "stt", "tts", "livekit")


def get_state() -> MockState:
    """The ``MockState`` of the current app (flaskr's ``get_db()`` idiom)."""
    return current_app.extensions[EXTENSION]


def _sid(prefix: str) -> str:
    # Sids name things, they guard nothing: no urandom system call per room and participant.
    # (random reseeds itself in forked gunicorn workers, so workers do not repeat each other.)
    return f"{prefix}{random.getrandbits(48):012x}"


def _iso(ts: float | None, timespec: str = "seconds") -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


# Function words carry no topic; without them BM25 stops ranking "to my a" matches.
_STOPWORDS = frozenset(
    "a an and are as at be by can do does for from how i if in is it its me my of on or our"
    " so that the their then there this to we what when where which who why will with you"
    " your".split()
)


def _int64(text: Any, default: float) -> int:
    """A protojson int64 (a decimal string) as a number SQLite can store."""
    try:
        value = int(text)
    except (TypeError, ValueError):
        return int(default)
    return value if -(2**63) <= value < 2**63 else int(default)


def _tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]


class KnowledgeIndex:
    """BM25 over one knowledge base's documents (title + section + content)."""

    def __init__(self, documents: tuple[dict[str, Any], ...]) -> None:
        self.documents = documents
        corpus = [
            _tokens(f"{d['title']} {d['title']} {d.get('section', '')} {d['content']}")
            for d in documents
        ]
        self.bm25 = BM25Okapi(corpus) if corpus else None

    def search(self, query: str, top_k: int) -> list[dict[str, Any]]:
        terms = _tokens(query)
        if not self.bm25 or not terms:
            return []
        scores = self.bm25.get_scores(terms)
        ranked = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
        results = []
        for i in ranked[:top_k]:
            if scores[i] <= 0:
                break
            doc = self.documents[i]
            meta = {k: v for k, v in doc.items() if k not in ("id", "title", "content")}
            results.append(
                {
                    "document_id": doc["id"],
                    "title": doc["title"],
                    "content": doc["content"],
                    "score": round(float(scores[i]), 4),
                    "metadata": meta,
                }
            )
        return results


class MockState:
    """The mock's state. Thread-safe; every method is one transaction.

    Methods raise ``ApiError`` for outcomes the spec documents (404, 409, 403...).
    """

    def __init__(self, config: MockConfig, clock=time.time) -> None:
        self.config = config
        self.clock = clock
        self.store = Store(config.state_file)
        self._local = threading.Lock()
        self._last_expiry = 0.0
        self._room_inserts: dict[int, int] = {}
        self._appends_since_check = 0
        self._cap_slack = max(1, min(ROOM_CAP_SLACK, config.max_rooms_per_project // 32))
        # One process keeps its journal and faults in memory; workers sharing a store share them.
        self.journal: Any = (
            SharedJournal(self.store, config.journal_size)
            if config.shared_store
            else deque(maxlen=config.journal_size)
        )
        self.faults: Any = SharedFaultRules(self.store) if config.shared_store else FaultRules()
        self.violations: list[str] = []
        self._load_seed()

    def _load_seed(self) -> None:
        self.seed: Seed = load_seed(self.config.seed_path)
        self.knowledge = {
            kb_id: KnowledgeIndex(kb.documents) for kb_id, kb in self.seed.knowledge_bases.items()
        }

    # --- admin --------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the seed: rooms, participants, sessions, transcripts, webhook ids, usage
        roll-ups, the journal and every fault rule are dropped; the seed file is read again.
        The configuration (keys, caps, LiveKit credentials, state file) survives."""
        self.store.clear()
        with self._local:
            self.journal.clear()
            self.faults.clear()
            self.violations.clear()
        self._load_seed()

    def record(self, entry: dict[str, Any]) -> None:
        """Append to the bounded request journal (``at`` as Unix time; see ``requests()``)."""
        self.journal.append(entry)

    def requests(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Journal entries, oldest first, with ``at`` as an ISO date-time."""
        entries = list(self.journal)
        if limit is not None:
            entries = entries[-limit:]
        return [{**e, "at": _iso(e["at"], "milliseconds")} for e in entries]

    def calls_to(self, path: str, method: str | None = None) -> list[dict[str, Any]]:
        """Journal entries for this exact path (and method)."""
        return [
            e
            for e in self.requests()
            if e["path"] == path and (method is None or e["method"] == method.upper())
        ]

    # --- auth ---------------------------------------------------------------------------
    def project_for_key(self, api_key: str | None) -> Project | None:
        return self.seed.project_by_key(api_key) if api_key else None

    # --- agents -------------------------------------------------------------------------
    def list_agents(self, project: Project) -> list[dict[str, Any]]:
        return [a.public() for a in self.seed.agents.values() if a.project_id == project.id]

    def agent_tools(self, project: Project, agent_id: int) -> dict[str, Any]:
        """:raise 404: no such agent in this project."""
        agent = self._agent(project, agent_id)
        return {"agent_id": agent.id, "tools": self.seed.tools.get(agent.id, [])}

    def _agent(self, project: Project, agent_id: int):
        agent = self.seed.agents.get(agent_id)
        if agent is None or agent.project_id != project.id:
            raise ApiError(404, f"No agent {agent_id} in this project")
        return agent

    def dispatch_for(self, project: Project, body: dict[str, Any]) -> list[Dispatch]:
        """Agents a token request dispatches: none with ``no_agent``, else the ids given
        (``agent_config_ids`` then ``agent_config_id``), else the project's default agent.

        :raise 404: an unknown agent or another project's.
        :raise 409: an inactive agent.
        """
        if body.get("no_agent"):
            return []
        ids = list(body.get("agent_config_ids") or [])
        if body.get("agent_config_id") is not None:
            ids.append(body["agent_config_id"])
        explicit = bool(ids)
        if not ids and project.default_agent_id is not None:
            ids = [project.default_agent_id]
        dispatches, seen = [], set()
        for agent_id in ids:
            agent_id = int(agent_id)
            if agent_id in seen:
                continue
            seen.add(agent_id)
            agent = self._agent(project, agent_id)
            if not agent.is_active:
                if not explicit:
                    return []  # an inactive default agent just means nobody is dispatched
                raise ApiError(409, f"Agent {agent_id} is inactive")
            dispatches.append(
                Dispatch(agent.id, agent.dispatch_name, dispatch_metadata(agent.id, project.id))
            )
        return dispatches

    def issue_token(self, project: Project, body: dict[str, Any]) -> dict[str, Any]:
        """A LiveKit token for the prefixed room; simulates the join unless switched off.

        :raise 404: an unknown or other project's agent. :raise 409: an inactive agent.
        """
        dispatches = self.dispatch_for(project, body)
        room = project.room_prefix + body["room"]
        token = mint_token(
            self.config.livekit_api_key,
            self.config.livekit_api_secret,
            identity=body["identity"],
            room=room,
            grants=body.get("grants"),
            dispatches=dispatches,
        )
        if self.config.simulate_join:
            self.join(project, room, body["identity"], dispatches)
        return {
            "token": token,
            "room": room,
            "wsUrl": self.config.livekit_ws_url,
            "agents_dispatched": [d.agent_id for d in dispatches],
        }

    # --- rooms --------------------------------------------------------------------------
    def join(self, project: Project, full_room: str, identity: str, dispatches: list[Dispatch]):
        """Simulate a token's join: the room appears with the identity; agents are
        dispatched only when the join creates the room (as in LiveKit)."""
        now = self.clock()
        self._maybe_expire(now)
        joined = int(now)
        with self.store.write() as db:
            created = self._ensure_room(db, project, full_room, now)
            if not created:
                self._upsert_participant(
                    db, full_room, identity, identity, "STANDARD", "ACTIVE", joined, True, ""
                )
                return
            rows = [
                (full_room, identity, _sid("PA_"), identity, "STANDARD", "ACTIVE", joined, 1, "")
            ]
            rows += [
                (
                    full_room,
                    f"agent-{d.agent_id}",
                    _sid("PA_"),
                    self.seed.agents[d.agent_id].name,
                    "AGENT",
                    "ACTIVE",
                    joined,
                    1,
                    d.metadata,
                )
                for d in dispatches
            ]
            db.executemany(
                "INSERT OR REPLACE INTO participants (room, identity, sid, name, kind, state,"
                " joined_at, is_publisher, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def _ensure_room(
        self, db, project: Project, full_room: str, now: float, sid=None, created_at=None
    ) -> bool:
        created = db.execute(
            "INSERT OR IGNORE INTO rooms (name, project_id, sid, created_at, touched_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (full_room, project.id, sid or _sid("RM_"), created_at or now, now),
        ).rowcount
        if not created:
            db.execute("UPDATE rooms SET touched_at = ? WHERE name = ?", (now, full_room))
            return False
        # Counting rooms on every insert would double the hot path's queries; the exact cap
        # is enforced every few inserts per project (_cap_slack) and in the periodic sweep.
        pending = self._room_inserts.get(project.id, 0) + 1
        self._room_inserts[project.id] = pending
        if pending >= self._cap_slack:
            self._cap_rooms(db, project.id)
        return True

    def _cap_rooms(self, db, project_id: int) -> None:
        self._room_inserts[project_id] = 0
        count = db.execute(
            "SELECT COUNT(*) FROM rooms WHERE project_id = ?", (project_id,)
        ).fetchone()[0]
        excess = count - self.config.max_rooms_per_project
        if excess > 0:
            old = db.execute(
                "SELECT name FROM rooms WHERE project_id = ? ORDER BY touched_at, rowid LIMIT ?",
                (project_id, excess),
            ).fetchall()
            self._drop_rooms(db, [r[0] for r in old])

    def _drop_rooms(self, db, names: list[str]) -> None:
        keys = [(name,) for name in names]
        db.executemany("DELETE FROM participants WHERE room = ?", keys)
        db.executemany("DELETE FROM rooms WHERE name = ?", keys)

    def _upsert_participant(
        self, db, room, identity, name, kind, state, joined_at, publisher, metadata, sid=None
    ) -> None:
        existing = db.execute(
            "SELECT sid FROM participants WHERE room = ? AND identity = ?", (room, identity)
        ).fetchone()
        if existing is None:
            count = db.execute(
                "SELECT COUNT(*) FROM participants WHERE room = ?", (room,)
            ).fetchone()[0]
            if count >= self.config.max_participants_per_room:
                db.execute(
                    "DELETE FROM participants WHERE room = ? AND identity = (SELECT identity FROM"
                    " participants WHERE room = ? ORDER BY joined_at LIMIT 1)",
                    (room, room),
                )
        db.execute(
            "INSERT OR REPLACE INTO participants (room, identity, sid, name, kind, state,"
            " joined_at, is_publisher, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                room,
                identity,
                sid or (existing[0] if existing else _sid("PA_")),
                name,
                kind,
                state,
                joined_at,
                int(publisher),
                metadata,
            ),
        )

    def _maybe_expire(self, now: float) -> None:
        # Expiry runs at most once a second: cheap enough for the hot path, soon enough for TTLs.
        if now - self._last_expiry < 1.0:
            return
        self._last_expiry = now
        cutoff = now - self.config.room_ttl_seconds
        with self.store.write() as db:
            old = db.execute("SELECT name FROM rooms WHERE touched_at < ?", (cutoff,)).fetchall()
            self._drop_rooms(db, [r[0] for r in old])
            for project_id in self.seed.projects:
                self._cap_rooms(db, project_id)
            keep = self.config.webhook_ids_kept
            db.execute(
                "DELETE FROM webhook_ids WHERE seq <= (SELECT MAX(seq) FROM webhook_ids) - ?",
                (keep,),
            )

    def list_rooms(self, project: Project) -> list[dict[str, Any]]:
        self._maybe_expire(self.clock())
        with self.store.read() as db:
            rows = db.execute(
                "SELECT r.name, r.created_at, (SELECT COUNT(*) FROM participants p"
                " WHERE p.room = r.name) AS n FROM rooms r WHERE r.project_id = ?"
                " ORDER BY r.created_at, r.rowid",
                (project.id,),
            ).fetchall()
        cut = len(project.room_prefix)
        return [
            {
                "name": r["name"][cut:],
                "fullName": r["name"],
                "numParticipants": r["n"],
                "createdAt": int(r["created_at"]),
            }
            for r in rows
        ]

    def room_participants(self, project: Project, room: str) -> dict[str, Any]:
        """:raise 404: no such active room in this project."""
        full = project.room_prefix + room
        with self.store.read() as db:
            exists = db.execute(
                "SELECT 1 FROM rooms WHERE name = ? AND project_id = ?", (full, project.id)
            ).fetchone()
            if not exists:
                raise ApiError(404, f"No active room '{room}' in this project")
            rows = db.execute(
                "SELECT * FROM participants WHERE room = ? ORDER BY joined_at, identity", (full,)
            ).fetchall()
        return {"room": room, "fullName": full, "participants": [_participant(r) for r in rows]}

    # --- webhooks -----------------------------------------------------------------------
    def apply_webhook(self, event: dict[str, Any]) -> bool:
        """Apply a verified LiveKit event once; ``True`` when its id was seen before.
        Events for rooms of no known project are acknowledged and ignored."""
        now = self.clock()
        self._maybe_expire(now)
        with self.store.write() as db:
            try:
                db.execute("INSERT INTO webhook_ids (id) VALUES (?)", (event["id"],))
            except Exception as exc:  # sqlite3.IntegrityError: a redelivery
                if "UNIQUE" in str(exc):
                    return True
                raise
            room = event.get("room") or {}
            project = self.seed.project_by_room(room.get("name", ""))
            if project is None:
                return False
            full = room["name"]
            kind = event["event"]
            created = _int64(room["creationTime"], now) if room.get("creationTime") else None
            if kind == "room_started":
                self._ensure_room(db, project, full, now, room.get("sid"), created)
            elif kind == "room_finished":
                self._drop_rooms(db, [full])
            elif kind == "participant_joined" and event.get("participant"):
                p = event["participant"]
                self._ensure_room(db, project, full, now, room.get("sid"), created)
                self._upsert_participant(
                    db,
                    full,
                    p["identity"],
                    p.get("name", ""),
                    p.get("kind", "STANDARD"),
                    p.get("state", "JOINING"),
                    _int64(p.get("joinedAt"), now),
                    bool(p.get("isPublisher", False)),
                    p.get("metadata", ""),
                    p.get("sid"),
                )
            elif kind in ("participant_left", "participant_connection_aborted") and event.get(
                "participant"
            ):
                db.execute(
                    "DELETE FROM participants WHERE room = ? AND identity = ?",
                    (full, event["participant"]["identity"]),
                )
        return False

    # --- sessions -----------------------------------------------------------------------
    def create_session(self, project: Project, body: dict[str, Any]) -> dict[str, Any]:
        """:raise 404: unknown agent. :raise 409: an active session for this room exists,
        or the agent is inactive."""
        agent_id = body.get("agent_config_id")
        if agent_id is not None:
            agent = self._agent(project, int(agent_id))
            if not agent.is_active:
                raise ApiError(409, f"Agent {agent_id} is inactive")
        now = self.clock()
        with self.store.write() as db:
            latest = self._latest_session(db, project, body["room_name"])
            if latest is not None and latest["status"] == "active":
                raise ApiError(409, f"Session for room '{body['room_name']}' is already active")
            cur = db.execute(
                "INSERT INTO sessions (project_id, room_name, agent_config_id, caller_identity,"
                " session_type, status, metadata, started_at)"
                " VALUES (?, ?, ?, ?, ?, 'active', ?, ?)",
                (
                    project.id,
                    body["room_name"],
                    agent_id,
                    body.get("caller_identity"),
                    body["session_type"],
                    json.dumps(body.get("metadata") or {}),
                    now,
                ),
            )
            self._cap_sessions(db, project)
            row = db.execute("SELECT * FROM sessions WHERE id = ?", (cur.lastrowid,)).fetchone()
        return _session(row)

    def _latest_session(self, db, project: Project, room_name: str):
        return db.execute(
            "SELECT * FROM sessions WHERE project_id = ? AND room_name = ?"
            " ORDER BY id DESC LIMIT 1",
            (project.id, room_name),
        ).fetchone()

    def _session_for_update(self, db, project: Project, room_name: str):
        latest = self._latest_session(db, project, room_name)
        if latest is None:
            raise ApiError(404, f"No session for room '{room_name}'")
        if latest["status"] != "active":
            raise ApiError(409, f"Session for room '{room_name}' has ended")
        return latest

    def _cap_sessions(self, db, project: Project) -> None:
        count = db.execute(
            "SELECT COUNT(*) FROM sessions WHERE project_id = ?", (project.id,)
        ).fetchone()[0]
        excess = count - self.config.max_sessions_per_project
        if excess <= 0:
            return
        # Ended sessions go first; their usage is kept as a roll-up so totals do not shrink.
        victims = db.execute(
            "SELECT id FROM sessions WHERE project_id = ? ORDER BY status = 'active', id LIMIT ?",
            (project.id, excess),
        ).fetchall()
        self._evict_sessions(db, project, [row["id"] for row in victims])

    def _evict_sessions(self, db, project: Project, ids: list[int]) -> None:
        # Ended sessions leave their usage behind as a roll-up so totals do not shrink.
        for session_id in ids:
            row = db.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
            if row["status"] == "completed":
                rec = self._usage_of_session(row)
                db.execute(
                    "INSERT INTO usage_rollup VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)",
                    (
                        project.id,
                        rec["day"].isoformat(),
                        rec["agent_id"],
                        rec["model"],
                        rec["duration_seconds"],
                        rec["llm_tokens"],
                        *(rec["cost"][s] for s in SERVICES),
                    ),
                )
            db.execute("DELETE FROM transcripts WHERE session_id = ?", (session_id,))
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    def _cap_project_transcripts(self, db, project: Project) -> None:
        self._appends_since_check = 0
        total = db.execute(
            "SELECT COALESCE(SUM(transcript_count), 0) FROM sessions WHERE project_id = ?",
            (project.id,),
        ).fetchone()[0]
        excess = total - self.config.max_project_transcript_entries
        if excess <= 0:
            return
        # Oldest ended sessions go whole (usage rolled up), as the session cap does.
        ended = db.execute(
            "SELECT id, transcript_count FROM sessions WHERE project_id = ?"
            " AND status = 'completed' ORDER BY id",
            (project.id,),
        ).fetchall()
        victims = []
        for row in ended:
            if excess <= 0:
                break
            victims.append(row["id"])
            excess -= row["transcript_count"]
        self._evict_sessions(db, project, victims)

    def add_transcript_entry(self, project: Project, room_name: str, body: dict[str, Any]):
        """:raise 404: no session for the room. :raise 409: it has ended, or is full."""
        now = self.clock()
        with self.store.write() as db:
            # One statement finds the room's latest session and counts the entry when the
            # session is active and not full; only a refusal looks again to say which it is.
            counted = db.execute(
                "UPDATE sessions SET transcript_count = transcript_count + 1,"
                " content_chars = content_chars + ? WHERE id = (SELECT id FROM sessions"
                " WHERE project_id = ? AND room_name = ? ORDER BY id DESC LIMIT 1)"
                " AND status = 'active' AND transcript_count < ?"
                " RETURNING id, transcript_count",
                (len(body["content"]), project.id, room_name, self.config.max_transcript_entries),
            ).fetchall()
            if not counted:
                self._session_for_update(db, project, room_name)  # 404, or 409 when ended
                raise ApiError(409, f"Session for room '{room_name}' has a full transcript")
            session_id, sequence = counted[0]
            db.execute(
                "INSERT INTO transcripts VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    sequence,
                    body["speaker"],
                    body["content"],
                    _as_text(body.get("timestamp_ms")),
                    int(body["is_final"]),
                    now,
                ),
            )
            self._appends_since_check += 1
            if self._appends_since_check >= TRANSCRIPT_CHECK_EVERY:
                self._cap_project_transcripts(db, project)
        return {
            "session_id": session_id,
            "room_name": room_name,
            "sequence": sequence,
            "speaker": body["speaker"],
            "content": body["content"],
            "timestamp_ms": body.get("timestamp_ms"),
            "is_final": body["is_final"],
            "created_at": _iso(now),
        }

    def end_session(self, project: Project, room_name: str, body: dict[str, Any]):
        """:raise 404: no session for the room. :raise 409: already ended."""
        now = self.clock()
        with self.store.write() as db:
            session = self._session_for_update(db, project, room_name)
            duration = body.get("duration")
            if duration is None:
                duration = round(max(0.0, now - session["started_at"]), 3)
            db.execute(
                "UPDATE sessions SET status = 'completed', ended_at = ?, duration = ?, summary = ?"
                " WHERE id = ?",
                (now, duration, body.get("summary"), session["id"]),
            )
            row = db.execute("SELECT * FROM sessions WHERE id = ?", (session["id"],)).fetchone()
        return _session(row)

    # --- knowledge, usage, secrets ------------------------------------------------------
    def search_knowledge(self, project: Project, kb_id: int, query: str, top_k: int):
        """:raise 404: no such knowledge base in this project."""
        kb = self.seed.knowledge_bases.get(kb_id)
        if kb is None or kb.project_id != project.id:
            raise ApiError(404, f"No knowledge base {kb_id} in this project")
        return {
            "knowledge_base_id": kb_id,
            "query": query,
            "results": self.knowledge[kb_id].search(query, top_k),
        }

    def provider_secrets(self, project: Project, project_id: int, provider: str):
        """:raise 403: another project's id. :raise 404: no secrets for the provider."""
        if project_id != project.id:
            raise ApiError(403, f"Project {project_id} does not belong to this API key")
        values = self.seed.secrets.get(project.id, {}).get(provider)
        if values is None:
            raise ApiError(404, f"No secrets for provider '{provider}' in this project")
        return {"project_id": project.id, "provider": provider, "secrets": dict(values)}

    def _usage_of_session(self, row) -> dict[str, Any]:
        rates = self.seed.rates
        agent = self.seed.agents.get(row["agent_config_id"] or -1)
        if agent is None:
            project = self.seed.projects[row["project_id"]]
            agent = self.seed.agents.get(project.default_agent_id or -1)
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

    def _usage_records(self, project: Project, today: date) -> list[dict[str, Any]]:
        records = []
        for h in self.seed.usage_history:
            if h["project_id"] != project.id:
                continue
            agent = self.seed.agents.get(h.get("agent_id") or -1)
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
        with self.store.read() as db:
            rows = db.execute(
                "SELECT * FROM sessions WHERE project_id = ? AND status = 'completed'",
                (project.id,),
            ).fetchall()
            rollups = db.execute(
                "SELECT * FROM usage_rollup WHERE project_id = ?", (project.id,)
            ).fetchall()
        records.extend(self._usage_of_session(r) for r in rows)
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

    def usage(self, project: Project, period: str, group_by: str) -> dict[str, Any]:
        """Seeded history plus completed sessions, within ``period``, grouped by ``group_by``."""
        today = datetime.fromtimestamp(self.clock(), UTC).date()
        records = self._usage_records(project, today)
        if period == "all":
            start = min((r["day"] for r in records), default=None)
        else:
            start = today - timedelta(days={"today": 0, "7d": 6, "30d": 29}[period])
        chosen = [r for r in records if (start is None or r["day"] >= start) and r["day"] <= today]
        groups: dict[str, dict[str, Any]] = {}
        totals = _zero()
        for r in chosen:
            cost = sum(r["cost"].values())
            _add(totals, r["sessions"], r["duration_seconds"], r["llm_tokens"], cost)
            if group_by == "service":
                for service in SERVICES:
                    g = groups.setdefault(service, _zero(service))
                    _add(
                        g,
                        r["sessions"],
                        r["duration_seconds"],
                        r["llm_tokens"] if service == "llm" else 0,
                        r["cost"][service],
                    )
                continue
            key = {
                "day": r["day"].isoformat(),
                "model": r["model"],
                "agent": str(r["agent_id"]) if r["agent_id"] is not None else "none",
            }[group_by]
            _add(
                groups.setdefault(key, _zero(key)),
                r["sessions"],
                r["duration_seconds"],
                r["llm_tokens"],
                cost,
            )
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

    # --- snapshot -----------------------------------------------------------------------
    def snapshot(self, project_id=None, room_prefix=None, transcripts=True) -> dict[str, Any]:
        """Rooms with participants and sessions with transcripts, optionally filtered."""
        prefix = room_prefix or ""
        with self.store.read() as db:
            rooms = db.execute("SELECT * FROM rooms ORDER BY created_at, rowid").fetchall()
            participants: dict[str, list] = {}
            for p in db.execute("SELECT * FROM participants ORDER BY joined_at, identity"):
                participants.setdefault(p["room"], []).append(_participant(p))
            sessions = db.execute("SELECT * FROM sessions ORDER BY id").fetchall()
            entries: dict[int, list] = {}
            if transcripts:
                for t in db.execute("SELECT * FROM transcripts ORDER BY session_id, sequence"):
                    entries.setdefault(t["session_id"], []).append(t)
        out_rooms = []
        for r in rooms:
            if (project_id and r["project_id"] != project_id) or not r["name"].startswith(prefix):
                continue
            project = self.seed.projects.get(r["project_id"])
            cut = len(project.room_prefix) if project else 0
            out_rooms.append(
                {
                    "project_id": r["project_id"],
                    "name": r["name"][cut:],
                    "fullName": r["name"],
                    "createdAt": int(r["created_at"]),
                    "participants": participants.get(r["name"], []),
                }
            )
        out_sessions = []
        for s in sessions:
            if (project_id and s["project_id"] != project_id) or not s["room_name"].startswith(
                prefix
            ):
                continue
            item: dict[str, Any] = {"project_id": s["project_id"], "session": _session(s)}
            if transcripts:
                item["transcript"] = [_entry(t, s["room_name"]) for t in entries.get(s["id"], [])]
            out_sessions.append(item)
        return {"rooms": out_rooms, "sessions": out_sessions}


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


def _as_text(value: float | None) -> str | None:
    # The spec bounds timestamp_ms below only; text holds any integer SQLite's int64 cannot,
    # and a fraction exactly as parsed (repr round-trips a float).
    return None if value is None else repr(value)


def _from_text(value: str | None) -> float | None:
    if value is None:
        return None
    return int(value) if value.lstrip("-").isdigit() else float(value)


def _participant(r) -> dict[str, Any]:
    return {
        "sid": r["sid"],
        "identity": r["identity"],
        "name": r["name"],
        "kind": r["kind"],
        "state": r["state"],
        "joinedAt": r["joined_at"],
        "isPublisher": bool(r["is_publisher"]),
        "metadata": r["metadata"],
    }


def _session(r) -> dict[str, Any]:
    return {
        "id": r["id"],
        "room_name": r["room_name"],
        "agent_config_id": r["agent_config_id"],
        "caller_identity": r["caller_identity"],
        "session_type": r["session_type"],
        "status": r["status"],
        "metadata": json.loads(r["metadata"]),
        "started_at": _iso(r["started_at"]),
        "ended_at": _iso(r["ended_at"]),
        "duration": r["duration"],
        "summary": r["summary"],
        "transcript_count": r["transcript_count"],
    }


def _entry(t, room_name: str) -> dict[str, Any]:
    return {
        "session_id": t["session_id"],
        "room_name": room_name,
        "sequence": t["sequence"],
        "speaker": t["speaker"],
        "content": t["content"],
        "timestamp_ms": _from_text(t["timestamp_ms"]),
        "is_final": bool(t["is_final"]),
        "created_at": _iso(t["created_at"]),
    }
