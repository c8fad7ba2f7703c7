"""``MockState``: the mock's state on ``app.extensions``, a thin facade over its parts.

Each resource owns its rules and its calls to the store, in a module named after it:
``tokens.py``, ``rooms.py``, ``webhooks.py``, ``sessions.py``, ``usage.py``,
``knowledge.py``, ``agents.py``, ``provider_secrets.py``. Live data lives in a store
(``store/``: memory by default, SQLite with ``--state-file`` or ``--workers``); reference
data comes from the seed. This facade keeps what spans them: ``reset()``, the request
journal, the fault rules and ``snapshot()``.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import current_app

from .agents import Agents
from .config import MockConfig
from .fault_rules import FaultRules, SharedFaultRules
from .journal import Captured, MemoryJournal, Redactor
from .knowledge import Knowledge
from .provider_secrets import ProviderSecrets
from .rooms import Rooms, participant_json
from .seed import Project, Seed, load_seed
from .sessions import Sessions, entry_json, session_json
from .store import open_store
from .store.shared_journal import SharedJournal
from .timestamps import iso
from .tokens import Tokens
from .usage import Usage
from .webhooks import Webhooks

EXTENSION = "voxai_mock"


def get_state() -> MockState:
    """The ``MockState`` of the current app (flaskr's ``get_db()`` idiom)."""
    return current_app.extensions[EXTENSION]


class MockState:
    """The mock's state. Thread-safe; each resource's operation is one store transaction.

    Resource methods raise ``ApiError`` for outcomes the spec documents (404, 409, 403...).
    """

    def __init__(self, config: MockConfig, clock=time.time) -> None:
        self.config = config
        #: Unix time; tests replace it to move time on.
        self.clock = clock
        self.store = open_store(config)
        self._local = threading.Lock()
        self.seed: Seed = load_seed(config.seed_path)
        redactor = Redactor(self.seed, config)
        # One process keeps its journal and faults in memory; workers sharing a store share them.
        self.journal: Any = (
            SharedJournal(self.store, config.journal_size, redactor)
            if config.shared_store
            else MemoryJournal(config.journal_size, redactor)
        )
        self.faults: Any = SharedFaultRules(self.store) if config.shared_store else FaultRules()
        self.violations: list[str] = []
        self.agents = Agents(self)
        self.tokens = Tokens(self)
        self.rooms = Rooms(self)
        self.webhooks = Webhooks(self)
        self.sessions = Sessions(self)
        self.usage = Usage(self)
        self.knowledge = Knowledge(self)
        self.provider_secrets = ProviderSecrets(self)

    def reset(self) -> None:
        """Back to the seed: rooms, participants, sessions, transcripts, webhook ids, usage
        roll-ups, the journal and every fault rule are dropped; the seed file is read again.
        The configuration (keys, caps, LiveKit credentials, state file) survives."""
        self.store.clear()
        with self._local:
            self.journal.clear()
            self.faults.clear()
            self.violations.clear()
        self.seed = load_seed(self.config.seed_path)
        self.journal.redactor = Redactor(self.seed, self.config)  # the seed's keys may change
        self.knowledge.reindex()

    def project_for_key(self, api_key: str | None) -> Project | None:
        return self.seed.project_by_key(api_key) if api_key else None

    # --- the request journal ------------------------------------------------------------
    def record(self, captured: Captured) -> None:
        """Append to the bounded request journal (rendered when read; see ``requests()``)."""
        self.journal.append(captured)

    def requests(self, limit: int | None = None, **filters: Any) -> list[dict[str, Any]]:
        """The newest ``limit`` journal entries matching every filter (``operation_id``,
        ``status``, ``project_id``, ``test_id``; ``None`` = any), oldest first, with ``at`` as
        an ISO date-time."""
        entries = self.journal.select(limit, **filters)
        return [{**e, "at": iso(e["at"], "milliseconds")} for e in entries]

    def calls_to(self, path: str, method: str | None = None) -> list[dict[str, Any]]:
        """Journal entries for this exact path (and method)."""
        return [
            e
            for e in self.requests()
            if e["path"] == path and (method is None or e["method"] == method.upper())
        ]

    # --- snapshot -----------------------------------------------------------------------
    def snapshot(self, project_id=None, room_prefix=None, transcripts=True) -> dict[str, Any]:
        """Rooms with participants and sessions with transcripts, optionally filtered."""
        prefix = room_prefix or ""
        with self.store.read() as tx:
            rooms = tx.rooms()
            participants: dict[str, list] = {}
            for p in tx.participants():
                participants.setdefault(p["room"], []).append(participant_json(p))
            sessions = tx.sessions()
            entries: dict[int, list] = {}
            for t in tx.entries() if transcripts else ():
                entries.setdefault(t["session_id"], []).append(t)

        def chosen(row, name: str) -> bool:
            return (not project_id or row["project_id"] == project_id) and name.startswith(prefix)

        out_rooms = []
        for r, _ in rooms:
            if not chosen(r, r["name"]):
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
            if not chosen(s, s["room_name"]):
                continue
            item: dict[str, Any] = {"project_id": s["project_id"], "session": session_json(s)}
            if transcripts:
                item["transcript"] = [
                    entry_json(t, s["room_name"]) for t in entries.get(s["id"], [])
                ]
            out_sessions.append(item)
        return {"rooms": out_rooms, "sessions": out_sessions}
