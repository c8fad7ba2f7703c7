"""The SQLite store behind ``MockState``: schema and connection, in memory or in a file.

One store serves both modes. In memory (the default) the database is private to the
process; with ``--state-file`` it lives in a WAL-mode file, writes take ``BEGIN IMMEDIATE``
so several processes sharing the file stay coherent, and a restart loses nothing.
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS rooms (
    name TEXT PRIMARY KEY,
    project_id INTEGER NOT NULL,
    sid TEXT NOT NULL,
    created_at REAL NOT NULL,
    touched_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS rooms_by_project ON rooms (project_id, created_at);
-- The room cap evicts a project's least recently touched rooms: ordered by this index, not
-- sorted (a temporary B-tree over the project's rooms every few inserts). Expiry, once a
-- second, scans.
CREATE INDEX IF NOT EXISTS rooms_by_project_touch ON rooms (project_id, touched_at);
CREATE TABLE IF NOT EXISTS participants (
    room TEXT NOT NULL,
    identity TEXT NOT NULL,
    sid TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    is_publisher INTEGER NOT NULL,
    metadata TEXT NOT NULL,
    PRIMARY KEY (room, identity)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL,
    room_name TEXT NOT NULL,
    agent_config_id INTEGER,
    caller_identity TEXT,
    session_type TEXT NOT NULL,
    status TEXT NOT NULL,
    metadata TEXT NOT NULL,
    started_at REAL NOT NULL,
    ended_at REAL,
    duration REAL,
    summary TEXT,
    transcript_count INTEGER NOT NULL DEFAULT 0,
    content_chars INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_by_room ON sessions (project_id, room_name, id);
CREATE TABLE IF NOT EXISTS transcripts (
    session_id INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    speaker TEXT NOT NULL,
    content TEXT NOT NULL,
    timestamp_ms TEXT,
    is_final INTEGER NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (session_id, sequence)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS webhook_ids (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS usage_rollup (
    project_id INTEGER NOT NULL,
    day TEXT NOT NULL,
    agent_id INTEGER,
    model TEXT NOT NULL,
    sessions INTEGER NOT NULL,
    duration_seconds REAL NOT NULL,
    llm_tokens INTEGER NOT NULL,
    cost_llm REAL NOT NULL,
    cost_stt REAL NOT NULL,
    cost_tts REAL NOT NULL,
    cost_livekit REAL NOT NULL
);

CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entry TEXT NOT NULL
);
"""

TABLES = (
    "rooms",
    "participants",
    "sessions",
    "transcripts",
    "webhook_ids",
    "usage_rollup",
    "journal",
)


class SharedJournal:
    """The request journal in the store (deque-like: append, clear, iterate, len), bounded."""

    def __init__(self, store: Store, maxlen: int) -> None:
        self.store = store
        self.maxlen = maxlen
        self._since_trim = 0

    def append(self, entry: dict) -> None:
        with self.store.write() as db:
            db.execute("INSERT INTO journal (entry) VALUES (?)", (json.dumps(entry),))
            self._since_trim += 1
            # Trimming every insert would double the writes; the table overshoots by < 64.
            if self._since_trim >= 64:
                self._since_trim = 0
                db.execute(
                    "DELETE FROM journal WHERE seq <= (SELECT MAX(seq) FROM journal) - ?",
                    (self.maxlen,),
                )

    def clear(self) -> None:
        with self.store.write() as db:
            db.execute("DELETE FROM journal")

    def __iter__(self):
        with self.store.read() as db:
            rows = db.execute(
                "SELECT entry FROM (SELECT seq, entry FROM journal ORDER BY seq DESC LIMIT ?)"
                " ORDER BY seq",
                (self.maxlen,),
            ).fetchall()
        return iter([json.loads(r[0]) for r in rows])

    def __len__(self) -> int:
        return len(list(iter(self)))


class Store:
    """One SQLite connection per process, serialised by a lock; transactions via ``write()``."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        target = str(path) if path else ":memory:"
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: every transaction is explicit, so BEGIN IMMEDIATE means what it says.
        self.conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.lock = threading.RLock()
        # Processes sharing the file queue for writes on an flock: the kernel wakes the next
        # writer at once, where SQLite's busy handler sleeps 1-100 ms between retries (which
        # cut two workers' throughput below one worker's).
        self._flock = open(f"{path}.lock", "a+b") if path else None  # noqa: SIM115
        with self.lock:
            self.conn.execute("PRAGMA busy_timeout = 10000")
            if path:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = NORMAL")
            with self._process_lock():
                self.conn.executescript(SCHEMA)

    @contextmanager
    def _process_lock(self):
        if self._flock is None:
            yield
            return
        fcntl.flock(self._flock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._flock, fcntl.LOCK_UN)

    @contextmanager
    def write(self):
        """A write transaction (``BEGIN IMMEDIATE``): all or nothing, one writer at a time."""
        with self.lock, self._process_lock():
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")

    @contextmanager
    def read(self):
        """A consistent read."""
        with self.lock:
            yield self.conn

    def clear(self) -> None:
        """Drop every row of every table."""
        with self.write() as db:
            for table in TABLES:
                db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names

    def close(self) -> None:
        with self.lock:
            if self._flock is not None:
                self._flock.close()
            self.conn.close()
