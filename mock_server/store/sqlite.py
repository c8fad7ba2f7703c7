"""The SQLite store (``--state-file``, ``--workers``): tables in ``schema.sql``.

The database lives in a WAL-mode file; writes take ``BEGIN IMMEDIATE`` under a process lock,
so several processes sharing the file stay coherent, and a committed write survives the
process being killed (WAL with ``synchronous = NORMAL`` loses nothing short of a power cut).
Without a path it runs in memory, which only the store contract tests use.
"""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

TABLES = ("rooms", "participants", "sessions", "transcripts", "webhook_ids", "usage_rollup")
#: Tables other modules keep in the same file (the shared journal, the shared fault rules).
SHARED_TABLES = ("journal",)


def _insert(table: str, row: dict[str, Any], verb: str = "INSERT") -> tuple[str, tuple]:
    """An INSERT naming its columns, so it does not depend on the schema's column order."""
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    return f"{verb} INTO {table} ({columns}) VALUES ({marks})", tuple(row.values())


class SqliteTransaction:
    """The ``Transaction`` methods over one connection inside ``write()`` or ``read()``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        # SQL-level callers (the shared journal and fault rules) use the connection as is.
        self.execute = conn.execute

    def _one(self, sql: str, args: tuple = ()) -> Any:
        row = self.conn.execute(sql, args).fetchone()
        return row[0] if row else None

    # --- rooms and participants ---------------------------------------------------------
    def add_room(self, name, project_id, sid, created_at, now) -> bool:
        created = self.conn.execute(
            "INSERT OR IGNORE INTO rooms (name, project_id, sid, created_at, touched_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (name, project_id, sid, created_at, now),
        ).rowcount
        if not created:
            self.conn.execute("UPDATE rooms SET touched_at = ? WHERE name = ?", (now, name))
        return bool(created)

    def count_rooms(self, project_id):
        return self._one("SELECT COUNT(*) FROM rooms WHERE project_id = ?", (project_id,))

    def least_recent_rooms(self, project_id, n):
        rows = self.conn.execute(
            "SELECT name FROM rooms WHERE project_id = ? ORDER BY touched_at, rowid LIMIT ?",
            (project_id, n),
        ).fetchall()
        return [r[0] for r in rows]

    def rooms_untouched_since(self, cutoff):
        rows = self.conn.execute("SELECT name FROM rooms WHERE touched_at < ?", (cutoff,))
        return [r[0] for r in rows.fetchall()]

    def drop_rooms(self, names):
        keys = [(name,) for name in names]
        self.conn.executemany("DELETE FROM participants WHERE room = ?", keys)
        self.conn.executemany("DELETE FROM rooms WHERE name = ?", keys)

    def room_exists(self, name, project_id):
        sql = "SELECT 1 FROM rooms WHERE name = ? AND project_id = ?"
        return self._one(sql, (name, project_id)) is not None

    def rooms(self, project_id=None):
        where = "WHERE r.project_id = ?" if project_id is not None else ""
        rows = self.conn.execute(
            "SELECT r.*, (SELECT COUNT(*) FROM participants p WHERE p.room = r.name) AS n"
            f" FROM rooms r {where} ORDER BY r.created_at, r.rowid",  # noqa: S608 - fixed text
            () if project_id is None else (project_id,),
        ).fetchall()
        return [(r, r["n"]) for r in rows]

    def participant_sid(self, room, identity):
        sql = "SELECT sid FROM participants WHERE room = ? AND identity = ?"
        return self._one(sql, (room, identity))

    def count_participants(self, room):
        return self._one("SELECT COUNT(*) FROM participants WHERE room = ?", (room,))

    def evict_first_arrived(self, room):
        self.conn.execute(
            "DELETE FROM participants WHERE room = ? AND identity = (SELECT identity FROM"
            " participants WHERE room = ? ORDER BY arrival LIMIT 1)",
            (room, room),
        )

    def put_participant(self, row):
        arrival = self._one(
            "SELECT COALESCE(MAX(arrival), 0) + 1 FROM participants WHERE room = ?", (row["room"],)
        )
        self.conn.execute(
            *_insert("participants", {**row, "arrival": arrival}, "INSERT OR REPLACE")
        )

    def remove_participant(self, room, identity):
        self.conn.execute(
            "DELETE FROM participants WHERE room = ? AND identity = ?", (room, identity)
        )

    def participants(self, room=None):
        if room is None:
            sql, args = "SELECT * FROM participants ORDER BY joined_at, arrival", ()
        else:
            sql = "SELECT * FROM participants WHERE room = ? ORDER BY joined_at, arrival"
            args = (room,)
        return self.conn.execute(sql, args).fetchall()

    # --- webhooks -----------------------------------------------------------------------
    def remember_webhook(self, webhook_id):
        try:
            self.conn.execute("INSERT INTO webhook_ids (id) VALUES (?)", (webhook_id,))
        except sqlite3.IntegrityError:  # the UNIQUE id: a redelivery
            return False
        return True

    def forget_webhooks_beyond(self, keep):
        self.conn.execute(
            "DELETE FROM webhook_ids WHERE seq <= (SELECT MAX(seq) FROM webhook_ids) - ?", (keep,)
        )

    # --- sessions and transcripts -------------------------------------------------------
    def latest_session(self, project_id, room_name):
        return self.conn.execute(
            "SELECT * FROM sessions WHERE project_id = ? AND room_name = ?"
            " ORDER BY id DESC LIMIT 1",
            (project_id, room_name),
        ).fetchone()

    def add_session(self, row):
        cur = self.conn.execute(*_insert("sessions", row))
        return self.session(cur.lastrowid)

    def session(self, session_id):
        return self.conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()

    def count_sessions(self, project_id):
        return self._one("SELECT COUNT(*) FROM sessions WHERE project_id = ?", (project_id,))

    def sessions_to_evict(self, project_id, n):
        rows = self.conn.execute(
            "SELECT id FROM sessions WHERE project_id = ? ORDER BY status = 'active', id LIMIT ?",
            (project_id, n),
        ).fetchall()
        return [r[0] for r in rows]

    def ended_sessions(self, project_id):
        rows = self.conn.execute(
            "SELECT id, transcript_count FROM sessions WHERE project_id = ?"
            " AND status = 'completed' ORDER BY id",
            (project_id,),
        ).fetchall()
        return [(r[0], r[1]) for r in rows]

    def delete_session(self, session_id):
        self.conn.execute("DELETE FROM transcripts WHERE session_id = ?", (session_id,))
        self.conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    def count_entry(self, project_id, room_name, chars, max_entries):
        # One statement finds the room's latest session and counts the entry when the session
        # is active and not full.
        rows = self.conn.execute(
            "UPDATE sessions SET transcript_count = transcript_count + 1,"
            " content_chars = content_chars + ? WHERE id = (SELECT id FROM sessions"
            " WHERE project_id = ? AND room_name = ? ORDER BY id DESC LIMIT 1)"
            " AND status = 'active' AND transcript_count < ?"
            " RETURNING id, transcript_count",
            (chars, project_id, room_name, max_entries),
        ).fetchall()
        return (rows[0][0], rows[0][1]) if rows else None

    def add_entry(self, row):
        self.conn.execute(*_insert("transcripts", row))

    def end_session(self, session_id, ended_at, duration, summary):
        self.conn.execute(
            "UPDATE sessions SET status = 'completed', ended_at = ?, duration = ?, summary = ?"
            " WHERE id = ?",
            (ended_at, duration, summary, session_id),
        )
        return self.session(session_id)

    def project_entry_total(self, project_id):
        sql = "SELECT COALESCE(SUM(transcript_count), 0) FROM sessions WHERE project_id = ?"
        return self._one(sql, (project_id,))

    def completed_sessions(self, project_id):
        return self.conn.execute(
            "SELECT * FROM sessions WHERE project_id = ? AND status = 'completed' ORDER BY id",
            (project_id,),
        ).fetchall()

    def sessions(self):
        return self.conn.execute("SELECT * FROM sessions ORDER BY id").fetchall()

    def entries(self):
        return self.conn.execute(
            "SELECT * FROM transcripts ORDER BY session_id, sequence"
        ).fetchall()

    # --- usage ----------------------------------------------------------------------------
    def add_rollup(self, row):
        self.conn.execute(*_insert("usage_rollup", row))

    def rollups(self, project_id):
        sql = "SELECT * FROM usage_rollup WHERE project_id = ?"
        return self.conn.execute(sql, (project_id,)).fetchall()


class SqliteStore:
    """One SQLite connection per process, serialised by a lock; transactions via ``write()``."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: every transaction is explicit, so BEGIN IMMEDIATE means what it says.
        target = str(path) if path else ":memory:"
        self.conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.tx = SqliteTransaction(self.conn)
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
                self.conn.executescript(
                    resources.files(__package__).joinpath("schema.sql").read_text()
                )
                self._migrate()

    def _migrate(self) -> None:
        # State files written before participants had an arrival order: add the column.
        columns = {r[1] for r in self.conn.execute("PRAGMA table_info(participants)")}
        if "arrival" not in columns:
            self.conn.execute(
                "ALTER TABLE participants ADD COLUMN arrival INTEGER NOT NULL DEFAULT 0"
            )

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
                yield self.tx
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")

    @contextmanager
    def read(self):
        """A consistent read."""
        with self.lock:
            yield self.tx

    def clear(self) -> None:
        """Drop every row of every table."""
        with self.write() as tx:
            for table in TABLES + SHARED_TABLES:
                tx.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names

    def counts(self) -> dict[str, int]:
        with self.read() as tx:
            return {t: tx._one(f"SELECT COUNT(*) FROM {t}") for t in TABLES}  # noqa: S608

    def close(self) -> None:
        with self.lock:
            if self._flock is not None:
                self._flock.close()
            self.conn.close()
