"""Where the mock's live data is kept: one interface, two stores.

``MemoryStore`` (``memory.py``) is the default: plain dicts in this process, no SQLite on a
request's path. ``SqliteStore`` (``sqlite.py``, tables in ``schema.sql``) serves
``--state-file`` (a restart loses nothing) and ``--workers`` (processes share one file).

The resource modules (``rooms.py``, ``sessions.py``, ...) own the rules and call the store
only through a transaction: ``with store.write() as tx`` (all or nothing, one writer at a
time) or ``with store.read() as tx``, where ``tx`` offers the methods of ``Transaction``.
Rows are read by column name (``row["room_name"]``); their columns are those of
``schema.sql``. ``tests/mock/test_store_contract.py`` runs one suite against both stores.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol

Row = Any  # a dict (memory) or a sqlite3.Row (SQLite): both read by column name


class Transaction(Protocol):
    # --- rooms and participants ---------------------------------------------------------
    def add_room(self, name: str, project_id: int, sid: str, created_at: float, now: float) -> bool:
        """Insert the room and return ``True``; if it exists, touch it and return ``False``."""

    def count_rooms(self, project_id: int) -> int: ...

    def least_recent_rooms(self, project_id: int, n: int) -> list[str]:
        """The ``n`` rooms touched longest ago (ties: created first)."""

    def rooms_untouched_since(self, cutoff: float) -> list[str]: ...

    def drop_rooms(self, names: list[str]) -> None:
        """Remove the rooms and their participants."""

    def room_exists(self, name: str, project_id: int) -> bool: ...

    def rooms(self, project_id: int | None = None) -> list[tuple[Row, int]]:
        """``(room, participant count)`` by ``created_at`` then arrival; all projects for None."""

    def participant_sid(self, room: str, identity: str) -> str | None: ...

    def count_participants(self, room: str) -> int: ...

    def evict_first_arrived(self, room: str) -> None:
        """Remove the room's participant that arrived first (by arrival order, not by name)."""

    def put_participant(self, row: dict[str, Any]) -> None:
        """Insert or replace ``(room, identity)``; it becomes the room's latest arrival."""

    def remove_participant(self, room: str, identity: str) -> None: ...

    def participants(self, room: str | None = None) -> list[Row]:
        """By ``joined_at`` then arrival; every room's for None."""

    # --- webhooks -----------------------------------------------------------------------
    def remember_webhook(self, webhook_id: str) -> bool:
        """Record the id; ``False`` when it was recorded before (a redelivery)."""

    def forget_webhooks_beyond(self, keep: int) -> None:
        """Keep only the ``keep`` most recent webhook ids."""

    # --- sessions and transcripts -------------------------------------------------------
    def latest_session(self, project_id: int, room_name: str) -> Row | None: ...

    def add_session(self, row: dict[str, Any]) -> Row:
        """Insert a session (``id`` assigned, never reused) and return it."""

    def session(self, session_id: int) -> Row: ...

    def count_sessions(self, project_id: int) -> int: ...

    def sessions_to_evict(self, project_id: int, n: int) -> list[int]:
        """``n`` session ids, ended ones first, oldest first."""

    def ended_sessions(self, project_id: int) -> list[tuple[int, int]]:
        """``(id, transcript_count)`` of the project's completed sessions, oldest first."""

    def delete_session(self, session_id: int) -> None:
        """Remove the session and its transcript."""

    def count_entry(
        self, project_id: int, room_name: str, chars: int, max_entries: int
    ) -> tuple[int, int] | None:
        """Count one more entry on the room's latest session when it is active and not full:
        ``(session id, the entry's sequence)``, or ``None`` (and nothing changed)."""

    def add_entry(self, row: dict[str, Any]) -> None: ...

    def end_session(self, session_id: int, ended_at: float, duration: float, summary) -> Row: ...

    def project_entry_total(self, project_id: int) -> int: ...

    def completed_sessions(self, project_id: int) -> list[Row]: ...

    def sessions(self) -> list[Row]:
        """Every session, by id."""

    def entries(self) -> list[Row]:
        """Every transcript entry, by session then sequence."""

    # --- usage ----------------------------------------------------------------------------
    def add_rollup(self, row: dict[str, Any]) -> None:
        """Keep an evicted session's usage (columns of ``usage_rollup``)."""

    def rollups(self, project_id: int) -> list[Row]: ...


class Store(Protocol):
    def write(self) -> AbstractContextManager[Transaction]: ...

    def read(self) -> AbstractContextManager[Transaction]: ...

    def clear(self) -> None:
        """Drop every row (ids are not reused afterwards)."""

    def counts(self) -> dict[str, int]:
        """Rows per table, for the memory-bound tests."""

    def close(self) -> None: ...


def open_store(config) -> Store:
    """SQLite when the configuration names a state file, else memory."""
    if config.state_file:
        from .sqlite import SqliteStore

        return SqliteStore(config.state_file)
    from .memory import MemoryStore

    return MemoryStore()
