"""The request journal kept in the SQLite store, so worker processes sharing the file share it.

One process (the default) keeps its journal in memory (``journal.MemoryJournal``); this class
offers the same few operations (append, clear, iterate, len) over the store's ``journal``
table. Entries are rendered (parsed and redacted) before they are written, so no secret
reaches the file.
"""

from __future__ import annotations

import json

from ..journal import Captured, Redactor, newest, render


class SharedJournal:
    """The request journal in the store (deque-like: append, clear, iterate, len), bounded."""

    def __init__(self, store, maxlen: int, redactor: Redactor) -> None:
        self.store = store
        self.maxlen = maxlen
        self.redactor = redactor
        self._since_trim = 0

    def append(self, captured: Captured) -> None:
        entry = render(captured, self.redactor)
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

    def select(self, limit: int | None = None, **filters) -> list[dict]:
        """The newest ``limit`` entries matching every filter (``None`` = any), oldest first."""
        return newest(list(iter(self)), limit, dict.get, filters)

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
